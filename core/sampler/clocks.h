// core/sampler/clocks.h — the clocks the sampler reads: monotonic wall time, and any thread's
// CPU clock from its TID alone.
#pragma once

#include <cstdint>
#include <ctime>

namespace sciagraph::core::sampler {

inline int64_t to_ns(const timespec& ts) noexcept
{
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline int64_t monotonic_ns() noexcept
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return to_ns(ts);
}

// The CPU clock of thread `tid` of this process, as glibc's pthread_getcpuclockid builds it
// (MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)). Built from the TID, not from a pthread_t: a
// PyThreadState's pthread_t may dangle once its thread exits, a dead TID just gives EINVAL.
// Computed in unsigned arithmetic: ~tid is negative.
inline clockid_t thread_cpu_clock(int32_t tid) noexcept
{
    return static_cast<clockid_t>((~static_cast<uint32_t>(tid) << 3) | 6u);
}

// Nanoseconds of CPU thread `tid` has used, or -1 when it is gone (EINVAL: no such thread in
// this process, including a TID now used by another process).
inline int64_t thread_cpu_ns(int32_t tid) noexcept
{
    timespec ts{};
    if (clock_gettime(thread_cpu_clock(tid), &ts) != 0) {
        return -1;
    }
    return to_ns(ts);
}

// The CPU of every thread of the process, those that ended included; -1 when unknown.
inline int64_t process_cpu_ns() noexcept
{
    timespec ts{};
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) {
        return -1;
    }
    return to_ns(ts);
}

inline int64_t own_cpu_ns() noexcept
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return to_ns(ts);
}

}  // namespace sciagraph::core::sampler
