// The CPU ledger. Reading a thread's CPU clock is a system call (about 2 µs in a VM); a job
// with a thousand threads that mostly wait would pay a thousand a tick to learn that nothing
// moved. Instead each tick reads the process's CPU clock (one call; all threads, the ended ones
// included) and the sampler's own, and subtracts what the threads it read used since their
// previous read: what is left is CPU used by threads it did not read. Threads whose clock stood
// still are read ever more rarely (1, 3, 7... 256 ticks apart), and their waiting is charged in
// bulk at each read; as soon as the ledger shows more than it can account for, the
// quiet threads are read at once (those active lately first, stopping when the ledger is
// explained), then the native threads are listed. So a quiet thread that starts computing is
// read within a tick, as before, and its waiting up to the last explained tick goes to the stack
// it waited at. What the ledger cannot explain after reading every thread was used by threads
// that ended: the ledger starts again from zero.
//
// "More than it can account for" has a margin: the process clock leaves out what a thread
// running on another core used since the scheduler last updated its numbers (its own clock
// includes it), up to a scheduler tick (4 ms at HZ=250, Debian's) per running thread. Measured
// with 8 threads computing on 2 cores: the ledger swung ±9 ms around zero with a 1 ms margin
// (a wake every few ticks, each reading a thousand threads). The margin is kWakeNs plus a
// scheduler tick per thread found running this tick.
#include "tick.h"

#include "arena.h"

#include <algorithm>

namespace sciagraph::core::sampler {
namespace {

constexpr auto kNoRoot = static_cast<PseudoFrame>(0);  // intern_stack: no root pseudo-frame

// The TID a listed thread state shows, when it has one a Linux TID can be; 0 for a thread state
// whose thread has not started (3.12+ shows none until then) or a torn read.
int32_t listed_tid(const python::ThreadRef& ref) noexcept
{
    return ref.native_tid > 0 && ref.native_tid <= 0x7fffffff ? static_cast<int32_t>(ref.native_tid)
                                                              : 0;
}

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
    ledger_on_ = false;
    ledger_ns_ = 0;
    wake_owed_ns_ = 0;
    process_cpu_ns_ = -1;
    own_cpu_ns_ = 0;
    hot_native_count_ = 0;
    last_task_count_ = 0;
    warm_count_ = 0;
    wake_cursor_ = 0;
    wake_visited_ = 0;
    ended_count_ = 0;
    ledger_read_ = false;
    ticks_since_ledger_ = 0;
    ledger_tick_ = 0;
    quiet_until_ns_ = start_ns;
}

// No Python memory is read: at exit the interpreter may be tearing its thread states down.
// Only threads read rarely have an interval to close: without the ledger every thread was read
// by the last tick.
void Ticker::final_tick() noexcept
{
    if (!ledger_on_) {
        return;
    }
    tick_now_ns_ = backend_.now_ns();
    python_threads_.for_each([this](ThreadSlot& slot) {
        const int64_t cpu = backend_.thread_cpu_ns(slot.tid);
        if (cpu < 0) {
            settle_ended(slot);
            return;
        }
        const bool ran = cpu != slot.seen_cpu_ns;
        const Charge charge = this->charge(slot, slot.tid, cpu, ran, tick_now_ns_, false);
        if (slot.stack != 0 && charge.cpu_us + charge.wait_us > 0) {
            backend_.add_time(slot.stack, charge.cpu_us, charge.wait_us);
        }
    });
}

const char* Ticker::tick() noexcept
{
    const int64_t started = backend_.now_ns();
    // One clock read stands for the whole tick: in a VM every read may trap to the hypervisor
    // (measured: clock reads were most of the sampler's own CPU), and the tick lasts microseconds.
    tick_now_ns_ = started;
    open_ledger();
    const char* reason = nullptr;
    python_sampled_ = false;
    moved_this_tick_ = 0;
    bool python_unreadable = false;
    warm_count_ = 0;
    if (backend_.python_readable()) {
        reason = sample_python(python_unreadable);
    }
    if (reason == nullptr && python_sampled_) {
        reason = sample_hot_natives();
    }
    if (ledger_read_) {
        wake_owed_ns_ = ledger_ns_;  // what the threads read since the last read left unexplained
    }
    bool rotated = false;
    if (reason == nullptr && python_sampled_ && wake_owed()) {
        reason = wake_quiet_threads(rotated);
        rotated = rotated && wake_owed();  // a native thread, new or quiet, computed
    }
    // The native scan needs this tick's list of Python threads to tell them apart; after a
    // failed listing it waits for the next tick.
    ++ticks_since_scan_;
    const bool scan_now = rotated || ticks_since_scan_ >= scan_period();
    const bool scanned = reason == nullptr && !python_unreadable && scan_now;
    if (scanned) {
        ticks_since_scan_ = 0;
        reason = sample_native();
    }
    close_ledger(scanned && rotated);
    // Even on ticks that read no Python state: a thread first seen by the first tick after the
    // layout check is charged one interval, not the interpreter's whole start-up.
    previous_tick_ns_ = started;
    return reason;
}

// Adds the CPU the process used since the last tick, less the sampler's own. A clock that does
// not answer turns the ledger off for this tick: every thread is read, as without it.
void Ticker::open_ledger() noexcept
{
    ledger_read_ = false;
    if (backend_.process_cpu_ns == nullptr) {
        ledger_on_ = false;
        return;
    }
    // The process clock sums every thread in the kernel: 0.2-0.4 ms a read with a thousand
    // threads (their task structures cold in the cache), 2-4% of a core at every tick. It is
    // read one tick in ledger_period() (one per 32 threads): a quiet thread that starts
    // computing is found that many ticks later at most. The threads' reads are subtracted at
    // every tick all the same.
    if (ledger_on_ && ++ticks_since_ledger_ < ledger_period()) {
        return;
    }
    ticks_since_ledger_ = 0;
    ledger_tick_ = tick_ + 1;  // the tick about to be sampled (tick_ counts on in sample_python)
    const int64_t process = backend_.process_cpu_ns();
    if (process < 0) {
        ledger_on_ = false;
        process_cpu_ns_ = -1;
        return;
    }
    int64_t own = backend_.thread_cpu_ns(own_tid_);
    own = own < 0 ? own_cpu_ns_ : own;
    // The first tick (or the first after a failure) reads every thread: no quiet one yet.
    ledger_ns_ =
        process_cpu_ns_ < 0 ? 0 : ledger_ns_ + (process - process_cpu_ns_) - (own - own_cpu_ns_);
    ledger_on_ = process_cpu_ns_ >= 0;
    ledger_read_ = ledger_on_;
    process_cpu_ns_ = process;
    own_cpu_ns_ = own;
}

// `read_everything`: a wake read every quiet thread, then the native threads were scanned.
void Ticker::close_ledger(bool read_everything) noexcept
{
    if (!ledger_on_ || !python_sampled_) {
        // Nothing was judged by it; start afresh at the next tick's read.
        ledger_ns_ = 0;
        wake_owed_ns_ = 0;
        ticks_since_ledger_ = ledger_period();
        return;
    }
    if (wake_owed() && read_everything) {
        // Every thread read: what is left, threads that ended used.
        ledger_ns_ = 0;
        wake_owed_ns_ = 0;
    }
    if (!wake_owed()) {
        wake_visited_ = 0;  // the next wake starts a new round of the list
    }
    if (!ledger_read_) {
        return;
    }
    // The CPU the threads that ended used after their last read (see settle_ended).
    for (size_t i = 0; i < ended_count_ && ledger_ns_ > 0; ++i) {
        const int64_t cpu = std::min(ended_[i].span_ns, ledger_ns_);
        backend_.add_time(ended_[i].stack, static_cast<uint64_t>(cpu) / 1000, 0);
        ledger_ns_ -= cpu;
        wake_owed_ns_ -= cpu;
    }
    ended_count_ = 0;
    // Reads a little apart from the process clock read leave a small, self-cancelling
    // difference; a first read of a thread that ran before the ledger began may subtract more.
    ledger_ns_ = std::max(ledger_ns_, -wake_threshold());
    if (!wake_owed()) {
        quiet_until_ns_ = tick_now_ns_;  // no thread left unread computed before this tick
    }
}

unsigned Ticker::ledger_period() const noexcept
{
    const auto by_count = static_cast<unsigned>(last_task_count_ / kTasksPerLedgerTick);
    return by_count > 1 ? by_count : 1;
}

unsigned Ticker::listing_period() const noexcept
{
    const auto by_count = static_cast<unsigned>(listed_ / kThreadsPerListingTick);
    return ledger_on_ ? std::max(kLedgerTicksPerListing, by_count) : kTicksPerListing;
}

unsigned Ticker::scan_period() const noexcept
{
    const auto by_count = static_cast<unsigned>(last_task_count_ / kTasksPerScanTick);
    return ledger_on_ ? std::max(kTicksPerNativeScan, by_count) : kTicksPerNativeScan;
}

bool Ticker::must_list() const noexcept
{
    if (listed_ == 0 || ticks_since_listing_ >= listing_period()) {
        return true;
    }
    // A listing reads every thread state: with a thousand threads starting or ending, a listing
    // at every tick cost more than all the rest (0.8 s of CPU to start and join 1,000 threads).
    // At most one every listed_ / kListedPerListingGap ticks: a new thread is seen that
    // much later, and charged from the listing before (see charge()).
    if (ledger_on_ && ticks_since_listing_ < listed_ / kListedPerListingGap) {
        return false;
    }
    if (relist_) {
        return true;
    }
    if (ledger_on_ && backend_.thread_list_delta != nullptr) {
        return false;  // sample_python looked at the list already (relist_)
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
    // Ends are looked for at every tick (one read): a quiet thread is read rarely, and one that
    // ended would otherwise take its waiting since its last read with it.
    int list_delta = 0;
    if (ledger_on_ && backend_.thread_list_delta != nullptr) {
        list_delta = backend_.thread_list_delta();
        // New thread states at the head: read those alone, unless the list was known stale
        // already. Ends under the same head leave the listing by their TIDs (below, in
        // settle_threads_that_ended); the head gone too wants a listing.
        const bool partial = !relist_ && list_delta > 0 && list_new_threads();
        relist_ = relist_ || (list_delta > 0 && !partial) || list_delta < -1;
    }
    ended_after_ns_ = list_delta < 0 ? previous_tick_ns_ : quiet_until_ns_;
    listing_fresh_ = must_list();
    if (list_delta < 0 && !listing_fresh_) {
        settle_threads_that_ended();
    }
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
        std::fill(ref_due_, ref_due_ + count, 0);  // every listed thread is looked up once
    }
    ++ticks_since_listing_;
    ++tick_;
    python_sampled_ = true;
    python_seen_ = 0;
    unstarted_listed_ = 0;
    python_moved_ = false;
    // With the ledger, a thread not due is passed over by its entry in ref_due_ alone: looking
    // a thousand threads up in the table at every tick cost more than the rest of the tick.
    // Eviction then waits for a listing, which looks every thread up.
    const bool skim = ledger_on_ && !listing_fresh_;
    // Threads with frames first: on 3.11 a thread state made by threading.Thread.start() holds
    // its creator's TID until the new thread runs, and such a duplicate (always idle) must not
    // take the creator's sample. A TID is charged once per tick.
    for (int with_frames = 1; with_frames >= 0; --with_frames) {
        for (long i = 0; i < listed_; ++i) {
            const python::ThreadRef& ref = memory_.refs[i];
            if ((ref.top_frame != 0) != (with_frames == 1)) {
                continue;
            }
            if (skim && ref_due_[i] > tick_) {
                note_warm(static_cast<uint32_t>(i));
                continue;
            }
            if (const char* reason = sample_thread(ref, Pass::Due)) {
                return reason;
            }
        }
    }
    if (const char* reason = read_gil_holders()) {
        return reason;
    }
    if (!skim && python_seen_ != python_threads_.size()) {
        // Some thread ended: a sweep of the table.
        python_threads_.evict_unseen(
            tick_,
            [](void* ticker, ThreadSlot& slot) noexcept {
                static_cast<Ticker*>(ticker)->settle_ended(slot);
            },
            this);
    }
    return nullptr;
}

// The ledger shows CPU the threads read this tick do not account for: reads quiet threads, first
// those active lately, the longest quiet among them first, then the others in turn from where
// the last wake stopped; at most kMaxWakeReads a tick (a round of the list in kWakeRoundTicks
// ticks at most), stopping once the ledger is explained.
// Under a GIL the thread that ran between two ticks is one of many waiting for it, in no order
// one can predict (measured with 64 threads: a wake read 33 on average before finding it), and
// every tick has one: without the bound wakes cost more than reading every thread. So a quiet
// thread that starts computing is found within ledger_period() + kWakeRoundTicks ticks, its
// waiting up to the last explained tick charged to the stack it waited at. `rotated`: the
// turn came round to the start of the list, every quiet thread was read.
const char* Ticker::wake_quiet_threads(bool& rotated) noexcept
{
    ++counters_.wakes;
    // Under a GIL that changed hands since the last tick, the CPU a wake looks for is mostly
    // the turns of threads that held it between two ticks: each stopped where it ran, and its
    // next read charges its CPU there. A wake then reads a quarter as many.
    const uint64_t limit =
        counters_.wake_reads + std::max<uint64_t>(kMaxWakeReads, listed_ / kWakeRoundTicks) /
                                   (gil_switched_ ? kGilWakeShare : 1);
    // The longest quiet: the largest backoff, and among equals the one due first.
    std::sort(warm_, warm_ + warm_count_, [](const WarmThread& x, const WarmThread& y) {
        return x.backoff != y.backoff ? x.backoff > y.backoff : x.due_tick < y.due_tick;
    });
    for (size_t i = 0; i < warm_count_ && wake_owed() && counters_.wake_reads < limit; ++i) {
        if (const char* reason = sample_thread(memory_.refs[warm_[i].ref], Pass::Warm)) {
            return reason;
        }
    }
    while (wake_owed() && counters_.wake_reads < limit) {
        if (wake_visited_ >= listed_) {
            rotated = true;  // every listed thread was read since the wake began
            break;
        }
        if (wake_cursor_ >= listed_) {
            wake_cursor_ = 0;
        }
        ++wake_visited_;
        if (const char* reason = sample_thread(memory_.refs[wake_cursor_++], Pass::All)) {
            return reason;
        }
    }
    return nullptr;
}

// A listing that reads only what changed at the head of the list: the thread states new since
// the last listing, and again those listed before their thread ran (their TID was not theirs
// yet). The rest of the refs, and their schedules, stay. False: a full listing is needed.
// Threads that start one by one (a pool of a thousand) cost a read each, once, instead of a
// listing of all of them every few ticks; ends and other changes still list everything.
bool Ticker::list_new_threads() noexcept
{
    if (backend_.list_threads_since == nullptr || listed_ == 0) {
        return false;
    }
    long keep_from = 0;  // refs[keep_from, listed_) stay as they are
    for (long i = 0; i < listed_; ++i) {
        if (!tid_settled(memory_.refs[i])) {
            keep_from = i + 1;
        }
    }
    if (keep_from >= listed_) {
        return false;  // nothing known to stop at: the walk would be a whole listing
    }
    // The new refs go after the old ones, then move to the front, where a listing puts them.
    const long room = static_cast<long>(kMaxPythonThreads) - listed_;
    const long added = backend_.list_threads_since(
        memory_.refs + listed_, static_cast<size_t>(room), memory_.refs[keep_from].tstate);
    if (added < 0) {
        return false;
    }
    const long end = listed_ + added;
    std::rotate(memory_.refs, memory_.refs + listed_, memory_.refs + end);
    std::rotate(ref_due_, ref_due_ + listed_, ref_due_ + end);
    std::rotate(ref_backoff_, ref_backoff_ + listed_, ref_backoff_ + end);
    // [added new][keep_from unsettled][kept]: the unsettled ones were read again among the new.
    std::move(memory_.refs + added + keep_from, memory_.refs + end, memory_.refs + added);
    std::move(ref_due_ + added + keep_from, ref_due_ + end, ref_due_ + added);
    std::move(ref_backoff_ + added + keep_from, ref_backoff_ + end, ref_backoff_ + added);
    std::fill(ref_due_, ref_due_ + added, 0);  // every new thread is looked up once
    std::fill(ref_backoff_, ref_backoff_ + added, 0);
    listed_ = end - keep_from;
    wake_cursor_ = 0;
    ++counters_.partial_listings;
    listing_floor_ns_ = last_listing_ns_;
    last_listing_ns_ = backend_.now_ns();
    return true;
}

// Whether the listed TID is the thread's own: it has one, and the thread was read under it.
// 3.11 gives a thread state made by Thread.start() its creator's TID until the thread runs;
// 3.12+ none.
bool Ticker::tid_settled(const python::ThreadRef& ref) noexcept
{
    const int32_t tid = listed_tid(ref);
    const ThreadSlot* slot = tid != 0 ? python_threads_.find(tid) : nullptr;
    return slot != nullptr && slot->tstate == ref.tstate;
}

// Under a GIL, Python ran since the last tick in the thread that held it then (if it was held
// or switched since) and in the one that holds it now, and in others only when it switched more
// than once: read those two first, at the price of three loads, rather than leave the ledger
// to find them (a wake read 33 threads on average to find one among 64 taking turns). Threads
// the due pass read already are not read twice; one that waits with the GIL released, read by
// its backoff, is not read for having been the last holder.
const char* Ticker::read_gil_holders() noexcept
{
    python::GilState gil{};
    if (backend_.gil_state == nullptr || !backend_.gil_state(gil)) {
        return nullptr;
    }
    const bool switched = gil.switch_number != gil_switches_;
    gil_switched_ = switched;
    const uintptr_t before = gil_holder_;
    gil_holder_ = gil.last_holder;
    gil_switches_ = gil.switch_number;
    const uintptr_t holders[2] = {gil.locked || switched ? gil.last_holder : 0,
                                  switched && before != gil.last_holder ? before : 0};
    for (const uintptr_t tstate : holders) {
        const long index = tstate == 0 ? -1 : ref_of_tstate(tstate);
        if (index < 0) {
            continue;
        }
        if (const char* reason = sample_thread(memory_.refs[index], Pass::Held)) {
            return reason;
        }
    }
    return nullptr;
}

long Ticker::ref_of_tstate(uintptr_t tstate) const noexcept
{
    for (long i = 0; i < listed_; ++i) {
        if (memory_.refs[i].tstate == tstate) {
            return i;
        }
    }
    return -1;
}

const char* Ticker::sample_thread(const python::ThreadRef& ref, Pass pass) noexcept
{
    const int32_t tid = listed_tid(ref);
    if (tid == 0) {
        unstarted_listed_ += pass == Pass::Due ? 1 : 0;
        return nullptr;  // a thread state whose thread has not started yet
    }
    ThreadSlot* slot = python_threads_.find(tid);
    if (pass == Pass::Due) {
        if (slot != nullptr && slot->seen_pass == tick_) {
            // 3.11: a thread state made by Thread.start() holds its creator's TID until its
            // thread runs (see sample_python).
            unstarted_listed_ += slot->tstate != ref.tstate ? 1 : 0;
            return nullptr;
        }
        if (slot != nullptr && ledger_on_ && slot->tstate == ref.tstate && slot->due_tick > tick_) {
            // Quiet, and not due: the ledger tells whether it ran.
            slot->seen_pass = tick_;
            ++python_seen_;
            const auto index = static_cast<uint32_t>(&ref - memory_.refs);
            ref_due_[index] = slot->due_tick;
            ref_backoff_[index] = slot->idle_backoff;
            note_warm(index);
            return nullptr;
        }
    } else if (slot == nullptr || slot->tstate != ref.tstate || slot->read_tick == tick_) {
        return nullptr;  // a wake reads quiet threads the due pass skipped
    }
    const int64_t cpu = backend_.thread_cpu_ns(tid);
    ++counters_.cpu_reads;
    counters_.wake_reads += pass == Pass::Warm || pass == Pass::All ? 1 : 0;
    counters_.gil_reads += pass == Pass::Held ? 1 : 0;
    if (cpu < 0) {
        if (slot != nullptr) {
            settle_ended(*slot);
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
    bool adopted = false;
    if (fresh) {
        // New to us (or its TID now belongs to another thread state): it lived at most since
        // the previous tick, and all its CPU is recent. The classifier caps CPU at the wall
        // interval, which also covers a thread that was there before the sampler started.
        *slot = ThreadSlot{};
        slot->tid = tid;
        slot->tstate = ref.tstate;
        slot->last_wall_ns = previous_tick_ns_;
        python_moved_ = true;
        adopted = ledger_on_ && adopt_native(*slot);
        if (!adopted) {
            explain(std::min(cpu, now - previous_tick_ns_));
        }
    }
    const bool first_read = fresh && !adopted;
    // Computed since its previous read, beyond the few microseconds of a thread waiting for
    // the GIL (it wakes every switch interval, 5 ms, to ask for it, and runs no Python code):
    // over 1/kQuietCpuShare of the time since. A thread read by a wake is busy with a little
    // less: the ledger saw CPU, which this tick's reads account for.
    const int64_t cpu_delta = cpu - slot->seen_cpu_ns;
    const bool busy = fresh || (pass == Pass::Due ? cpu_delta > 0 && cpu_delta * kQuietCpuShare >=
                                                                         now - slot->last_wall_ns
                                                  : cpu_delta >= kQuietCpuNs);
    if (!first_read) {
        explain(cpu_delta);
        if (slot->read_tick < ledger_tick_) {
            // Not read since the process clock was: some of what it used may be in the ledger.
            wake_owed_ns_ -= cpu_delta;
        }
        if (ledger_on_ && cpu_delta > 0 && slot->read_tick + 1 < tick_ && slot->stack != 0 &&
            quiet_until_ns_ > slot->last_wall_ns) {
            // Quiet since its last read, and the ledger accounted for every thread's CPU up to
            // quiet_until_ns_: until then it waited, at the stack it had. What it did since is
            // charged below to the stack it has now.
            const auto waited_us =
                static_cast<uint64_t>(quiet_until_ns_ - slot->last_wall_ns) / 1000;
            backend_.add_time(slot->stack, 0, waited_us);
            slot->last_wall_ns += static_cast<int64_t>(waited_us) * 1000;
        }
    }
    const bool ran = fresh || cpu != slot->seen_cpu_ns;
    python_moved_ = python_moved_ || ran;
    moved_this_tick_ += busy ? 1 : 0;
    slot->seen_pass = tick_;
    if (pass == Pass::Due) {
        ++python_seen_;
    }

    const Charge charge = this->charge(*slot, tid, cpu, ran, now, first_read);
    const bool was_quiet = !first_read && slot->idle_backoff > 0;
    schedule_next_read(*slot, busy, pass == Pass::Due);
    ref_due_[&ref - memory_.refs] = slot->due_tick;
    ref_backoff_[&ref - memory_.refs] = slot->idle_backoff;

    bool read_failed = false;
    const StackId stack = stack_of(*slot, ref, cpu, was_quiet, read_failed);
    if (stack == 0) {
        return stop_reason::kTableFull;
    }
    if (charge.cpu_us + charge.wait_us > 0) {
        backend_.add_time(stack, charge.cpu_us, charge.wait_us);
    }
    ++counters_.samples;
    return read_failed ? note_read(true) : nullptr;
}

// A Python thread listed late (listings are spaced out with many threads) may have been read
// by native scans meanwhile, its CPU charged to [native thread]: its baselines carry over, so
// nothing is charged twice. True when it was.
bool Ticker::adopt_native(ThreadSlot& slot) noexcept
{
    ThreadSlot* native = native_threads_.find(slot.tid);
    if (native == nullptr) {
        return false;
    }
    slot.last_wall_ns = native->last_wall_ns;
    slot.last_cpu_ns = native->last_cpu_ns;
    slot.seen_cpu_ns = native->seen_cpu_ns;
    slot.last_runq_ns = native->last_runq_ns;
    slot.seen_runq_ns = native->seen_runq_ns;
    slot.runq_read_ns = native->runq_read_ns;
    slot.runq_known = native->runq_known;
    slot.runnable = native->runnable;
    native_threads_.erase(native);
    return true;
}

// A thread found gone: it waited at its stack up to ended_after_ns_ (see there); what it did
// after is lost, as for any thread ending.
void Ticker::settle_ended(ThreadSlot& slot) noexcept
{
    if (!ledger_on_ || slot.stack == 0) {
        return;
    }
    int64_t from = slot.last_wall_ns;
    if (ended_after_ns_ > from) {
        backend_.add_time(slot.stack, 0, static_cast<uint64_t>(ended_after_ns_ - from) / 1000);
        from = ended_after_ns_;
    }
    // What it computed after its last read is in the process clock and nobody else's: the
    // ledger hands it over at its next reading (close_ledger), up to the time it may have lived.
    // Only for a thread computing at its last read (a short task ending mid-interval: half an
    // interval each, 0.3 s of 2.6 s for 64 threads of 40 ms); a quiet one used next to nothing,
    // and the ledger's rest is more likely a quiet thread's, read later.
    if (slot.idle_backoff == 0 && tick_now_ns_ > from) {
        if (ended_count_ == kMaxEnded) {
            std::copy(ended_ + 1, ended_ + kMaxEnded, ended_);
            --ended_count_;
        }
        ended_[ended_count_++] = EndedThread{slot.stack, tick_now_ns_ - from};
    }
}

// The thread list's count fell: the Python threads whose TID left the task list ended since the
// previous tick. One listing of the task directory instead of a read of every quiet thread.
void Ticker::settle_threads_that_ended() noexcept
{
    const long count = backend_.list_tasks(memory_.tids, kMaxTasks);
    if (count < 0) {
        return;
    }
    std::sort(memory_.tids, memory_.tids + count);
    constexpr size_t kMaxFound = 64;  // more at once: the rest when the list is read again
    int32_t ended[kMaxFound];
    size_t found = 0;
    python_threads_.for_each([&](const ThreadSlot& slot) {
        if (found < kMaxFound &&
            !std::binary_search(memory_.tids, memory_.tids + count, slot.tid)) {
            ended[found++] = slot.tid;
        }
    });
    for (size_t i = 0; i < found; ++i) {
        if (ThreadSlot* slot = python_threads_.find(ended[i])) {
            settle_ended(*slot);
            python_threads_.erase(slot);
        }
    }
    if (found == 0 || found == kMaxFound) {
        relist_ = true;  // which ended is not known (its thread still leaving), or not all
        return;
    }
    // Their entries leave the listing here rather than by a listing of all the others (with a
    // thousand threads joined one by one, that was a listing every few ticks). A thread state
    // unlinked while its thread is still there stays listed until its thread is gone: reading
    // it finds it gone and lists again.
    long kept = 0;
    for (long i = 0; i < listed_; ++i) {
        const int32_t tid = listed_tid(memory_.refs[i]);
        if (tid != 0 && !std::binary_search(memory_.tids, memory_.tids + count, tid)) {
            continue;
        }
        memory_.refs[kept] = memory_.refs[i];
        ref_due_[kept] = ref_due_[i];
        ref_backoff_[kept] = ref_backoff_[i];
        ++kept;
    }
    listed_ = kept;
    wake_cursor_ = 0;
}

// A quiet thread active in the last kWarmBackoff ticks: a wake reads it first.
void Ticker::note_warm(uint32_t index) noexcept
{
    if (ref_backoff_[index] <= kWarmBackoff && warm_count_ < kMaxWarm) {
        warm_[warm_count_++] = WarmThread{index, ref_backoff_[index], ref_due_[index]};
    }
}

// Without the ledger every thread is read every tick; with it a thread whose CPU clock stood
// still (and that was not waiting for a core) is read 1, 3, 7... kMaxIdleBackoff + 1 ticks later.
void Ticker::schedule_next_read(ThreadSlot& slot, bool moved, bool due) noexcept
{
    slot.read_tick = tick_;
    if (!moved && !due) {
        return;  // a wake that found it still quiet: its schedule stays that of its last move
    }
    // A thread that computed is read at the next tick (its stack, where it stopped, is read
    // afresh then: see stack_of). When that read finds it quiet again, it takes up the backoff
    // it had before: a thread computing in short turns between long waits (threads taking turns
    // at the GIL, each a few intervals in 64) would otherwise be read 1, 3, 7... ticks after
    // every turn, 6 reads a turn where 1 tells as much. The ledger and the GIL's holder find its
    // next turn.
    if (moved) {
        slot.quiet_backoff = std::max(slot.quiet_backoff, slot.idle_backoff);
        slot.idle_backoff = 0;
    } else if (slot.idle_backoff == 0 && slot.quiet_backoff > 0) {
        slot.idle_backoff = slot.quiet_backoff;
    } else {
        slot.idle_backoff = slot.idle_backoff >= kMaxIdleBackoff / 2
                                ? kMaxIdleBackoff
                                : static_cast<uint8_t>(slot.idle_backoff * 2 + 1);
        slot.quiet_backoff = slot.idle_backoff;
    }
    slot.due_tick = tick_ + 1 + (ledger_on_ ? slot.idle_backoff : 0);
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
                         bool was_quiet,
                         bool& read_failed) noexcept
{
    // Only a thread itself pushes and pops its frames, and it cannot without using CPU: if its
    // CPU clock has not moved since the last full read, that stack is still its stack. Nor
    // does it, as a rule, when the clock moved by less than kQuietCpuNs and the thread was
    // quiet already at its previous read: a thread waiting for the GIL wakes every 5 ms to ask
    // for it, without running Python code. Measured: 64 threads taking turns at the GIL all
    // moved every tick, and reading their 64 stacks a tick was most of the sampler's 11% of a
    // core. A thread that computed at its previous read is read afresh once it stops (it
    // stopped somewhere else: a sleep after a loop).
    if (slot.stack != 0 && slot.top_frame == ref.top_frame &&
        (slot.read_cpu_ns == cpu_ns || (was_quiet && cpu_ns - slot.read_cpu_ns < kQuietCpuNs))) {
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
        counters_.stack_reads += attempt == 0 ? 1 : 0;
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
    last_task_count_ = count;
    const int64_t now = tick_now_ns_;
    StackId native_stack = 0;
    size_t seen = 0;
    for (long i = 0; i < count; ++i) {
        const int32_t tid = memory_.tids[i];
        if (tid == own_tid_) {
            continue;
        }
        if (python_sampled_) {
            const ThreadSlot* python = python_threads_.find(tid);
            if (python != nullptr && (python->seen_pass == tick_ || ledger_on_)) {
                continue;  // sampled with its Python stack this tick, or quiet and listed
            }
        }
        if (unstarted_listed_ > 0 && native_threads_.find(tid) == nullptr) {
            // A thread the listing shows without its TID yet (it is starting) may be this
            // one: charged as a Python thread once listed with it, from its start.
            continue;
        }
        const int64_t cpu = backend_.thread_cpu_ns(tid);
        ++counters_.cpu_reads;
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
        bool ran = false;
        if (const char* reason =
                charge_native(*slot, tid, cpu, inserted, true, native_stack, ran)) {
            return reason;
        }
        if (ran) {
            add_hot_native(tid);
        }
    }
    if (seen != native_threads_.size()) {
        native_threads_.evict_unseen(scan_);
    }
    previous_scan_ns_ = now;
    return nullptr;
}

// Native threads that computed at their last read are read every tick while the ledger is on:
// a BLAS pool busy for minutes would otherwise leave CPU unexplained at every tick.
const char* Ticker::sample_hot_natives() noexcept
{
    if (!ledger_on_) {
        return nullptr;  // every native thread is read by the scans
    }
    StackId native_stack = 0;
    size_t kept = 0;
    for (size_t i = 0; i < hot_native_count_; ++i) {
        const int32_t tid = hot_natives_[i];
        ThreadSlot* slot = native_threads_.find(tid);
        if (slot == nullptr || python_threads_.find(tid) != nullptr) {
            continue;  // forgotten, or a Python thread now
        }
        const int64_t cpu = backend_.thread_cpu_ns(tid);
        ++counters_.cpu_reads;
        if (cpu < 0) {
            continue;  // ended; the next scan forgets it
        }
        bool ran = false;
        if (const char* reason = charge_native(*slot, tid, cpu, false, false, native_stack, ran)) {
            return reason;
        }
        if (ran) {
            hot_natives_[kept++] = tid;
        }
    }
    hot_native_count_ = kept;
    return nullptr;
}

// Read every tick from now on (it may have been read as hot earlier in this tick).
void Ticker::add_hot_native(int32_t tid) noexcept
{
    for (size_t i = 0; i < hot_native_count_; ++i) {
        if (hot_natives_[i] == tid) {
            return;
        }
    }
    if (hot_native_count_ < kMaxHotNatives) {
        hot_natives_[hot_native_count_++] = tid;
    }
}

// Charges a native thread's interval since its last read: CPU only. A thread with no Python
// state is a BLAS/OpenMP worker or a native library's I/O thread: its computing is real work
// the user must see, but its waiting (parked between tasks, often a whole pool of them) is not
// something the job's code waits on (a Python thread waiting for it shows that wait itself),
// and would swamp the waiting profile. Idle native threads therefore charge nothing.
const char* Ticker::charge_native(ThreadSlot& slot,
                                  int32_t tid,
                                  int64_t cpu,
                                  bool inserted,
                                  bool from_scan,
                                  StackId& native_stack,
                                  bool& ran) noexcept
{
    const int64_t cpu_delta =
        inserted ? std::min(cpu, tick_now_ns_ - previous_tick_ns_) : cpu - slot.seen_cpu_ns;
    explain(cpu_delta);
    if (from_scan) {
        wake_owed_ns_ -= cpu_delta;
    }
    ran = inserted || cpu != slot.seen_cpu_ns;
    moved_this_tick_ += ran ? 1 : 0;
    const Charge charge = this->charge(slot, tid, cpu, ran, tick_now_ns_, false);
    if (charge.cpu_us == 0) {
        return nullptr;
    }
    if (native_stack == 0) {
        native_stack = backend_.intern_pseudo(PseudoFrame::NativeThread);
        if (native_stack == 0) {
            return stop_reason::kTableFull;
        }
    }
    backend_.add_time(native_stack, charge.cpu_us, 0);
    ++counters_.native_charges;
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
