#include "tracker.h"

#include "alloc_sampler.h"
#include "coverage_marks.h"
#include "disable.h"
#include "dump_writer.h"
#include "failpoints.h"
#include "fork.h"
#include "hot_state.h"
#include "job_page.h"
#include "live_bytes.h"
#include "mmap_table.h"
#include "oom_watch.h"
#include "python/python.h"
#include "record.h"
#include "recursion_guard.h"
#include "sampler/clocks.h"
#include "sampler/time_sampler.h"
#include "settings.h"
#include "stack_table.h"
#include "timeline.h"

#include <atomic>
#include <cstdlib>

#include <sys/auxv.h>
#include <unistd.h>

namespace sciagraph::core {
namespace {

constexpr size_t kMaxDepth = 128;

std::atomic<bool> g_active{false};
std::atomic<uint64_t> g_samples{0};
std::atomic<bool> g_finished{false};

// What the calling thread captured and interned last: the capture's memo and, level by level,
// the stack table's node for it (nodes[k] for memo level k). Levels the capture finds unchanged
// need neither the code cache nor the table's lock; a stack unchanged to its leaf (a loop
// allocating from one line) is its last id. Plain old data in initial-exec TLS.
struct LastStack {
    python::CaptureMemo memo;
    StackId nodes[python::CaptureMemo::kLevels];
};
[[gnu::tls_model("initial-exec")]] thread_local LastStack t_last{};

// The stack of the calling thread, interned; a pseudo-frame when it has no Python frames.
StackId current_stack() noexcept
{
    python::RawFrame frames[kMaxDepth];
    LastStack& last = t_last;
    size_t count = 0;
    size_t unchanged = 0;
    if (python::layout_checked()) {
        count = python::capture_current_thread(frames, kMaxDepth, last.memo, unchanged);
    }
    if (count == 0) {
        return intern_pseudo(PseudoFrame::NoPythonFrame);
    }
    if (count == kMaxDepth) {  // the capture kept no memo
        return intern_stack(frames, count, PseudoFrame::Truncated);
    }
    StackId parent = unchanged > 0 ? last.nodes[unchanged - 1] : 0;
    if (unchanged == count) {
        return parent;
    }
    StackId stack = intern_below(parent, frames, count - unchanged, last.nodes + unchanged,
                                 python::CaptureMemo::kLevels - unchanged);
    if (stack == 0) {
        last.memo.depth = 0;  // its levels have no nodes
    }
    return stack;
}

void record_sample(void* ptr, uint64_t weight) noexcept
{
    try {
        if (failpoint(Failpoint::AllocHook)) {
            throw FailpointError{"allocation hook failpoint"};
        }
        StackId stack = current_stack();
        if (stack == 0) {
            disable("the stack table is full");
            return;
        }
        if (!alloc_table().insert(reinterpret_cast<uintptr_t>(ptr), SampledAlloc{stack, weight})) {
            disable("the table of sampled allocations is full");
            return;
        }
        stack_add_live(stack, static_cast<int64_t>(weight));
        g_samples.fetch_add(1, std::memory_order_relaxed);
    } catch (...) {
        disable("internal error in the allocation hook");
    }
}

// realloc's new block: its own sampling decision; a sampled old block lends it its stack.
void record_realloc_sample(void* old_ptr,
                           void* new_ptr,
                           size_t new_usable,
                           const FreedBlock& old_block) noexcept
{
    uint64_t mean = hot().sample_bytes;
    if (!should_sample(new_usable, mean)) {
        return;
    }
    uint64_t weight = sample_weight(new_usable, mean);
    if (!old_block.sampled) {
        record_sample(new_ptr, weight);
        return;
    }
#if SCIAGRAPH_MARKS_ENABLED
    if (new_ptr == old_ptr) {
        SCIAGRAPH_MARK(ReallocKeptSample);
    } else {
        SCIAGRAPH_MARK(ReallocMovedSample);
    }
#else
    (void)old_ptr;
#endif
    if (!alloc_table().insert(reinterpret_cast<uintptr_t>(new_ptr),
                              SampledAlloc{old_block.sample.stack, weight})) {
        disable("the table of sampled allocations is full");
        return;
    }
    stack_add_live(old_block.sample.stack, static_cast<int64_t>(weight));
}

bool is_root_job() noexcept
{
    return settings().launcher_pid != 0 && getppid() == settings().launcher_pid;
}

// An unsupported interpreter: the root job stops before its code runs (fail fast); any other
// process (a child of the job) runs on unprofiled, because stopping it would change the job.
void refuse(const char* why) noexcept
{
    if (is_root_job() && settings().fail_on_unsupported && !failpoint(Failpoint::LayoutCheck)) {
        print_line(why, "; to run the job unprofiled instead, set on_unsupported = "
                        "\"run-unprofiled\"");
        _exit(125);
    }
    disable(why);
}

}  // namespace

void on_alloc(void* ptr, size_t usable_size) noexcept
{
    if (RecursionGuard::active() || !tracking_memory()) {
        return;
    }
    RecursionGuard guard;
    if (!detail::t_live.registered) [[unlikely]] {
        register_thread_flush();
    }
    // The stack's bytes before the total's (core/live_bytes.h): a peak snapshot taken by
    // another thread the moment the total rises must already find this block at its stack.
    uint64_t mean = hot().sample_bytes;
    if (should_sample(usable_size, mean)) {
        record_sample(ptr, sample_weight(usable_size, mean));
    }
    live_add(static_cast<int64_t>(usable_size));
}

FreedBlock on_free(void* ptr, size_t usable_size) noexcept
{
    FreedBlock block;
    if (RecursionGuard::active() || !tracking_memory()) {
        return block;
    }
    RecursionGuard guard;
    live_sub(static_cast<int64_t>(usable_size));
    if (alloc_table().remove(reinterpret_cast<uintptr_t>(ptr), block.sample)) {
        block.sampled = true;
        stack_add_live(block.sample.stack, -static_cast<int64_t>(block.sample.weight));
    }
    return block;
}

void on_realloc(void* old_ptr,
                void* new_ptr,
                size_t new_usable,
                const FreedBlock& old_block) noexcept
{
    if (RecursionGuard::active() || !tracking_memory()) {
        return;
    }
    // The new block gets its own sampling decision, as a fresh allocation of its size would:
    // a block that grew past the interval is always in the sample at its exact size, a small one
    // is sampled with probability 1 − e^(−Z/R) and its Horvitz–Thompson weight. (Scaling the old
    // block's weight by the size ratio would also be unbiased, but a 64-byte sample standing for
    // 256 KiB that grows to 64 KiB would then stand for 256 MiB: unusable variance.)
    // What the old sample saves is the capture: a sampled block keeps the stack that allocated
    // it, so bytearray += and list growth in a loop cost no stack walk per realloc.
    RecursionGuard guard;
    record_realloc_sample(old_ptr, new_ptr, new_usable, old_block);
    live_add(static_cast<int64_t>(new_usable));  // after the stack's bytes, as in on_alloc
}

void on_realloc_failed(void* old_ptr, size_t old_usable, const FreedBlock& old_block) noexcept
{
    if (RecursionGuard::active() || !tracking_memory()) {
        return;
    }
    RecursionGuard guard;
    SCIAGRAPH_MARK(ReallocFailed);
    if (old_block.sampled &&
        alloc_table().insert(reinterpret_cast<uintptr_t>(old_ptr), old_block.sample)) {
        stack_add_live(old_block.sample.stack, static_cast<int64_t>(old_block.sample.weight));
    }
    live_add(static_cast<int64_t>(old_usable));
}

void on_mmap(void* addr, size_t length) noexcept
{
    if (RecursionGuard::active() || !tracking_memory()) {
        return;
    }
    RecursionGuard guard;
    try {
        if (failpoint(Failpoint::AllocHook)) {
            throw FailpointError{"allocation hook failpoint"};
        }
        // Mappings are few and each is a system call: every one gets its stack, exactly.
        StackId stack = current_stack();
        if (!mmap_track(reinterpret_cast<uintptr_t>(addr), length, stack)) {
            disable("the table of memory mappings is full");
        }
    } catch (...) {
        disable("internal error in the mmap hook");
    }
}

void on_munmap(void* addr, size_t length) noexcept
{
    if (RecursionGuard::active() || !tracking_memory()) {
        return;
    }
    RecursionGuard guard;
    mmap_untrack(reinterpret_cast<uintptr_t>(addr), length);
}

uint32_t on_mremap_begin(void* old_addr, size_t old_length) noexcept
{
    if (RecursionGuard::active() || !tracking_memory()) {
        return 0;
    }
    RecursionGuard guard;
    return mmap_untrack(reinterpret_cast<uintptr_t>(old_addr), old_length);
}

void on_mremap_end(void* addr, size_t length, uint32_t stack) noexcept
{
    if (RecursionGuard::active() || !tracking_memory() || stack == 0) {
        return;
    }
    RecursionGuard guard;
    if (!mmap_track(reinterpret_cast<uintptr_t>(addr), length, stack)) {
        disable("the table of memory mappings is full");
    }
}

bool active() noexcept
{
    return g_active.load(std::memory_order_relaxed);
}

uint64_t memory_samples() noexcept
{
    return g_samples.load(std::memory_order_relaxed);
}

void start() noexcept
{
    RecursionGuard guard;
    try {
        failpoints_init(std::getenv("SCIAGRAPH_FAILPOINTS"));
        // A secure-execution process (setuid/setgid, file capabilities): do nothing at all.
        if (getauxval(AT_SECURE) != 0) {
            return;
        }
        const char* error = nullptr;
        if (!parse_settings(
                std::getenv("SCIAGRAPH_CORE_SETTINGS"), std::getenv("SCIAGRAPH_CORE_DUMP_DIR"),
                std::getenv("SCIAGRAPH_CORE_LAUNCHER_PID"), mutable_settings(), &error)) {
            return;  // not started by `sciagraph run`: stay a pass-through
        }
        // Not a Python process (a shell, a compiler, `ls`): pass through, write nothing. The
        // preload stays in the environment so Python processes it starts are profiled.
        if (!python::resolve_symbols() || !python::is_python()) {
            return;
        }
        if (const char* unsafe = check_dump_dir(settings().dump_dir)) {
            print_line("not profiling this process: ", unsafe);
            return;  // passive, as if not started by `sciagraph run`: nothing is written
        }
        g_active.store(true, std::memory_order_relaxed);
        if (failpoint(Failpoint::StartupCheck)) {
            throw FailpointError{"startup check failpoint"};
        }
        // Static: disable() keeps the pointer for the dump, long after start() returns.
        static char why[256];
        if (!python::version_supported(why, sizeof(why))) {
            refuse(why);
            return;
        }
        // The layout check runs when the interpreter is ready (python_ready); without the hook
        // no stack is ever captured, so profiling without it would mislead.
        if (!python::install_ready_hook(&python_ready)) {
            refuse("the interpreter lacks PySys_AddAuditHook, which sciagraph starts with");
            return;
        }
        // The live record before the tables, which mirror into it from their first entry.
        if (!record_open(settings().dump_dir) || !record_process_meta() || !stack_table_init() ||
            !alloc_table().init(1u << 14) || !mmap_table_init() || !live_bytes_init()) {
            disable("could not map memory for the core's tables");
            return;
        }
        if (!install_fork_handlers()) {
            disable("could not install the fork handlers");
            return;
        }
        // The job view (core/job_format.h): without the page the process profiles on its own.
        job_page_open(settings().dump_dir);
        timeline_start(sampler::monotonic_ns());
        dump_writer_start_clock();
        oom_watch_init();
        detail::g_hot.sample_bytes = settings().sample_bytes;
        enable();
        detail::g_hot.tracking_memory.store(settings().memory(), std::memory_order_release);
        sampler::Settings sampler_settings;
        sampler_settings.sample_time = settings().time();
        sampler_settings.hz = settings().time_hz;
        sampler_settings.persist_ms = settings().persist_ms;
        sampler::start(sampler_settings);
    } catch (...) {
        disable("internal error in the start-up checks");
    }
}

void python_ready() noexcept
{
    // Once per process (the hook fires once; a fork child inherits the parent's checked layout).
    if (!active() || !enabled() || python::layout_checked()) {
        return;
    }
    RecursionGuard guard;
    try {
        if (const char* mismatch = python::run_under_python_frames(&python::check_layout)) {
            refuse(mismatch);
            return;
        }
        // Without them os.fork() on 3.12+ counts the sampler thread and may warn
        // (sampler::pause_for_fork()); everything else goes on. 3.11 counts nothing, and the
        // hooks would do nothing there: they are not registered (an import and a call into
        // Python, ~0.15 ms of every process's start).
        if (python::version_hex() >= 0x030c0000) {
            python::register_fork_hooks(&python_fork_begins, &python_fork_ended_in_parent);
        }
    } catch (...) {
        disable("internal error in the CPython layout check");
    }
}

void finish() noexcept
{
    if (!active() || g_finished.exchange(true)) {
        return;
    }
    bool previous = RecursionGuard::exchange(true);
    try {
        sampler::stop();
        snapshot_if_rising();
        // The timeline ends with the process's part as it leaves the job's total.
        timeline_close(sampler::monotonic_ns());
        job_leave();
        record_exit(write_dump(true));
    } catch (...) {
        // Nothing more to do at exit; the periodic dump on disk stands.
    }
    RecursionGuard::exchange(previous);
}

void finish_with_status(int status) noexcept
{
    if (active()) {
        record_exit_status(status);
    }
    finish();
}

void finish_reset_in_child() noexcept
{
    g_finished.store(false, std::memory_order_relaxed);
}

}  // namespace sciagraph::core
