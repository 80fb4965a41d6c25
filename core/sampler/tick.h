// core/sampler/tick.h — one tick of the time sampler: every Python thread's stack and interval,
// and now and then the threads that have no Python thread state.
//
// The Python and stack-table calls go through a Backend of plain function pointers, so the tick
// logic (stack cache, retries, TID reuse, churn) is tested with fake threads and the real ones
// are only bound in time_sampler.cpp.
#pragma once

#include "charge.h"
#include "python/gil.h"
#include "python/python.h"
#include "stack_table.h"
#include "thread_table.h"

#include <cstddef>
#include <cstdint>

namespace sciagraph::core::sampler {

struct Backend {
    bool (*python_readable)();  // the layout check passed: Python state may be read
    long (*list_threads)(python::ThreadRef* out, size_t max);
    long (*read_thread_stack)(const python::ThreadRef& thread, python::RawFrame* out, size_t max);
    StackId (*intern_stack)(const python::RawFrame* leaf_first, size_t count, PseudoFrame root);
    StackId (*intern_pseudo)(PseudoFrame frame);
    void (*add_time)(StackId stack, uint64_t cpu_us, uint64_t wait_us);
    long (*list_tasks)(int32_t* out, size_t max);
    int64_t (*thread_cpu_ns)(int32_t tid);  // -1: the thread is gone
    int64_t (*now_ns)();
    // Nanoseconds the thread waited on a run queue (schedstat), -1 when unknown. nullptr where
    // the kernel does not report it: CPU is then the CPU clock alone.
    int64_t (*run_queue_ns)(int32_t tid) = nullptr;
    // Whether the thread list may have changed since list_threads last read it (true when it
    // cannot tell). nullptr: the list is read again after every tick in which a thread ran.
    bool (*thread_list_changed)() = nullptr;
    // The CPU all threads of the process used, the ended ones included (-1: unknown). nullptr:
    // no CPU ledger, every thread is read every tick.
    int64_t (*process_cpu_ns)() = nullptr;
    // With the ledger: the thread list's change since the last listing, as
    // python::thread_list_delta tells it (-1: threads ended). nullptr: thread_list_changed.
    int (*thread_list_delta)() = nullptr;
    // The thread states new since the last listing, down to `stop_at` (see
    // python::list_threads_since); -1: list them all. nullptr: every listing reads them all.
    long (*list_threads_since)(python::ThreadRef* out, size_t max, uintptr_t stop_at) = nullptr;
    // The GIL's holder (python::read_gil): false when unknown. nullptr: not asked.
    bool (*gil_state)(python::GilState& out) = nullptr;
};

// Counters the tick keeps; the sampler publishes them as Stats.
struct TickCounters {
    uint64_t samples = 0;           // Python thread samples charged (cached stacks included)
    uint64_t failed_reads = 0;      // samples charged to [unreadable stack] after a retry
    uint64_t read_attempts = 0;     // stack reads, retries included
    uint64_t failed_attempts = 0;   // of which failed (torn, unreadable, thread gone)
    uint64_t cached = 0;            // samples that reused a cached stack
    uint64_t native_charges = 0;    // [native thread] charges with CPU
    uint64_t dropped_threads = 0;   // threads skipped because a table was full
    uint64_t listings = 0;          // Python thread lists read
    uint64_t partial_listings = 0;  // of which only the new thread states at the head
    uint64_t run_queue_reads = 0;   // schedstat reads (threads that ran or were runnable)
    uint64_t cpu_reads = 0;         // thread CPU clocks read
    uint64_t wakes = 0;             // ticks whose ledger made quiet threads be read early
    uint64_t wake_reads = 0;        // quiet threads read by wakes
    uint64_t stack_reads = 0;       // full stack reads (a cached stack is not one)
    uint64_t gil_reads = 0;         // threads read because they held the GIL since the last tick
};

// What made time profiling stop; static strings (they go into the dump as they are). Arrays,
// not pointers to literals: one object, so one address in every translation unit.
namespace stop_reason {
inline constexpr char kTableFull[] = "the stack table is full";
inline constexpr char kReadFailures[] = "too many Python stacks could not be read";
inline constexpr char kNoMemory[] = "no memory for the sampler's thread tables";
}  // namespace stop_reason

class Ticker {
public:
    static constexpr size_t kMaxPythonThreads = 2048;
    static constexpr size_t kMaxTasks = 4096;
    static constexpr size_t kMaxFrames = 512;
    static constexpr unsigned kTicksPerNativeScan = 10;
    // The Python thread list is read again after a tick in which a Python thread ran (only
    // running code creates threads) when the list's head or count changed, after a thread
    // vanished or a stack read failed, and at least every kTicksPerListing ticks (a thread
    // state unlinked from the middle of the list). Listing costs a read per thread state; a
    // job whose threads all wait, or run without starting threads, skips it. With the CPU
    // ledger, the list's changes are told at every tick (thread_list_delta) and new thread
    // states and ends are handled without a listing: the periodic one is a safety net (a
    // thread state made and unlinked by C code, a subinterpreter), once a second or once per
    // tick per thread listed, whichever is rarer: 64 threads listed every 16 ticks were 28% of
    // the reads of a job whose 64 threads take turns at the GIL. The native scan comes one tick
    // in an eighth of the task count.
    static constexpr unsigned kTicksPerListing = 10;
    static constexpr unsigned kLedgerTicksPerListing = 100;
    static constexpr unsigned kThreadsPerListingTick = 1;
    static constexpr unsigned kTasksPerScanTick = 8;
    static constexpr long kListedPerListingGap = 64;
    static constexpr long kTasksPerLedgerTick = 32;

    // The CPU ledger (see tick.cpp): a thread whose CPU clock stood still at a read is read
    // again 1, 3, 7... up to kMaxIdleBackoff + 1 ticks later, unless the ledger shows CPU that
    // the threads read this tick do not account for: then the quiet threads are read at once,
    // those active in the last kWarmBackoff ticks first.
    static constexpr uint8_t kMaxIdleBackoff = 255;
    static constexpr uint8_t kWarmBackoff = 63;
    static constexpr int64_t kWakeNs = 2'000'000;
    // A thread that computed less than this share of the time since its last read counts as
    // quiet; one that computed less than kQuietCpuNs since its stack was read keeps that stack.
    static constexpr int64_t kQuietCpuShare = 32;
    static constexpr int64_t kQuietCpuNs = 250'000;
    static constexpr int64_t kSchedulerTickNs = 4'000'000;
    static constexpr size_t kMaxHotNatives = 64;
    static constexpr uint64_t kMaxWakeReads = 16;  // a tick, or a 32nd of the list if more
    static constexpr long kWakeRoundTicks = 32;
    static constexpr uint64_t kGilWakeShare = 4;  // see wake_quiet_threads
    // Run-queue reads back off for a thread whose reads find under 1/16 of the time since the
    // previous read spent waiting for a core (see note_run_queue).
    static constexpr int64_t kQuietRunQueueShare = 16;
    static constexpr uint8_t kMaxRunQueueBackoff = 7;

    // Takes its memory from the arena (false: none left). Called once; reset() reuses it.
    bool init(const Backend& backend, int32_t own_tid, int64_t start_ns) noexcept;
    // Before a new sampling run in the same memory (fork child): forgets every thread.
    void reset(int32_t own_tid, int64_t start_ns) noexcept;

    // Where run-queue time comes from (nullptr: nowhere), probed by the sampler thread itself
    // each time it starts (the kernel may differ after exec, never after fork; cheap either way).
    void set_run_queue_source(int64_t (*run_queue_ns)(int32_t tid)) noexcept
    {
        backend_.run_queue_ns = run_queue_ns;
    }

    // One tick. Returns nullptr, or the reason time profiling must stop.
    const char* tick() noexcept;
    // After the last tick: charges every Python thread's interval since its last read to the
    // stack it had then, so that the waiting of threads read rarely is charged up to the end.
    void final_tick() noexcept;

    const TickCounters& counters() const noexcept { return counters_; }

    // For tests: the memory a Ticker needs, given rather than taken from the arena.
    struct Memory {
        ThreadSlot* python_slots;  // 2 * kMaxPythonThreads
        ThreadSlot* native_slots;  // 2 * kMaxTasks
        python::ThreadRef* refs;   // kMaxPythonThreads
        int32_t* tids;             // kMaxTasks
        python::RawFrame* frames;  // kMaxFrames
    };
    void init_with(const Backend& backend,
                   const Memory& memory,
                   int32_t own_tid,
                   int64_t start_ns) noexcept;

private:
    // Which quiet threads a pass over the list reads; Held: those that held the GIL lately.
    enum class Pass { Due, Warm, All, Held };

    const char* sample_python(bool& unreadable) noexcept;
    const char* python_pass(Pass pass) noexcept;
    const char* sample_thread(const python::ThreadRef& ref, Pass pass) noexcept;

public:
    void settle_ended(ThreadSlot& slot) noexcept;  // for the table's eviction callback

private:
    void schedule_next_read(ThreadSlot& slot, bool moved, bool due) noexcept;
    void open_ledger() noexcept;
    void close_ledger(bool read_everything) noexcept;
    unsigned listing_period() const noexcept;
    unsigned scan_period() const noexcept;
    unsigned ledger_period() const noexcept;
    void explain(int64_t cpu_delta_ns) noexcept { ledger_ns_ -= cpu_delta_ns; }
    int64_t wake_threshold() const noexcept
    {
        return kWakeNs + kSchedulerTickNs * static_cast<int64_t>(moved_this_tick_);
    }
    // The last process clock read showed CPU that the quiet threads read since do not yet
    // account for: wakes go on reading them, a few a tick.
    bool wake_owed() const noexcept { return wake_owed_ns_ > wake_threshold(); }
    const char* sample_hot_natives() noexcept;
    void add_hot_native(int32_t tid) noexcept;
    void note_warm(uint32_t index) noexcept;
    const char* charge_native(ThreadSlot& slot,
                              int32_t tid,
                              int64_t cpu,
                              bool inserted,
                              bool from_scan,
                              StackId& native_stack,
                              bool& ran) noexcept;
    StackId stack_of(ThreadSlot& slot,
                     const python::ThreadRef& ref,
                     int64_t cpu_ns,
                     bool was_quiet,
                     bool& read_failed) noexcept;
    Charge charge(
        ThreadSlot& slot, int32_t tid, int64_t cpu_ns, bool ran, int64_t now, bool fresh) noexcept;
    void note_run_queue(ThreadSlot& slot, int64_t runq_ns, int64_t now) noexcept;
    bool must_list() const noexcept;
    const char* sample_native() noexcept;
    const char* wake_quiet_threads(bool& rotated) noexcept;
    const char* read_gil_holders() noexcept;
    bool list_new_threads() noexcept;
    bool tid_settled(const python::ThreadRef& ref) noexcept;
    long ref_of_tstate(uintptr_t tstate) const noexcept;
    void settle_threads_that_ended() noexcept;
    bool adopt_native(ThreadSlot& slot) noexcept;
    const char* note_read(bool failed) noexcept;

    Backend backend_{};
    Memory memory_{};
    ThreadTable python_threads_;
    ThreadTable native_threads_;
    int32_t own_tid_ = 0;
    uint64_t tick_ = 0;
    uint64_t scan_ = 0;
    unsigned ticks_since_scan_ = 0;
    int64_t previous_tick_ns_ = 0;
    int64_t previous_scan_ns_ = 0;
    long listed_ = 0;  // thread refs in memory_.refs from the last listing
    unsigned ticks_since_listing_ = 0;
    bool listing_fresh_ = false;    // memory_.refs was listed this tick
    bool python_moved_ = true;      // a Python thread ran (or came or went) last tick
    bool relist_ = true;            // the listing is known to be stale
    int64_t last_listing_ns_ = 0;   // when the Python threads were last listed
    int64_t listing_floor_ns_ = 0;  // ...and the time of the listing before that one
    size_t python_seen_ = 0;        // threads marked seen this tick (no sweep when all were)
    bool python_sampled_ = false;   // this tick listed the Python threads
    // The failure rate over a decaying window of samples (see note_read).
    uint64_t window_samples_ = 0;
    uint64_t window_failures_ = 0;
    TickCounters counters_{};
    int64_t tick_now_ns_ = 0;  // the clock at the start of the current tick
    // The CPU ledger: the process's CPU since the last tick, less what the threads read
    // account for. ledger_on_: the process clock answers (backend and kernel).
    bool ledger_on_ = false;
    int64_t ledger_ns_ = 0;        // CPU used by threads not read since (ns)
    int64_t wake_owed_ns_ = 0;     // of it, what the quiet threads read since do not account for
    int64_t process_cpu_ns_ = -1;  // the process clock at the last tick
    int64_t own_cpu_ns_ = 0;       // this (sampler) thread's clock at the last tick
    int64_t quiet_until_ns_ = 0;   // the last tick at which the ledger was explained
    bool ledger_read_ = false;     // this tick read the process clock: the ledger judges
    unsigned ticks_since_ledger_ = 0;
    uint64_t ledger_tick_ = 0;  // the tick that last read the process clock
    // Until when a thread found gone this tick is known to have waited: the previous tick when
    // the thread list told of ends at this one, else the last tick the ledger accounted for.
    int64_t ended_after_ns_ = 0;
    // Threads found ended since the last reading of the ledger: their last stack, and how long
    // they may have lived after their last read.
    struct EndedThread {
        StackId stack;
        int64_t span_ns;
    };
    static constexpr size_t kMaxEnded = 16;
    EndedThread ended_[kMaxEnded] = {};
    size_t ended_count_ = 0;
    long wake_cursor_ = 0;   // where the next wake goes on reading quiet threads in turn
    long wake_visited_ = 0;  // entries the wakes visited since the CPU they look for showed
    // Per entry of memory_.refs: the tick its thread is next due and its idle backoff.
    uint64_t ref_due_[kMaxPythonThreads] = {};
    uint8_t ref_backoff_[kMaxPythonThreads] = {};
    int32_t hot_natives_[kMaxHotNatives] = {};  // native threads that computed at their read
    size_t hot_native_count_ = 0;
    // Quiet threads active in the last kWarmBackoff ticks, skipped by this tick's due pass:
    // what a wake reads first (indexes into memory_.refs).
    struct WarmThread {
        uint32_t ref;
        uint8_t backoff;
        uint64_t due_tick;
    };
    static constexpr size_t kMaxWarm = 128;
    WarmThread warm_[kMaxWarm] = {};
    size_t warm_count_ = 0;
    long last_task_count_ = 0;       // tasks at the last native scan
    unsigned moved_this_tick_ = 0;   // threads read this tick whose CPU clock moved
    unsigned unstarted_listed_ = 0;  // thread states listed without a TID of their own
    // The GIL as the last tick saw it (read_gil_holders).
    uintptr_t gil_holder_ = 0;
    uint64_t gil_switches_ = 0;
    bool gil_switched_ = false;  // it changed hands since the last tick
};

}  // namespace sciagraph::core::sampler
