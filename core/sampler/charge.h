// core/sampler/charge.h — how one sample's elapsed interval is split between CPU and waiting.
//
// CPU means the thread computed or wanted to compute: its own CPU clock moved, or it was
// runnable but waited on a run queue for a core (preempted on a loaded machine). Waiting is the
// rest: sleep, I/O, locks, the GIL (a thread waiting for the GIL sleeps in a futex).
//
// The sampler knows, per thread, how much wall time passed since its previous sample, how far
// the thread's CPU clock moved and how far its run-queue delay moved (the second number of
// /proc/self/task/<tid>/schedstat; 0 where the kernel does not keep it). It charges
// min(wall, cpu + run queue) as CPU and the rest as waiting to the stack read now. Why this and
// not the /proc/self/task/<tid>/stat state at the instant:
//  - the CPU clock and the run-queue delay are exact sums, so each thread's totals are right
//    whatever the rate; a state letter sampled at 100 Hz only estimates them;
//  - `stat` formats 52 fields per read; `schedstat` three numbers, and only threads that ran
//    (or were runnable at their previous sample) need it: a blocked thread's numbers stand still;
//  - the bias is bounded: only an interval in which a thread changed between computing and
//    waiting can put CPU on the line it blocked at (or waiting on the line it resumed at), at
//    most one interval (~10 ms at 100 Hz) per transition. Steady computing or waiting, which is
//    where batch jobs spend their time, is charged exactly.
//
// The kernel adds a run-queue wait to the delay only when the wait ends (the thread gets a core),
// so a wait that spans a sample shows in the next one, which may be full of CPU already. That
// part is carried (up to kMaxRunQueueCarryNs) and charged in the next interval with room, so the
// thread's CPU total stays right; the carry is bounded so that a thread's history before its
// first sample, or an error, cannot turn much later waiting into CPU.
//
// All amounts are integers in microseconds; sub-microsecond rests are carried to the next sample
// through the *_used_ns fields, so nothing is lost to rounding over a long run.
#pragma once

#include <cstdint>

namespace sciagraph::core::sampler {

// A quarter of a second: on a machine loaded many times over its cores a thread waits tens of
// milliseconds for a core at a stretch, and all of it must reach the CPU total.
inline constexpr int64_t kMaxRunQueueCarryNs = 250'000'000;

struct Charge {
    uint64_t cpu_us;       // CPU clock and run-queue time
    uint64_t wait_us;      // cpu_us + wait_us == whole microseconds of the wall delta
    int64_t wall_used_ns;  // advance the thread's wall baseline by this much
    int64_t cpu_used_ns;   // advance the thread's CPU baseline by this much
    int64_t runq_used_ns;  // advance the thread's run-queue baseline by this much
};

// Never negative; cpu_us + wait_us == max(wall_delta_ns, 0) / 1000; cpu_us ==
// min(wall, cpu / 1000 + run_queue / 1000) for non-negative deltas. CPU beyond the wall delta
// (clock read skew, a thread's history before its first sample) is dropped, not carried: a
// thread cannot compute longer than the interval. Run-queue time beyond it is carried, up to
// kMaxRunQueueCarryNs. A negative delta (a baseline from another thread of the same TID) resyncs
// that baseline.
Charge classify(int64_t cpu_delta_ns, int64_t runq_delta_ns, int64_t wall_delta_ns) noexcept;

// Without run-queue time (a kernel that does not report it).
inline Charge classify(int64_t cpu_delta_ns, int64_t wall_delta_ns) noexcept
{
    return classify(cpu_delta_ns, 0, wall_delta_ns);
}

}  // namespace sciagraph::core::sampler
