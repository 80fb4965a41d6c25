// core/sampler/schedstat.h — how long a thread of this process has waited on a run queue for a
// core: the second number of /proc/self/task/<tid>/schedstat (ns on CPU, ns waiting on a run
// queue, timeslices). The kernel keeps it when built with CONFIG_SCHED_INFO (Debian, Ubuntu,
// Fedora kernels do) and writes "0 0 0" when it does not.
//
// Read with raw system calls into a stack buffer: no stdio, no malloc (the sampler thread never
// calls the job's allocator). A thread with a descriptor table of its own (private_fds.h: the
// sampler) keeps each thread's file open and preads it again on the next tick: opening a /proc
// file costs about 30 µs on the VMs here, a pread of a held one 6 µs. A held file whose thread
// ended reads ESRCH: it is closed and the path opened again (the TID may name a new thread).
// Files not read for a while are closed. Any other thread opens and closes on each read.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core::sampler {

// Nanoseconds thread `tid` has spent runnable but waiting for a core, or -1 when the file cannot
// be read (the thread is gone, no /proc) or does not hold three numbers.
int64_t read_run_queue_ns(int32_t tid) noexcept;

// Whether this kernel reports run-queue time: the calling thread's own schedstat is readable and
// shows the CPU it has used (a kernel without sched_info writes zeros).
bool run_queue_time_available() noexcept;

namespace detail {
// For tests: how many files the calling thread holds open.
size_t held_schedstat_files() noexcept;

struct SchedStat {
    int64_t cpu_ns;   // on a core (updated at scheduling events only: 0 in a first timeslice)
    int64_t runq_ns;  // runnable, waiting for a core (added when the wait ends)
    int64_t slices;   // times it got a core
};
// "a b c\n" → the three numbers; false unless the text starts with three decimal numbers.
bool parse_schedstat(const char* text, long size, SchedStat& out) noexcept;
}  // namespace detail

}  // namespace sciagraph::core::sampler
