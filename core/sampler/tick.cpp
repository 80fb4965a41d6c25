#include "tick.h"

#include "arena.h"

namespace sciagraph::core::sampler {
namespace {

constexpr auto kNoRoot = static_cast<PseudoFrame>(0);  // intern_stack: no root pseudo-frame

// The failure-rate rule: judged once a window holds kMinWindow reads; the window halves at
// kMaxWindow so old successes do not hide a new, lasting failure for ever.
constexpr uint64_t kMinWindow = 20;
constexpr uint64_t kMaxWindow = 1000;

template <typename T>
T* arena_array(size_t count) noexcept
{
    return static_cast<T*>(arena_alloc(count * sizeof(T), alignof(T) < 16 ? 16 : alignof(T)));
}

}  // namespace

bool Ticker::init(const Backend& backend, int32_t own_tid, int64_t start_ns) noexcept
{
    Memory memory{arena_array<ThreadSlot>(2 * kMaxPythonThreads),
                  arena_array<ThreadSlot>(2 * kMaxTasks),
                  arena_array<python::ThreadRef>(kMaxPythonThreads),
                  arena_array<int32_t>(kMaxTasks), arena_array<python::RawFrame>(kMaxFrames)};
    if (memory.python_slots == nullptr || memory.native_slots == nullptr ||
        memory.refs == nullptr || memory.tids == nullptr || memory.frames == nullptr) {
        return false;
    }
    init_with(backend, memory, own_tid, start_ns);
    return true;
}

void Ticker::init_with(const Backend& backend,
                       const Memory& memory,
                       int32_t own_tid,
                       int64_t start_ns) noexcept
{
    backend_ = backend;
    memory_ = memory;
    python_threads_.attach(memory.python_slots, 2 * kMaxPythonThreads);
    native_threads_.attach(memory.native_slots, 2 * kMaxTasks);
    reset(own_tid, start_ns);
}

void Ticker::reset(int32_t own_tid, int64_t start_ns) noexcept
{
    python_threads_.clear();
    native_threads_.clear();
    own_tid_ = own_tid;
    tick_ = 0;
    scan_ = 0;
    ticks_since_scan_ = 0;
    previous_tick_ns_ = start_ns;
    previous_scan_ns_ = start_ns;
    last_listing_ns_ = start_ns;
    listing_floor_ns_ = start_ns;
    python_sampled_ = false;
    listed_ = 0;
    ticks_since_listing_ = 0;
    listing_fresh_ = false;
    python_moved_ = true;
    relist_ = true;
    window_samples_ = 0;
    window_failures_ = 0;
    counters_ = TickCounters{};
}

const char* Ticker::tick() noexcept
{
    const int64_t started = backend_.now_ns();
    // One clock read stands for the whole tick: in a VM every read may trap to the hypervisor
    // (measured: clock reads were most of the sampler's own CPU), and the tick lasts microseconds.
    tick_now_ns_ = started;
    const char* reason = nullptr;
    python_sampled_ = false;
    bool python_unreadable = false;
    if (backend_.python_readable()) {
        reason = sample_python(python_unreadable);
    }
    // Even on ticks that read no Python state: a thread first seen by the first tick after the
    // layout check is charged one interval, not the interpreter's whole start-up.
    previous_tick_ns_ = started;
    // The native scan needs this tick's list of Python threads to tell them apart; after a
    // failed listing it waits for the next tick.
    if (reason == nullptr && !python_unreadable && ++ticks_since_scan_ >= kTicksPerNativeScan) {
        ticks_since_scan_ = 0;
        reason = sample_native();
    }
    return reason;
}

bool Ticker::must_list() const noexcept
{
    if (relist_ || listed_ == 0 || ticks_since_listing_ >= kTicksPerListing) {
        return true;
    }
    if (!python_moved_) {
        return false;  // only running code creates threads
    }
    // A thread ran: one read tells whether the list gained a thread, instead of the list itself
    // (a read per thread state).
    return backend_.thread_list_changed == nullptr || backend_.thread_list_changed();
}

const char* Ticker::sample_python(bool& unreadable) noexcept
{
    listing_fresh_ = must_list();
    if (listing_fresh_) {
        const long count = backend_.list_threads(memory_.refs, kMaxPythonThreads);
        if (count < 0) {
            unreadable = true;
            listed_ = 0;
            return note_read(true);
        }
        ++counters_.listings;
        listing_floor_ns_ = last_listing_ns_;
        last_listing_ns_ = backend_.now_ns();
        relist_ = false;
        listed_ = count;
        ticks_since_listing_ = 0;
    }
    ++ticks_since_listing_;
    ++tick_;
    python_sampled_ = true;
    python_seen_ = 0;
    python_moved_ = false;
    // Threads with frames first: on 3.11 a thread state made by threading.Thread.start() holds
    // its creator's TID until the new thread runs, and such a duplicate (always idle) must not
    // take the creator's sample. A TID is charged once per tick.
    for (int with_frames = 1; with_frames >= 0; --with_frames) {
        for (long i = 0; i < listed_; ++i) {
            const python::ThreadRef& ref = memory_.refs[i];
            if ((ref.top_frame != 0) != (with_frames == 1)) {
                continue;
            }
            if (const char* reason = sample_thread(ref)) {
                return reason;
            }
        }
    }
    if (python_seen_ != python_threads_.size()) {
        python_threads_.evict_unseen(tick_);  // some thread ended: a sweep of the table
    }
    return nullptr;
}

const char* Ticker::sample_thread(const python::ThreadRef& ref) noexcept
{
    if (ref.native_tid <= 0 || ref.native_tid > 0x7fffffff) {
        return nullptr;  // a thread state whose thread has not started yet
    }
    const auto tid = static_cast<int32_t>(ref.native_tid);
    ThreadSlot* slot = python_threads_.find(tid);
    if (slot != nullptr && slot->seen_pass == tick_) {
        return nullptr;
    }
    const int64_t cpu = backend_.thread_cpu_ns(tid);
    if (cpu < 0) {
        if (slot != nullptr) {
            python_threads_.erase(slot);  // gone: its TID may come back as another thread
        }
        python_moved_ = true;
        relist_ = true;  // its thread state may be gone from the list too
        return nullptr;
    }
    const int64_t now = tick_now_ns_;
    bool inserted = false;
    slot = python_threads_.find_or_insert(tid, inserted);
    if (slot == nullptr) {
        ++counters_.dropped_threads;
        return nullptr;
    }
    const bool fresh = inserted || slot->tstate != ref.tstate;
    if (fresh) {
        // New to us (or its TID now belongs to another thread state): it lived at most since
        // the previous tick, and all its CPU is recent. The classifier caps CPU at the wall
        // interval, which also covers a thread that was there before the sampler started.
        *slot = ThreadSlot{};
        slot->tid = tid;
        slot->tstate = ref.tstate;
        slot->last_wall_ns = previous_tick_ns_;
        python_moved_ = true;
    }
    const bool ran = fresh || cpu != slot->seen_cpu_ns;
    python_moved_ = python_moved_ || ran;
    slot->seen_pass = tick_;
    ++python_seen_;

    const Charge charge = this->charge(*slot, tid, cpu, ran, now, fresh);

    bool read_failed = false;
    const StackId stack = stack_of(*slot, ref, cpu, read_failed);
    if (stack == 0) {
        return stop_reason::kTableFull;
    }
    if (charge.cpu_us + charge.wait_us > 0) {
        backend_.add_time(stack, charge.cpu_us, charge.wait_us);
    }
    ++counters_.samples;
    return read_failed ? note_read(true) : nullptr;
}

// Backs reads off while they find under 1/kQuietRunQueueShare of their span waiting for a
// core: 1, 3, then 7 ticks skipped between reads. One read that finds more reads every tick
// again, so a thread on a loaded machine is read every tick after at most 7 late intervals.
void Ticker::note_run_queue(ThreadSlot& slot, int64_t runq_ns, int64_t now) noexcept
{
    const int64_t found = runq_ns - slot.seen_runq_ns;
    const int64_t span = now - slot.runq_read_ns;
    if (found * kQuietRunQueueShare < span) {
        slot.runq_backoff = slot.runq_backoff >= kMaxRunQueueBackoff
                                ? kMaxRunQueueBackoff
                                : static_cast<uint8_t>(slot.runq_backoff * 2 + 1);
    } else {
        slot.runq_backoff = 0;
    }
    slot.runq_skipped = 0;
    slot.runq_read_ns = now;
}

// Charges the interval since the slot's baselines and advances them. `ran`: its CPU clock
// moved since its previous sample (or it is new). `fresh`: a Python thread's first sample.
Charge Ticker::charge(
    ThreadSlot& slot, int32_t tid, int64_t cpu_ns, bool ran, int64_t now, bool fresh) noexcept
{
    slot.seen_cpu_ns = cpu_ns;
    // Only a thread that ran, or was running or runnable at its previous read, can have waited
    // for a core since: a blocked thread's numbers stand still. The delay is cumulative, so a
    // wait that a skipped read would have shown is caught by the next read.
    bool first_read = false;
    bool wanted = backend_.run_queue_ns != nullptr && (ran || slot.runnable);
    if (wanted && slot.runq_skipped < slot.runq_backoff) {
        // Its recent reads found (almost) no wait for a core: it waits on the GIL, a lock or
        // I/O between its runs. A read costs an open of a /proc file (several µs), and the
        // delay is cumulative: read it less often, the time found is charged late, not lost.
        ++slot.runq_skipped;
        slot.runnable = true;
        wanted = false;
    }
    if (wanted) {
        ++counters_.run_queue_reads;
        const int64_t runq = backend_.run_queue_ns(tid);
        if (runq >= 0) {
            first_read = !slot.runq_known;
            if (first_read) {
                // Like its CPU clock, a new thread's delay counts from 0, within this interval.
                slot.last_runq_ns = 0;
                slot.seen_runq_ns = 0;
                slot.runq_read_ns = slot.last_wall_ns;
                slot.runq_known = true;
            }
            note_run_queue(slot, runq, now);
            slot.runnable = ran || runq != slot.seen_runq_ns;
            slot.seen_runq_ns = runq;
        } else {
            slot.runnable = false;  // gone, or unreadable: the next move of its clock reads again
        }
    }
    // What was read now, or the carry of an earlier read when the thread was not read.
    const int64_t runq_delta = slot.runq_known ? slot.seen_runq_ns - slot.last_runq_ns : 0;
    if (fresh && tick_ > 1) {
        // It started somewhere since the previous tick, and has lived at least as long as it
        // computed or waited for a core. Most threads compute from their start (a short task, a
        // pool's worker): counting from the previous tick would charge each of them the time
        // before it existed (half an interval on average) as waiting. A thread that blocked
        // first loses at most that much waiting instead. On the first tick the threads were
        // there before the sampler: they lived the whole interval.
        // It was not in the listing before the one that showed it (or held its creator's TID
        // there, not yet started): it started after that one.
        const int64_t lived_at_least = cpu_ns + (runq_delta > 0 ? runq_delta : 0);
        slot.last_wall_ns =
            now - lived_at_least > listing_floor_ns_ ? now - lived_at_least : listing_floor_ns_;
    }
    const Charge charge = classify(cpu_ns - slot.last_cpu_ns, runq_delta, now - slot.last_wall_ns);
    slot.last_wall_ns += charge.wall_used_ns;
    slot.last_cpu_ns += charge.cpu_used_ns;
    // A thread's history before its first sample is not carried (see kMaxRunQueueCarryNs).
    slot.last_runq_ns = first_read ? slot.seen_runq_ns : slot.last_runq_ns + charge.runq_used_ns;
    return charge;
}

StackId Ticker::stack_of(ThreadSlot& slot,
                         const python::ThreadRef& ref,
                         int64_t cpu_ns,
                         bool& read_failed) noexcept
{
    // Only a thread itself pushes and pops its frames, and it cannot without using CPU: if its
    // CPU clock has not moved since the last full read, that stack is still its stack.
    if (slot.stack != 0 && slot.read_cpu_ns == cpu_ns && slot.top_frame == ref.top_frame) {
        ++counters_.cached;
        return slot.stack;
    }
    // An idle thread state, as listed this tick. From an older listing (no thread had run
    // then) the thread has run since, so its top frame is read afresh below: read_thread_stack
    // starts from the thread state's current frame, never from `ref.top_frame`.
    if (ref.top_frame == 0 && listing_fresh_) {
        const StackId stack = backend_.intern_pseudo(PseudoFrame::NoPythonFrame);
        slot.stack = stack;
        slot.top_frame = 0;
        slot.read_cpu_ns = cpu_ns;
        return stack;
    }
    // A torn read (the thread moved while being read) usually succeeds at once on a retry.
    for (int attempt = 0; attempt < 2; ++attempt) {
        ++counters_.read_attempts;
        const long count = backend_.read_thread_stack(ref, memory_.frames, kMaxFrames);
        if (count >= 0) {
            const StackId stack =
                count == 0
                    ? backend_.intern_pseudo(PseudoFrame::NoPythonFrame)
                    : backend_.intern_stack(memory_.frames, static_cast<size_t>(count), kNoRoot);
            slot.stack = stack;
            slot.top_frame = ref.top_frame;
            slot.read_cpu_ns = cpu_ns;
            if (stack != 0) {
                note_read(false);
            }
            return stack;
        }
        ++counters_.failed_attempts;
    }
    // Still unreadable (a thread state freed under us, a TID reused by a new thread): charge the
    // interval to [unreadable stack] so every thread's total stays right, and count it.
    ++counters_.failed_reads;
    slot.stack = 0;
    read_failed = true;
    relist_ = true;  // perhaps a thread state freed and no longer listed
    return backend_.intern_pseudo(PseudoFrame::SamplerError);
}

const char* Ticker::sample_native() noexcept
{
    const long count = backend_.list_tasks(memory_.tids, kMaxTasks);
    if (count < 0) {
        return nullptr;  // no /proc: native threads stay invisible, Python sampling goes on
    }
    ++scan_;
    const int64_t now = backend_.now_ns();
    StackId native_stack = 0;
    size_t seen = 0;
    for (long i = 0; i < count; ++i) {
        const int32_t tid = memory_.tids[i];
        if (tid == own_tid_) {
            continue;
        }
        if (python_sampled_) {
            const ThreadSlot* python = python_threads_.find(tid);
            if (python != nullptr && python->seen_pass == tick_) {
                continue;  // sampled with its Python stack this tick
            }
        }
        const int64_t cpu = backend_.thread_cpu_ns(tid);
        if (cpu < 0) {
            continue;
        }
        bool inserted = false;
        ThreadSlot* slot = native_threads_.find_or_insert(tid, inserted);
        if (slot == nullptr) {
            ++counters_.dropped_threads;
            continue;
        }
        if (inserted) {
            slot->last_wall_ns = previous_scan_ns_;
        }
        slot->seen_pass = scan_;
        ++seen;
        const bool ran = inserted || cpu != slot->seen_cpu_ns;
        const Charge charge = this->charge(*slot, tid, cpu, ran, now, false);
        // CPU only. A thread with no Python state is a BLAS/OpenMP worker or a native library's
        // I/O thread: its computing is real work the user must see, but its waiting (parked
        // between tasks, often a whole pool of them) is not something the job's code waits on
        // (a Python thread waiting for it shows that wait itself), and would swamp the waiting
        // profile. Idle native threads therefore charge nothing.
        if (charge.cpu_us == 0) {
            continue;
        }
        if (native_stack == 0) {
            native_stack = backend_.intern_pseudo(PseudoFrame::NativeThread);
            if (native_stack == 0) {
                return stop_reason::kTableFull;
            }
        }
        backend_.add_time(native_stack, charge.cpu_us, 0);
        ++counters_.native_charges;
    }
    if (seen != native_threads_.size()) {
        native_threads_.evict_unseen(scan_);
    }
    previous_scan_ns_ = now;
    return nullptr;
}

const char* Ticker::note_read(bool failed) noexcept
{
    ++window_samples_;
    window_failures_ += failed ? 1 : 0;
    const bool judged = window_samples_ >= kMinWindow;
    const bool too_many = judged && window_failures_ * 2 > window_samples_;
    if (window_samples_ >= kMaxWindow) {
        window_samples_ /= 2;
        window_failures_ /= 2;
    }
    return too_many ? stop_reason::kReadFailures : nullptr;
}

}  // namespace sciagraph::core::sampler
