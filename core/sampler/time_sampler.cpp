// core/sampler/time_sampler.cpp — the sampler thread's life: start, the tick loop, stop, fork.
//
// The thread sleeps on a futex with an absolute CLOCK_MONOTONIC deadline rather than in
// clock_nanosleep: same clock and precision, but stop() can wake it at once without sending a
// signal (the sampler never sends signals).
#include "time_sampler.h"

#include "clocks.h"
#include "coverage_marks.h"
#include "disable.h"
#include "dump_writer.h"
#include "failpoints.h"
#include "jitter.h"
#include "job_page.h"
#include "private_fds.h"
#include "proc_dir.h"
#include "python/python.h"
#include "recursion_guard.h"
#include "schedstat.h"
#include "settings.h"
#include "stack_table.h"
#include "task_list.h"
#include "thread_list_mark.h"
#include "tick.h"
#include "timeline.h"
#include "tracker.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sciagraph::core::detail {
// Defined in core/safe_read.cpp: the calling thread never forks, its safe reads may cache the pid.
void safe_read_pin_pid_for_this_thread() noexcept;
}  // namespace sciagraph::core::detail

namespace sciagraph::core::sampler {
namespace {

constexpr const char* kCannotStart = "the sampler thread could not be started";
constexpr const char* kDescriptors =
    "the sampler thread could not close its copies of the job's files";
constexpr const char* kInternalError = "internal error in the time sampler";
constexpr size_t kStackBytes = size_t{1} << 20;  // the dump writer runs on this thread too
constexpr int64_t kJoinWaitNs = 200'000'000;     // stop() never delays the job's exit longer
constexpr int64_t kMaxIdleIntervalNs = 100'000'000;
constexpr int64_t kTimelineFastNs = 10'000'000;
constexpr int64_t kTimelineSlowNs = 80'000'000;
constexpr uint64_t kMinFailuresToJudge = 5;  // stop()'s judgement of a short run
// A child of the job (exec'd or forked) reads nothing for its first 50 ms: most children of a
// job that starts many (subprocess per item, pools that replace workers) end before then, and a
// thread that has read nothing can be left to end alone at exit. The first tick after it charges
// the time since the start, as every first tick does: nothing is lost, it lands on one stack.
constexpr int64_t kChildGraceNs = 50'000'000;

// The thread's phase while a grace is on: stop() and the thread's end of grace race for it.
enum Phase : int { kInGrace, kTicking, kLeftInGrace };

struct State {
    Settings settings{};
    bool configured = false;  // start() was called: a fork child restarts the thread
    bool thread_started = false;
    pthread_t thread{};
    std::atomic<uint32_t> stop_word{0};   // the futex: 1 = stop
    std::atomic<bool> sampling{false};    // time profiling on
    std::atomic<bool> left_alone{false};  // the job's threads all ended before ours
    std::atomic<const char*> stopped_reason{nullptr};
    std::atomic<uint64_t> samples{0};
    std::atomic<uint64_t> failed_reads{0};
    std::atomic<int64_t> sampler_cpu_ns{0};
    // What earlier threads of this process counted: a thread paused across fork (pause_for_fork)
    // takes its counts with it, the next one starts from zero.
    uint64_t samples_before = 0;
    uint64_t failed_reads_before = 0;
    int64_t sampler_cpu_ns_before = 0;
    // pause_for_fork() stopped the thread; the next one, started by resume_after_fork(), clears it.
    std::atomic<bool> paused{false};
    std::atomic<int64_t> start_ns{0};
    std::atomic<int64_t> end_ns{0};  // 0 while running
    Ticker ticker;                   // touched by the sampler thread alone
    bool ticker_ready = false;
    int64_t grace_ns = 0;  // kChildGraceNs in a child of the job
    std::atomic<int> phase{kTicking};
};
State g_state;

bool python_readable() noexcept
{
    return python::is_python() && python::layout_checked();
}

// Reads the state letter of thread `tid` from /proc/self/task/<tid>/stat ('Z' for a zombie),
// or 0 when it cannot. Raw system calls, a stack buffer.
char thread_state(int32_t tid) noexcept
{
    char path[48];
    if (!task_file_path(tid, "stat", path, sizeof path)) {
        return 0;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    char buffer[256];
    ssize_t got = pread(fd, buffer, sizeof buffer - 1, 0);
    close(fd);
    if (got <= 0) {
        return 0;
    }
    buffer[got] = '\0';
    const char* paren = std::strrchr(buffer, ')');  // the name may hold spaces and parentheses
    return paren != nullptr && paren[1] == ' ' ? paren[2] : '\0';
}

// The main thread gone through pthread_exit while others run on: a zombie whose CPU clock still
// answers but whose Python state is stale. Once seen, it counts as gone, not as a read failure
// (a failure rate that would stop time profiling, and print about it, for a healthy job).
std::atomic<bool> g_leader_zombie{false};

long read_stack(const python::ThreadRef& thread, python::RawFrame* out, size_t max) noexcept
{
    if (failpoint(Failpoint::SamplerRead)) {
        return -1;  // as a thread state freed under us would read
    }
    const long count = python::read_thread_stack(thread, out, max);
    if (count < 0 && thread.native_tid == getpid() && thread_state(getpid()) == 'Z') {
        g_leader_zombie.store(true, std::memory_order_relaxed);
        return 0;
    }
    return count;
}

// The thread list cannot be read once the main thread has gone through pthread_exit (its
// Python state was never cleaned up): then there is nothing to sample, which is not a failure.
long list_threads(python::ThreadRef* out, size_t max) noexcept
{
    const long count = python::list_threads(out, max);
    if (count < 0 && thread_state(getpid()) == 'Z') {
        g_leader_zombie.store(true, std::memory_order_relaxed);
        return 0;
    }
    return count;
}

int64_t cpu_of(int32_t tid) noexcept
{
    // The flag first: getpid() is a system call, and this runs for every thread read.
    if (g_leader_zombie.load(std::memory_order_relaxed) && tid == getpid()) {
        return -1;  // gone (see g_leader_zombie)
    }
    return thread_cpu_ns(tid);
}

int64_t now_of() noexcept
{
    return monotonic_ns();
}

int64_t process_cpu_of() noexcept
{
    return process_cpu_ns();
}

// The process's task count at the last native scan (ours included), 0 before the first: lets
// pause_for_fork() tell a job that has threads of its own, where os.fork() warns anyway.
std::atomic<long> g_last_task_count{0};

long list_tasks(int32_t* out, size_t max) noexcept
{
    const long count = list_task_tids(out, max);
    g_last_task_count.store(count > 0 ? count : 0, std::memory_order_relaxed);
    return count;
}

const Backend kBackend{python_readable,
                       list_threads,
                       read_stack,
                       intern_stack,
                       intern_pseudo,
                       stack_add_time,
                       list_tasks,
                       cpu_of,
                       now_of,
                       nullptr,
                       python::thread_list_changed,
                       process_cpu_of,
                       python::thread_list_delta,
                       python::list_threads_since,
                       python::read_gil};

void stop_time_profiling(const char* reason) noexcept
{
    g_state.sampling.store(false, std::memory_order_relaxed);
    const char* expected = nullptr;
    if (g_state.stopped_reason.compare_exchange_strong(expected, reason)) {
        print_line("time profiling stopped: ", reason);
    }
}

// Sleeps until `deadline_ns` (CLOCK_MONOTONIC) or until stop() sets the stop word.
void sleep_until(int64_t deadline_ns) noexcept
{
    while (g_state.stop_word.load(std::memory_order_acquire) == 0 && monotonic_ns() < deadline_ns) {
        timespec deadline{static_cast<time_t>(deadline_ns / 1'000'000'000),
                          static_cast<long>(deadline_ns % 1'000'000'000)};
        syscall(SYS_futex, reinterpret_cast<uint32_t*>(&g_state.stop_word),
                FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0u, &deadline, nullptr,
                FUTEX_BITSET_MATCH_ANY);
    }
}

void publish_counters() noexcept
{
    const TickCounters& counters = g_state.ticker.counters();
    g_state.samples.store(g_state.samples_before + counters.samples, std::memory_order_relaxed);
    g_state.failed_reads.store(g_state.failed_reads_before + counters.failed_reads,
                               std::memory_order_relaxed);
}

void sample_once() noexcept
{
    try {
        if (const char* reason = g_state.ticker.tick()) {
            stop_time_profiling(reason);
        }
    } catch (...) {
        stop_time_profiling(kInternalError);  // nothing in a tick throws; this is the backstop
    }
    publish_counters();
}

// Whether every thread of the job has ended and only this one is left: the main thread left
// through pthread_exit, or a fork child's only thread (forked from a non-main thread) returned.
// Without sciagraph, glibc would then have ended the process with exit(0); with our thread
// still alive it would never end. The main thread lingers as a zombie until the process ends,
// so "alone" is: the task list holds just us and a zombie leader. Checked about once a second,
// and only when the leader's CPU clock stopped moving, so a running job never pays for it.
class AloneWatch {
public:
    bool alone(int32_t own_tid, int64_t now) noexcept
    {
        if (now - last_check_ns_ < 1'000'000'000) {
            return false;
        }
        last_check_ns_ = now;
        const auto leader = static_cast<int32_t>(getpid());
        if (leader == own_tid) {
            return false;
        }
        const int64_t leader_cpu = thread_cpu_ns(leader);
        const bool still = leader_cpu == last_leader_cpu_;
        last_leader_cpu_ = leader_cpu;
        if (!still) {
            return false;
        }
        int32_t tids[4];
        const long count = list_task_tids(tids, 4);
        if (count != 2) {
            return false;
        }
        const bool ours =
            (tids[0] == own_tid && tids[1] == leader) || (tids[1] == own_tid && tids[0] == leader);
        return ours && thread_state(leader) == 'Z';
    }

private:
    int64_t last_check_ns_ = 0;
    int64_t last_leader_cpu_ = -2;
};

// Sleeps out the process's grace. False: stopped first (by stop(), which no longer waits for
// this thread, or by pause_for_fork()); nothing was read, the thread just ends.
bool wait_out_grace() noexcept
{
    if (g_state.phase.load(std::memory_order_acquire) != kInGrace) {
        return true;
    }
    sleep_until(g_state.start_ns.load(std::memory_order_relaxed) + g_state.grace_ns);
    int expected = kInGrace;
    return g_state.stop_word.load(std::memory_order_acquire) == 0 &&
           g_state.phase.compare_exchange_strong(expected, kTicking, std::memory_order_acq_rel);
}

void run_loop() noexcept
{
    const auto own_tid = static_cast<int32_t>(gettid());
    const bool resumed = g_state.paused.exchange(false);
    if (!wait_out_grace()) {
        return;
    }
    // A thread resumed after a fork starts its ticks now: the pause is not charged to anyone.
    const int64_t start =
        resumed ? monotonic_ns() : g_state.start_ns.load(std::memory_order_relaxed);
    if (g_state.sampling.load(std::memory_order_relaxed)) {
        if (g_state.ticker_ready) {
            g_state.ticker.reset(own_tid, start);
        } else if (g_state.ticker.init(kBackend, own_tid, start)) {
            g_state.ticker_ready = true;
        } else {
            stop_time_profiling(stop_reason::kNoMemory);
        }
        if (g_state.ticker_ready) {
            // Run-queue time needs a schedstat file per thread per tick. In the job's own table
            // (unshare refused: seccomp, as under Docker's default profile) each open would
            // take one of the job's descriptor numbers for a moment, a hundred times a second
            // per thread: go without it (time spent runnable counts as waiting) and keep the
            // files opened there to the native scan's 10 a second.
            const bool may_hold_files = thread_has_private_fd_table();
            g_state.ticker.set_run_queue_source(
                may_hold_files && run_queue_time_available() ? read_run_queue_ns : nullptr);
        }
    }
    const unsigned hz = g_state.settings.hz == 0 ? 1 : g_state.settings.hz;
    IntervalJitter jitter(1'000'000'000ull / hz,
                          static_cast<uint64_t>(start) ^ static_cast<uint64_t>(own_tid));
    int64_t idle_ns = static_cast<int64_t>(g_state.settings.persist_ms) * 1'000'000;
    idle_ns = idle_ns <= 0 || idle_ns > kMaxIdleIntervalNs ? kMaxIdleIntervalNs : idle_ns;

    AloneWatch alone_watch;
    unsigned iterations = 0;
    int64_t next = monotonic_ns();
    int64_t timeline_ns = kTimelineFastNs;  // memory mode: how soon the timeline looks again
    while (g_state.stop_word.load(std::memory_order_acquire) == 0) {
        const bool sampling = g_state.sampling.load(std::memory_order_relaxed);
        // Without time sampling the thread still keeps the memory timeline (core/timeline.h):
        // every 10 ms while the total moves, backing off to 80 ms while it stands still (a wake
        // costs 30-50 us of CPU here), and never slower than the persist interval.
        timeline_ns =
            timeline_moving() ? kTimelineFastNs : std::min(timeline_ns * 2, kTimelineSlowNs);
        const int64_t interval =
            sampling ? static_cast<int64_t>(jitter.next()) : std::min(idle_ns, timeline_ns);
        next += interval;
        const int64_t now = monotonic_ns();
        if (next < now) {
            next = now + interval;  // fell behind (an overloaded machine): no burst of ticks
        }
        sleep_until(next);
        if (g_state.stop_word.load(std::memory_order_acquire) != 0) {
            break;
        }
        if (sampling && g_state.sampling.load(std::memory_order_relaxed)) {
            sample_once();
        }
        // A process that changes nothing answers the job's snapshot requests here.
        job_answer_requests();
        timeline_tick(monotonic_ns());
        if ((++iterations & 15u) == 0) {  // a clock read is not free here (see Ticker::tick)
            g_state.sampler_cpu_ns.store(g_state.sampler_cpu_ns_before + own_cpu_ns(),
                                         std::memory_order_relaxed);
        }
        persist_tick();
        if (alone_watch.alone(own_tid, monotonic_ns())) {
            // Write the final dump, then return: glibc sees its last thread end and calls
            // exit(0), exactly what the job would have done without us.
            g_state.left_alone.store(true, std::memory_order_relaxed);
            finish();
            return;
        }
    }
    // The threads read rarely (see tick.cpp) have their waiting charged up to the end.
    if (g_state.ticker_ready && g_state.sampling.load(std::memory_order_relaxed)) {
        g_state.ticker.final_tick();
    }
    g_state.sampler_cpu_ns.store(g_state.sampler_cpu_ns_before + own_cpu_ns(),
                                 std::memory_order_relaxed);
}

void* sampler_main(void*) noexcept
{
    RecursionGuard::set_permanently();  // nothing this thread does is tracked
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);  // already inherited blocked; said again here
    prctl(PR_SET_NAME, "sciagraph", 0, 0, 0);
    core::detail::safe_read_pin_pid_for_this_thread();  // this thread never forks
    const FdTable table = make_fd_table_private();
    if (table == FdTable::CopiesLeftOpen) {
        // Copies of the job's descriptors that this thread cannot close would keep the job's
        // pipes and sockets open behind its back (a reader never seeing EOF): end the thread,
        // which drops its table and every copy with it.
        stop_time_profiling(kDescriptors);
        return nullptr;
    }
    // Private: safe reads use a pipe of this table's own (safe_read.cpp). Shared (unshare
    // refused): short-lived O_CLOEXEC files only, no run-queue reads (run_loop).
#if SCIAGRAPH_MARKS_ENABLED
    if (table == FdTable::Private) {
        SCIAGRAPH_MARK(SamplerPrivateFdTable);
    } else {
        SCIAGRAPH_MARK(SamplerSharedFdTable);
    }
#endif
    try {
        run_loop();
    } catch (...) {
        stop_time_profiling(kInternalError);
    }
    return nullptr;
}

bool start_thread(bool resuming = false) noexcept
{
    g_state.stop_word.store(0, std::memory_order_relaxed);
    if (!resuming) {
        g_state.start_ns.store(monotonic_ns(), std::memory_order_relaxed);
    }
    g_state.end_ns.store(0, std::memory_order_relaxed);
    g_state.phase.store(g_state.grace_ns > 0 ? kInGrace : kTicking, std::memory_order_relaxed);
    if (failpoint(Failpoint::SamplerStart)) {
        stop_time_profiling(kCannotStart);  // as pthread_create failing (EAGAIN) would
        return false;
    }
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) {
        stop_time_profiling(kCannotStart);
        return false;
    }
    pthread_attr_setstacksize(&attr, kStackBytes);
    // The new thread inherits this mask, so no signal can reach it before it runs: block all
    // around pthread_create, then restore the caller's own mask.
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    const int error = pthread_create(&g_state.thread, &attr, sampler_main, nullptr);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    pthread_attr_destroy(&attr);
    if (error != 0) {
        stop_time_profiling(kCannotStart);
        return false;
    }
    g_state.thread_started = true;
    return true;
}

}  // namespace

bool start(const Settings& settings) noexcept
{
    RecursionGuard guard;  // pthread_create allocates (the new thread's TLS): not the job's
    if (g_state.thread_started) {
        return true;
    }
    g_state.settings = settings;
    g_state.configured = true;
    const long launcher = core::settings().launcher_pid;
    g_state.grace_ns = launcher != 0 && getppid() != launcher ? kChildGraceNs : 0;
    g_state.sampling.store(settings.sample_time && settings.hz > 0 &&
                               g_state.stopped_reason.load() == nullptr,
                           std::memory_order_relaxed);
    return start_thread();
}

namespace {
// Wakes the thread and joins it within kJoinWaitNs. False: it is still running.
bool stop_and_join() noexcept
{
    g_state.stop_word.store(1, std::memory_order_release);
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&g_state.stop_word),
            FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, nullptr, nullptr, 0);
    timespec deadline{};
    clock_gettime(CLOCK_REALTIME, &deadline);
    const int64_t until = to_ns(deadline) + kJoinWaitNs;
    deadline = {static_cast<time_t>(until / 1'000'000'000),
                static_cast<long>(until % 1'000'000'000)};
    if (pthread_timedjoin_np(g_state.thread, nullptr, &deadline) != 0) {
        return false;
    }
    g_state.thread_started = false;
    return true;
}

// A thread still in its grace has read nothing and has nothing to charge: told to stop, it ends
// by itself, and the exit does not wait for a busy machine to schedule it (0.2-3 ms a child).
bool leave_in_grace() noexcept
{
    int expected = kInGrace;
    if (!g_state.phase.compare_exchange_strong(expected, kLeftInGrace, std::memory_order_acq_rel)) {
        return false;
    }
    g_state.stop_word.store(1, std::memory_order_release);
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&g_state.stop_word),
            FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, nullptr, nullptr, 0);
    pthread_detach(g_state.thread);
    g_state.thread_started = false;
    return true;
}
}  // namespace

void stop() noexcept
{
    RecursionGuard guard;
    if (!g_state.thread_started) {
        return;
    }
    g_state.end_ns.store(monotonic_ns(), std::memory_order_relaxed);
    // A thread stuck past the deadline is left behind: the process is exiting.
    if (!leave_in_grace()) {
        stop_and_join();
    }

    // A short job may end before the failure-rate rule was judged: say it now, with the
    // whole run's numbers, so the dump and stderr tell why the time profile is unreadable.
    const uint64_t samples = g_state.samples.load(std::memory_order_relaxed);
    const uint64_t failed = g_state.failed_reads.load(std::memory_order_relaxed);
    // A read or two failing while the interpreter finalises (thread states torn down under the
    // sampler) is no reason to say anything: the rule wants a few failures, as a systematic
    // one gives even in a 50 ms job.
    if (g_state.sampling.load(std::memory_order_relaxed) && failed >= kMinFailuresToJudge &&
        failed * 2 > samples) {
        stop_time_profiling(stop_reason::kReadFailures);
    }
}

void pause_for_fork() noexcept
{
    RecursionGuard guard;
    if (!g_state.thread_started || g_state.left_alone.load(std::memory_order_relaxed)) {
        return;
    }
    // The job's main thread and ours, and nothing else, at the last scan (up to 100 ms ago):
    // only then does our thread decide whether os.fork() warns. With threads of its own the job
    // gets the warning anyway, and joining our thread there would only cost the fork time (a
    // busy machine may take long to schedule it: 16 threads spinning made a fork 0.4 s slower).
    const long tasks = g_last_task_count.load(std::memory_order_relaxed);
    if (tasks > 2) {
        return;
    }
    // The thread's last counts become the base the next thread adds to.
    const uint64_t samples = g_state.samples.load(std::memory_order_relaxed);
    const uint64_t failed = g_state.failed_reads.load(std::memory_order_relaxed);
    if (!stop_and_join()) {
        return;  // busy past the deadline (a dump on a slow disk): it runs on through the fork
    }
    g_state.samples_before = samples;
    g_state.failed_reads_before = failed;
    g_state.sampler_cpu_ns_before = g_state.sampler_cpu_ns.load(std::memory_order_relaxed);
    g_state.paused.store(true);
}

void resume_after_fork() noexcept
{
    RecursionGuard guard;
    if (!g_state.paused.load() || g_state.thread_started) {
        return;
    }
    start_thread(true);
}

void restart_in_child() noexcept
{
    RecursionGuard guard;
    // Only the forking thread exists here: the sampler thread and its pthread_t are gone, and
    // the per-thread tables describe the parent's threads (reset by the new thread).
    g_state.thread_started = false;
    g_leader_zombie.store(false, std::memory_order_relaxed);  // the child's leader is its own
    g_state.samples.store(0, std::memory_order_relaxed);
    g_state.failed_reads.store(0, std::memory_order_relaxed);
    g_state.sampler_cpu_ns.store(0, std::memory_order_relaxed);
    g_state.samples_before = 0;
    g_state.failed_reads_before = 0;
    g_state.sampler_cpu_ns_before = 0;
    g_state.paused.store(false);
    if (!g_state.configured) {
        return;
    }
    g_state.grace_ns = kChildGraceNs;
    // A parent whose time profiling stopped passes that on (same tables, same failures); the
    // thread still runs in the child to persist its memory profile.
    g_state.sampling.store(g_state.settings.sample_time && g_state.settings.hz > 0 &&
                               g_state.stopped_reason.load() == nullptr,
                           std::memory_order_relaxed);
    start_thread();
}

Stats stats() noexcept
{
    const int64_t start = g_state.start_ns.load(std::memory_order_relaxed);
    const int64_t end = g_state.end_ns.load(std::memory_order_relaxed);
    const int64_t wall_ns = start == 0 ? 0 : (end != 0 ? end : monotonic_ns()) - start;
    return Stats{g_state.samples.load(std::memory_order_relaxed),
                 g_state.failed_reads.load(std::memory_order_relaxed),
                 static_cast<double>(g_state.sampler_cpu_ns.load(std::memory_order_relaxed)) / 1e9,
                 static_cast<double>(wall_ns) / 1e9, python::remote_reads_moved()};
}

const char* stopped_reason() noexcept
{
    return g_state.stopped_reason.load(std::memory_order_acquire);
}

bool running() noexcept
{
    return g_state.thread_started && g_state.stop_word.load(std::memory_order_relaxed) == 0;
}

}  // namespace sciagraph::core::sampler
