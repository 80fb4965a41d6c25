#include "charge.h"

namespace sciagraph::core::sampler {
namespace {

// How much of a run-queue delta this sample consumes when `room_us` of the interval is left
// for it: whole microseconds charged, and the rest beyond the carry limit dropped.
int64_t runq_consumed(int64_t runq_delta_ns, uint64_t room_us, uint64_t& charged_us) noexcept
{
    charged_us = 0;
    if (runq_delta_ns <= 0) {
        return runq_delta_ns;  // nothing, or a baseline to resync
    }
    const uint64_t runq_us = static_cast<uint64_t>(runq_delta_ns) / 1000;
    charged_us = runq_us < room_us ? runq_us : room_us;
    int64_t used = static_cast<int64_t>(charged_us * 1000);
    const int64_t left = runq_delta_ns - used;
    if (left > kMaxRunQueueCarryNs) {
        used += left - kMaxRunQueueCarryNs;
    }
    return used;
}

}  // namespace

Charge classify(int64_t cpu_delta_ns, int64_t runq_delta_ns, int64_t wall_delta_ns) noexcept
{
    Charge charge{};
    if (wall_delta_ns <= 0) {
        // A clock that went backwards (it cannot, monotonic) or no time at all: charge nothing
        // and let the baselines resynchronise to now. The run-queue carry survives: it is time
        // the thread really spent, not yet charged.
        uint64_t none = 0;
        charge.wall_used_ns = wall_delta_ns;
        charge.cpu_used_ns = cpu_delta_ns;
        charge.runq_used_ns = runq_consumed(runq_delta_ns, 0, none);
        return charge;
    }
    const uint64_t wall_us = static_cast<uint64_t>(wall_delta_ns) / 1000;
    charge.wall_used_ns = static_cast<int64_t>(wall_us * 1000);
    uint64_t cpu_us = 0;
    if (cpu_delta_ns <= 0) {
        charge.cpu_used_ns = cpu_delta_ns;
    } else {
        cpu_us = static_cast<uint64_t>(cpu_delta_ns) / 1000;
        if (cpu_us >= wall_us) {
            cpu_us = wall_us;
            charge.cpu_used_ns = cpu_delta_ns;  // the excess is dropped (see the header)
        } else {
            charge.cpu_used_ns = static_cast<int64_t>(cpu_us * 1000);
        }
    }
    uint64_t runq_us = 0;
    charge.runq_used_ns = runq_consumed(runq_delta_ns, wall_us - cpu_us, runq_us);
    charge.cpu_us = cpu_us + runq_us;
    charge.wait_us = wall_us - charge.cpu_us;
    return charge;
}

}  // namespace sciagraph::core::sampler
