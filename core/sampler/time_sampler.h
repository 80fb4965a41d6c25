// core/sampler/time_sampler.h — the in-process time sampler: one native thread (all signals
// blocked, never tracked, invisible to threading.enumerate()) that every tick reads each Python
// thread's stack with safe reads and charges the interval to CPU or waiting. It also drives the
// periodic dump (persist_tick), so a job killed by SIGKILL still leaves its profile.
#pragma once

#include <cstdint>

namespace sciagraph::core::sampler {

struct Settings {
    bool sample_time = true;     // false in memory-only mode: the thread only persists
    unsigned hz = 100;           // sampling rate
    unsigned persist_ms = 1000;  // how often the dump is rewritten in the background
};

// Starts the thread; false when it cannot start. A failure of the sampler alone never calls the
// core's disable(): memory profiling goes on. It stops time profiling, prints one line
// ("sciagraph: time profiling stopped: <reason>") and keeps the reason for the dump.
bool start(const Settings& settings) noexcept;
// Stops and joins the thread (at exit). Bounded wait; never hangs the job's exit.
void stop() noexcept;
// In a fork child: the thread did not survive fork; start a new one.
void restart_in_child() noexcept;
// Around os.fork() in the parent. From 3.12 on, os.fork() counts the process's threads right
// after fork() returns (/proc/self/stat) and warns "This process is multi-threaded, use of
// fork() may lead to deadlocks in the child" when there is more than one, which with `-W error`
// is an exception: in a job of one thread, ours must not be there to be counted.
// pause_for_fork() (os.register_at_fork's `before`, see core/fork.h) stops and joins the thread,
// keeping its counts, when the job has no thread of its own; resume_after_fork() (the
// `after_in_parent` hook, which runs after that count) starts a new one. Forks that Python does
// not start (a C library's, _posixsubprocess's vfork) are not counted and change nothing.
void pause_for_fork() noexcept;
void resume_after_fork() noexcept;

struct Stats {
    uint64_t samples;       // thread samples taken
    uint64_t failed_reads;  // samples whose stack could not be read (counted, dropped)
    double sampler_cpu_seconds;
    double wall_seconds;  // since the sampler started
    // Stacks taken although the thread's top frame moved during both tries of the read
    // (python::remote_reads_moved(): one atomic load).
    uint64_t reads_moved;
};
Stats stats() noexcept;

// nullptr while time profiling runs (or was never asked for); else why it stopped, a static
// one-line string: the sampler thread could not start, too many unreadable stacks, a full stack
// table. The thread itself may still run on, persisting the dump for memory profiling.
const char* stopped_reason() noexcept;
// The sampler thread is up (started and not yet stopped).
bool running() noexcept;

}  // namespace sciagraph::core::sampler
