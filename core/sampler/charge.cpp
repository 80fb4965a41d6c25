#include "charge.h"

namespace sciagraph::core::sampler {

Charge classify(int64_t cpu_delta_ns, int64_t wall_delta_ns) noexcept
{
    Charge charge{};
    if (wall_delta_ns <= 0) {
        // A clock that went backwards (it cannot, monotonic) or no time at all: charge nothing
        // and let the baselines resynchronise to now.
        charge.wall_used_ns = wall_delta_ns;
        charge.cpu_used_ns = cpu_delta_ns;
        return charge;
    }
    const uint64_t wall_us = static_cast<uint64_t>(wall_delta_ns) / 1000;
    charge.wall_used_ns = static_cast<int64_t>(wall_us * 1000);
    if (cpu_delta_ns <= 0) {
        charge.wait_us = wall_us;
        charge.cpu_used_ns = cpu_delta_ns;
        return charge;
    }
    const uint64_t cpu_us = static_cast<uint64_t>(cpu_delta_ns) / 1000;
    if (cpu_us >= wall_us) {
        charge.cpu_us = wall_us;
        charge.cpu_used_ns = cpu_delta_ns;  // the excess is dropped (see the header)
    } else {
        charge.cpu_us = cpu_us;
        charge.cpu_used_ns = static_cast<int64_t>(cpu_us * 1000);
    }
    charge.wait_us = wall_us - charge.cpu_us;
    return charge;
}

}  // namespace sciagraph::core::sampler
