// core/sampler/charge.h — how one sample's elapsed interval is split between CPU and waiting.
//
// The sampler knows, per thread, how much wall time passed since its previous sample and how far
// the thread's own CPU clock moved. It charges min(cpu, wall) as CPU and the rest as waiting to
// the stack read now. Why this and not the /proc/self/task/<tid>/stat state at the instant:
//  - the CPU clock is exact, so each thread's CPU total (and cpu_seconds) is right whatever the
//    rate; a state letter sampled at 100 Hz only estimates it;
//  - reading `stat` costs an open/read/close per thread per tick (several µs each: the kernel
//    formats 52 fields), which alone would spend most of the 1%-of-a-core budget at 8 threads,
//    and keeping one fd per thread open would break jobs that close every fd they do not know;
//  - the bias is bounded: only an interval in which a thread changed between computing and
//    waiting can put CPU on the line it blocked at (or waiting on the line it resumed at), at
//    most one interval (~10 ms at 100 Hz) per transition. Steady computing or waiting, which is
//    where batch jobs spend their time, is charged exactly.
// All amounts are integers in microseconds; sub-microsecond rests are carried to the next sample
// through `wall_used_ns` / `cpu_used_ns`, so nothing is lost to rounding over a long run.
#pragma once

#include <cstdint>

namespace sciagraph::core::sampler {

struct Charge {
    uint64_t cpu_us;
    uint64_t wait_us;      // cpu_us + wait_us == whole microseconds of the wall delta
    int64_t wall_used_ns;  // advance the thread's wall baseline by this much
    int64_t cpu_used_ns;   // advance the thread's CPU baseline by this much
};

// Never negative, cpu_us ≤ wall, cpu_us + wait_us == max(wall_delta_ns, 0) / 1000. CPU beyond the
// wall delta (clock read skew, a thread's history before its first sample) is dropped, not
// carried: a thread cannot compute longer than the interval.
Charge classify(int64_t cpu_delta_ns, int64_t wall_delta_ns) noexcept;

}  // namespace sciagraph::core::sampler
