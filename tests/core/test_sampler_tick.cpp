// Units of core/sampler/tick: one tick over fake threads (a fake interpreter, CPU clocks and
// stack table bound through the Backend), so the cache, retries, TID reuse, churn and native
// threads are checked without a running Python.
#include "sampler/tick.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

using namespace sciagraph::core;
using namespace sciagraph::core::sampler;

namespace {

struct FakeThread {
    uintptr_t tstate = 0;
    uintptr_t top_frame = 0;
    bool python = true;  // has a thread state
    int64_t cpu_ns = 0;
    uint32_t code = 1;      // its (one-frame) stack: code id and line
    int failing_reads = 0;  // the next reads that fail
    int64_t runq_ns = 0;    // time waiting on a run queue, as schedstat reports it
    uint64_t created = 0;   // the newest is at the head of a creation-ordered list
    long listed_tid = 0;    // the TID its thread state shows (0: its own)
};

struct Charged {
    uint64_t cpu_us = 0;
    uint64_t wait_us = 0;
};

// Everything the fake backend sees; reset by each test's World.
struct FakeState {
    std::map<int32_t, FakeThread> threads;
    int64_t now = 1'000'000'000;
    bool readable = true;
    bool table_full = false;
    int reads = 0;
    int runq_reads = 0;
    std::map<StackId, Charged> charged;
    python::CodeInfo codes[16];
    int64_t cpu_reads = 0;  // CPU clocks read (of threads, the sampler's own included)
    int64_t ended_cpu = 0;  // CPU of threads that ended: the process clock still counts it
    bool listed_once = false;
    std::set<int32_t> listed_python;  // Python threads at the last listing
    bool creation_order = false;      // list newest first, as CPython does
    uint64_t created = 0;
    int64_t listed_states = 0;  // thread states read by listings
    bool gil_known = false;     // read_gil found the GIL
    python::GilState gil{};
};
FakeState* g_fake = nullptr;

constexpr StackId kPseudoBase = 1000;

// The Python threads as the interpreter lists them: by TID, or newest first.
std::vector<python::ThreadRef> fake_thread_list()
{
    std::vector<std::pair<uint64_t, python::ThreadRef>> listed;
    for (const auto& [tid, thread] : g_fake->threads) {
        if (thread.python) {
            const long shown = thread.listed_tid != 0 ? thread.listed_tid : tid;
            listed.push_back({g_fake->creation_order ? ~thread.created : listed.size(),
                              python::ThreadRef{thread.tstate, shown, thread.top_frame}});
        }
    }
    std::stable_sort(listed.begin(), listed.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<python::ThreadRef> refs;
    for (const auto& entry : listed) {
        refs.push_back(entry.second);
    }
    return refs;
}

long fake_list_threads(python::ThreadRef* out, size_t max)
{
    size_t n = 0;
    for (const python::ThreadRef& ref : fake_thread_list()) {
        if (n < max) {
            out[n++] = ref;
        }
    }
    g_fake->listed_states += static_cast<int64_t>(n);
    g_fake->listed_once = true;
    g_fake->listed_python.clear();
    for (size_t i = 0; i < n; ++i) {
        g_fake->listed_python.insert(static_cast<int32_t>(out[i].native_tid));
    }
    return static_cast<long>(n);
}

// As python::thread_list_delta: a thread the last listing did not show is a new head (1);
// fewer threads, and none new, is threads that ended (-1, told once).
int fake_list_delta()
{
    std::set<int32_t> now;
    for (const auto& [tid, thread] : g_fake->threads) {
        if (thread.python) {
            now.insert(tid);
        }
    }
    if (!g_fake->listed_once) {
        return 1;
    }
    for (int32_t tid : now) {
        if (g_fake->listed_python.count(tid) == 0) {
            return 1;
        }
    }
    if (now.size() < g_fake->listed_python.size()) {
        g_fake->listed_python = now;
        return -1;
    }
    return 0;
}

long fake_list_threads_since(python::ThreadRef* out, size_t max, uintptr_t stop_at)
{
    size_t n = 0;
    for (const python::ThreadRef& ref : fake_thread_list()) {
        if (ref.tstate == stop_at) {
            for (size_t i = 0; i < n; ++i) {
                g_fake->listed_python.insert(static_cast<int32_t>(out[i].native_tid));
            }
            return static_cast<long>(n);
        }
        if (n == max) {
            return -1;
        }
        ++g_fake->listed_states;
        out[n++] = ref;
    }
    return -1;
}

long fake_read(const python::ThreadRef& ref, python::RawFrame* out, size_t)
{
    ++g_fake->reads;
    auto& thread = g_fake->threads.at(static_cast<int32_t>(ref.native_tid));
    if (thread.failing_reads > 0) {
        --thread.failing_reads;
        return -1;
    }
    out[0] = python::RawFrame{&g_fake->codes[thread.code], 10};
    return 1;
}

StackId fake_intern_stack(const python::RawFrame* frames, size_t count, PseudoFrame root)
{
    REQUIRE(count == 1);
    REQUIRE(static_cast<uint32_t>(root) == 0);
    return g_fake->table_full ? 0 : static_cast<StackId>(frames[0].code - g_fake->codes);
}

StackId fake_intern_pseudo(PseudoFrame frame)
{
    return g_fake->table_full ? 0 : kPseudoBase + static_cast<StackId>(frame);
}

void fake_add_time(StackId stack, uint64_t cpu_us, uint64_t wait_us)
{
    g_fake->charged[stack].cpu_us += cpu_us;
    g_fake->charged[stack].wait_us += wait_us;
}

long fake_list_tasks(int32_t* out, size_t max)
{
    size_t n = 0;
    for (const auto& entry : g_fake->threads) {
        if (n < max) {
            out[n++] = entry.first;
        }
    }
    return static_cast<long>(n);
}

int64_t fake_cpu(int32_t tid)
{
    ++g_fake->cpu_reads;
    const auto it = g_fake->threads.find(tid);
    return it == g_fake->threads.end() ? -1 : it->second.cpu_ns;
}

int64_t fake_runq(int32_t tid)
{
    ++g_fake->runq_reads;
    const auto it = g_fake->threads.find(tid);
    return it == g_fake->threads.end() ? -1 : it->second.runq_ns;
}

const Backend kFakeBackend{[] { return g_fake->readable; },
                           fake_list_threads,
                           fake_read,
                           fake_intern_stack,
                           fake_intern_pseudo,
                           fake_add_time,
                           fake_list_tasks,
                           fake_cpu,
                           [] { return g_fake->now; }};

int64_t fake_process_cpu()
{
    int64_t total = g_fake->ended_cpu;
    for (const auto& entry : g_fake->threads) {
        total += entry.second.cpu_ns;
    }
    return total;
}

bool fake_gil(python::GilState& out)
{
    out = g_fake->gil;
    return g_fake->gil_known;
}

// The backend with a process CPU clock: the CPU ledger is on.
Backend ledger_backend()
{
    Backend backend = kFakeBackend;
    backend.process_cpu_ns = fake_process_cpu;
    backend.thread_list_delta = fake_list_delta;
    backend.gil_state = fake_gil;
    return backend;
}

constexpr int32_t kSamplerTid = 99;
constexpr int64_t kTick = 10'000'000;

struct World {
    explicit World(bool ledger = false)
        : python_slots(2 * Ticker::kMaxPythonThreads), native_slots(2 * Ticker::kMaxTasks),
          refs(Ticker::kMaxPythonThreads), tids(Ticker::kMaxTasks), frames(Ticker::kMaxFrames)
    {
        g_fake = &state;
        ticker.init_with(
            ledger ? ledger_backend() : kFakeBackend,
            {python_slots.data(), native_slots.data(), refs.data(), tids.data(), frames.data()},
            kSamplerTid, state.now);
    }
    ~World() { g_fake = nullptr; }

    FakeThread& python_thread(int32_t tid, uintptr_t top_frame = 0x1000, uint32_t code = 1)
    {
        FakeThread& thread = state.threads[tid];
        thread.created = ++state.created;
        thread.tstate = 0x7000 + static_cast<uintptr_t>(tid);
        thread.top_frame = top_frame;
        thread.code = code;
        return thread;
    }

    // Threads listed newest first, as CPython does, and the new ones read alone.
    void list_new_threads_alone()
    {
        state.creation_order = true;
        Backend backend = ledger_backend();
        backend.list_threads_since = fake_list_threads_since;
        ticker.init_with(
            backend,
            {python_slots.data(), native_slots.data(), refs.data(), tids.data(), frames.data()},
            kSamplerTid, state.now);
    }

    // The GIL changes hands (to a thread that takes it for the first time, or back).
    void take_gil(int32_t tid)
    {
        state.gil_known = true;
        const uintptr_t tstate = state.threads.at(tid).tstate;
        state.gil.switch_number += state.gil.last_holder != tstate ? 1 : 0;
        state.gil.last_holder = tstate;
        state.gil.locked = true;
    }

    // Advances time by one tick; `busy` threads use all of it as CPU.
    const char* tick(std::initializer_list<int32_t> busy = {})
    {
        state.now += kTick;
        for (int32_t tid : busy) {
            state.threads[tid].cpu_ns += kTick;
        }
        return ticker.tick();
    }

    // A thread ends, having used `last_cpu_ns` more since the previous tick.
    void end_thread(int32_t tid, int64_t last_cpu_ns = 0)
    {
        state.ended_cpu += state.threads[tid].cpu_ns + last_cpu_ns;
        state.threads.erase(tid);
    }

    Charged charged(StackId stack) { return state.charged[stack]; }
    Charged pseudo(PseudoFrame frame) { return charged(kPseudoBase + static_cast<StackId>(frame)); }

    FakeState state;
    std::vector<ThreadSlot> python_slots;
    std::vector<ThreadSlot> native_slots;
    std::vector<python::ThreadRef> refs;
    std::vector<int32_t> tids;
    std::vector<python::RawFrame> frames;
    Ticker ticker;
};

}  // namespace

TEST_CASE("tick: a computing thread is charged CPU, a sleeping one waiting", "[sampler]")
{
    World world;
    world.python_thread(1, 0x1000, 1);
    world.python_thread(2, 0x2000, 2);
    for (int i = 0; i < 200; ++i) {
        REQUIRE(world.tick({1}) == nullptr);
    }
    CHECK(world.charged(1).cpu_us == 200 * 10'000);
    CHECK(world.charged(1).wait_us == 0);
    CHECK(world.charged(2).cpu_us == 0);
    CHECK(world.charged(2).wait_us == 200 * 10'000);
    CHECK(world.ticker.counters().samples == 400);
}

TEST_CASE("tick: a thread whose CPU clock did not move keeps its cached stack", "[sampler]")
{
    World world;
    world.python_thread(1);
    for (int i = 0; i < 50; ++i) {
        world.tick();
    }
    CHECK(world.state.reads == 1);
    CHECK(world.ticker.counters().cached == 49);
    world.tick({1});  // it ran: read again
    CHECK(world.state.reads == 2);
    world.state.threads[1].top_frame = 0x3000;  // a new frame without CPU cannot happen, but
    world.tick();                               // the cache is keyed by it all the same
    CHECK(world.state.reads == 3);
}

TEST_CASE("tick: a torn read is retried once, then charged to the unreadable stack", "[sampler]")
{
    World world;
    world.python_thread(1).failing_reads = 1;
    world.tick({1});
    CHECK(world.ticker.counters().failed_reads == 0);
    CHECK(world.charged(1).cpu_us == 10'000);

    world.state.threads[1].failing_reads = 2;
    world.tick({1});
    CHECK(world.ticker.counters().failed_reads == 1);
    CHECK(world.pseudo(PseudoFrame::SamplerError).cpu_us == 10'000);
    CHECK(world.ticker.counters().samples == 2);
}

TEST_CASE("tick: reads that keep failing stop time profiling", "[sampler]")
{
    World world;
    world.python_thread(1).failing_reads = 1'000'000;
    const char* reason = nullptr;
    int ticks = 0;
    while (reason == nullptr && ticks < 1000) {
        reason = world.tick({1});
        ++ticks;
    }
    CHECK(reason == stop_reason::kReadFailures);
    CHECK(ticks == 20);
    // Every sampled interval was still charged, to [unreadable stack].
    CHECK(world.pseudo(PseudoFrame::SamplerError).cpu_us == 20 * 10'000);
}

TEST_CASE("tick: occasional failures among many good reads do not stop it", "[sampler]")
{
    World world;
    world.python_thread(1);
    for (int i = 0; i < 3000; ++i) {
        world.state.threads[1].failing_reads = i % 5 == 0 ? 2 : 0;  // 20% fail for good
        REQUIRE(world.tick({1}) == nullptr);
    }
    CHECK(world.ticker.counters().failed_reads == 600);
}

TEST_CASE("tick: a thread with no Python frame is charged to the no-Python-frame stack",
          "[sampler]")
{
    World world;
    world.python_thread(1, 0);
    world.tick({1});
    CHECK(world.pseudo(PseudoFrame::NoPythonFrame).cpu_us == 10'000);
    CHECK(world.state.reads == 0);
}

TEST_CASE("tick: a TID charged once per tick even when two thread states claim it", "[sampler]")
{
    World world;
    world.python_thread(1, 0x1000, 1);
    world.tick({1});
    // 3.11: a thread state preallocated by threading.Thread.start() carries its creator's TID
    // until the new thread runs. Listed first (the newest), it must not take the sample.
    python::ThreadRef refs[2] = {{0x9999, 1, 0}, {world.state.threads[1].tstate, 1, 0x1000}};
    static python::ThreadRef* s_refs = refs;
    Backend backend = kFakeBackend;
    backend.list_threads = [](python::ThreadRef* out, size_t) -> long {
        out[0] = s_refs[0];
        out[1] = s_refs[1];
        return 2;
    };
    world.ticker.init_with(backend,
                           {world.python_slots.data(), world.native_slots.data(), world.refs.data(),
                            world.tids.data(), world.frames.data()},
                           kSamplerTid, world.state.now);
    world.state.charged.clear();
    for (int i = 0; i < 10; ++i) {
        world.tick({1});
    }
    CHECK(world.charged(1).cpu_us == 10 * 10'000);
    CHECK(world.pseudo(PseudoFrame::NoPythonFrame).cpu_us == 0);
    CHECK(world.pseudo(PseudoFrame::NoPythonFrame).wait_us == 0);
}

TEST_CASE("tick: a thread that ended is forgotten, and its TID reused starts afresh", "[sampler]")
{
    World world;
    world.python_thread(1, 0x1000, 1);
    world.tick({1});
    world.state.threads.erase(1);
    world.tick();
    // The kernel gives TID 1 to a new thread with a new thread state and its own CPU clock.
    FakeThread& reborn = world.python_thread(1, 0x5000, 2);
    reborn.tstate = 0xabcd;
    reborn.cpu_ns = 4'000'000;
    world.tick();
    CHECK(world.charged(2).cpu_us == 4'000);  // its own CPU, not a delta from the old thread
    CHECK(world.charged(2).wait_us == 0);     // it lived at least that long, maybe no longer
}

TEST_CASE("tick: a thread started between ticks is charged from its start at the earliest",
          "[sampler]")
{
    World world;
    world.ticker.set_run_queue_source(fake_runq);
    world.python_thread(1);
    world.tick();
    // Started 3 ms before this tick: 2 ms on a core and 1 ms waiting for one.
    FakeThread& born = world.python_thread(2, 0x2000, 2);
    born.cpu_ns = 2'000'000;
    born.runq_ns = 1'000'000;
    world.tick();
    CHECK(world.charged(2).cpu_us == 3'000);
    CHECK(world.charged(2).wait_us == 0);
    world.tick();  // then it sleeps
    CHECK(world.charged(2).wait_us == 10'000);
}

TEST_CASE("tick: totals stay equal to wall time per thread under churn of short threads",
          "[sampler]")
{
    World world;
    int32_t next_tid = 100;
    std::vector<int32_t> alive;
    int64_t thread_ticks = 0;
    for (int tick = 0; tick < 3000; ++tick) {
        if (tick % 4 == 0 && !alive.empty()) {
            world.state.threads.erase(alive.front());
            alive.erase(alive.begin());
        }
        const int32_t first_new = next_tid;
        while (alive.size() < 64) {
            alive.push_back(next_tid);
            FakeThread& thread = world.python_thread(next_tid, 0x1000, 1 + next_tid % 8);
            thread.cpu_ns = 0;
            ++next_tid;
        }
        world.state.now += kTick;
        for (int32_t tid : alive) {
            // A new thread computes its first interval whole: it lived all of it (a sampler
            // knows a new thread lived only as long as it computed).
            const bool busy = tid % 2 == 0 || tid >= first_new;
            world.state.threads[tid].cpu_ns += busy ? kTick : kTick / 4;
        }
        REQUIRE(world.ticker.tick() == nullptr);
        thread_ticks += static_cast<int64_t>(alive.size());
    }
    uint64_t total_us = 0;
    for (const auto& [stack, charged] : world.state.charged) {
        total_us += charged.cpu_us + charged.wait_us;
    }
    CHECK(total_us == static_cast<uint64_t>(thread_ticks) * 10'000);
    CHECK(world.ticker.counters().dropped_threads == 0);
}

TEST_CASE("tick: native threads are charged their CPU, idle ones nothing", "[sampler]")
{
    World world;
    world.python_thread(1);
    world.state.threads[50].python = false;  // a BLAS worker, computing
    world.state.threads[51].python = false;  // an idle pool thread
    world.state.threads[kSamplerTid].python = false;
    for (int i = 0; i < 100; ++i) {
        world.state.threads[kSamplerTid].cpu_ns += 100'000;
        world.tick({1, 50});
    }
    const Charged native = world.pseudo(PseudoFrame::NativeThread);
    // Scans every 10 ticks; the first scan covers the time since start.
    CHECK(native.cpu_us == 100 * 10'000);
    CHECK(native.wait_us == 0);
    CHECK(world.charged(1).cpu_us == 100 * 10'000);  // the Python thread is not counted twice
    CHECK(world.ticker.counters().native_charges == 10);
}

TEST_CASE("tick: before the layout check only native CPU is charged", "[sampler]")
{
    World world;
    world.state.readable = false;
    world.python_thread(1);
    for (int i = 0; i < 10; ++i) {
        world.tick({1});
    }
    CHECK(world.state.reads == 0);
    CHECK(world.pseudo(PseudoFrame::NativeThread).cpu_us == 10 * 10'000);
}

TEST_CASE("tick: a full stack table stops time profiling", "[sampler]")
{
    World world;
    world.python_thread(1);
    world.state.table_full = true;
    CHECK(world.tick({1}) == stop_reason::kTableFull);
}

TEST_CASE("tick: threads first seen after the layout check are charged one interval", "[sampler]")
{
    World world;
    world.state.readable = false;
    world.python_thread(1);
    for (int i = 0; i < 5; ++i) {
        world.tick({1});  // interpreter start-up: before the bootstrap's check
    }
    world.state.readable = true;
    world.state.charged.clear();
    world.tick({1});
    CHECK(world.charged(1).cpu_us == 10'000);
    CHECK(world.charged(1).wait_us == 0);
}

TEST_CASE("tick: the thread list is not read again while every Python thread waits", "[sampler]")
{
    World world;
    world.python_thread(1);
    world.python_thread(2, 0);
    world.tick();
    world.tick();  // nothing ran in the first interval: from here on the list is reused
    const uint64_t before = world.ticker.counters().listings;
    for (int i = 0; i < 30; ++i) {
        world.tick();
    }
    CHECK(world.ticker.counters().listings - before <= 3);  // once per kTicksPerListing
    CHECK(world.charged(1).wait_us == 32 * 10'000);
    CHECK(world.pseudo(PseudoFrame::NoPythonFrame).wait_us == 32 * 10'000);

    // Thread 2 runs and enters Python while the old list (top frame 0) is reused: its stack is
    // read, not taken for an idle thread state; the next tick lists again.
    world.state.threads[2].top_frame = 0x4000;
    world.state.threads[2].code = 3;
    const uint64_t listed = world.ticker.counters().listings;
    world.tick({2});
    world.tick({2});
    CHECK(world.charged(3).cpu_us == 20'000);
    CHECK(world.ticker.counters().listings >= listed + 1);
}

TEST_CASE("tick: a new thread started by a running thread is seen on the next tick", "[sampler]")
{
    World world;
    world.python_thread(1);
    world.tick({1});
    world.tick({1});
    world.python_thread(2, 0x2000, 2);
    world.tick({1, 2});
    CHECK(world.charged(2).cpu_us == 10'000);
}

TEST_CASE("tick: a thread preempted part of every interval is all CPU", "[sampler]")
{
    World world;
    world.ticker.set_run_queue_source(fake_runq);
    FakeThread& thread = world.python_thread(1, 0x1000, 1);
    world.python_thread(2, 0x2000, 2);  // sleeps
    for (int i = 0; i < 100; ++i) {
        world.state.now += kTick;
        thread.cpu_ns += 6'000'000;
        thread.runq_ns += 4'000'000;  // runnable, waiting for a core
        REQUIRE(world.ticker.tick() == nullptr);
    }
    CHECK(world.charged(1).cpu_us == 100 * 10'000);
    CHECK(world.charged(1).wait_us == 0);
    CHECK(world.charged(2).cpu_us == 0);
    CHECK(world.charged(2).wait_us == 100 * 10'000);
}

TEST_CASE("tick: a wait for a core that spans a sample is charged as CPU later", "[sampler]")
{
    World world;
    world.ticker.set_run_queue_source(fake_runq);
    FakeThread& thread = world.python_thread(1, 0x1000, 1);
    world.tick({1});
    // Every third interval it gets no core at all: its CPU clock stands still and the kernel
    // adds the wait only when it runs again, during the next interval, full of CPU itself.
    for (int i = 0; i < 30; ++i) {
        world.tick();
        thread.runq_ns += kTick;
        world.tick({1});
        world.tick({1});
    }
    const Charged charged = world.charged(1);
    CHECK(charged.cpu_us + charged.wait_us == 91 * 10'000);
    // Each wait is charged at the next one: only the last is still carried.
    CHECK(charged.wait_us == 10'000);
}

TEST_CASE("tick: a blocked thread's schedstat is not read", "[sampler]")
{
    World world;
    world.ticker.set_run_queue_source(fake_runq);
    world.python_thread(1);
    world.tick({1});  // ran: read
    // Ran at its previous read: read once more (a tick later, as that read found no wait for
    // a core), then never while it waits.
    for (int i = 0; i < 50; ++i) {
        world.tick();
    }
    CHECK(world.state.runq_reads == 2);
    CHECK(world.charged(1).wait_us == 50 * 10'000);
}

TEST_CASE("tick: a thread's run-queue history before its first sample is not carried", "[sampler]")
{
    World world;
    world.ticker.set_run_queue_source(fake_runq);
    FakeThread& thread = world.python_thread(1);
    thread.runq_ns = 500'000'000;  // waited long for a core before the sampler saw it
    world.tick({1});
    world.tick();
    world.tick();
    CHECK(world.charged(1).cpu_us == 10'000);
    CHECK(world.charged(1).wait_us == 20'000);
}

TEST_CASE("tick: a long wait for a core is charged as CPU in the intervals after it", "[sampler]")
{
    World world;
    world.ticker.set_run_queue_source(fake_runq);
    FakeThread& thread = world.python_thread(1);
    world.tick({1});
    // On a machine loaded many times over: 1 ms on a core, then 49 ms on a run queue.
    for (int cycle = 0; cycle < 20; ++cycle) {
        for (int i = 0; i < 5; ++i) {
            world.state.now += kTick;
            if (i == 0) {
                thread.cpu_ns += 1'000'000;
                thread.runq_ns += 49'000'000;  // the wait that ended just now
            }
            world.ticker.tick();
        }
    }
    const Charged charged = world.charged(1);
    CHECK(charged.cpu_us + charged.wait_us == 101 * 10'000);
    // Only the first cycle's wait was charged as waiting: the kernel reported it late.
    CHECK(charged.wait_us <= 50'000);
    CHECK(world.state.runq_reads < 2 * 20 + 3);
}

TEST_CASE("tick: reads that find no wait for a core back off, one that finds some does not",
          "[sampler]")
{
    World world;
    world.ticker.set_run_queue_source(fake_runq);
    FakeThread& thread = world.python_thread(1);
    // Runs a quarter of every interval and waits on the GIL the rest: reads thin out.
    for (int i = 0; i < 80; ++i) {
        world.state.now += kTick;
        thread.cpu_ns += kTick / 4;
        world.ticker.tick();
    }
    CHECK(world.state.runq_reads < 20);
    CHECK(world.charged(1).cpu_us == 80 * 2'500);
    // The machine gets loaded: it waits for a core half of every interval.
    world.state.charged.clear();
    const int before = world.state.runq_reads;
    for (int i = 0; i < 80; ++i) {
        world.state.now += kTick;
        thread.cpu_ns += kTick / 4;
        thread.runq_ns += kTick / 2;
        world.ticker.tick();
    }
    CHECK(world.state.runq_reads - before >= 70);
    // At most 7 intervals' wait for a core were charged as waiting before reads caught up.
    CHECK(world.charged(1).cpu_us >= 73 * 7'500);
}

// The CPU ledger (tick.cpp): quiet threads read rarely, woken by CPU nobody read accounts for.

TEST_CASE("ledger: a thousand waiting threads cost a few clock reads a tick", "[sampler]")
{
    World world(true);
    for (int32_t tid = 1000; tid < 2000; ++tid) {
        world.python_thread(tid, 0x1000, 1);  // blocked all along
    }
    for (int32_t tid = 1; tid <= 8; ++tid) {
        world.python_thread(tid, 0x2000, 2);
    }
    const std::initializer_list<int32_t> busy = {1, 2, 3, 4, 5, 6, 7, 8};
    constexpr int kTicks = 2000;
    for (int i = 0; i < 500; ++i) {
        REQUIRE(world.tick(busy) == nullptr);
    }
    const int64_t reads_before = world.state.cpu_reads;
    for (int i = 500; i < kTicks; ++i) {
        REQUIRE(world.tick(busy) == nullptr);
    }
    // 8 busy threads, the sampler's own clock, a thousand quiet ones every 256 ticks.
    const double per_tick = static_cast<double>(world.state.cpu_reads - reads_before) / 1500;
    CHECK(per_tick < 8 + 1 + 1000.0 / 128);
    CHECK(world.ticker.counters().wakes == 0);
    world.ticker.final_tick();
    // Every thread's whole life is charged, the quiet ones' waiting in bulk.
    CHECK(world.charged(1).wait_us == 1000ull * kTicks * 10'000);
    CHECK(world.charged(2).cpu_us == 8ull * kTicks * 10'000);
    CHECK(world.charged(2).wait_us == 0);
}

TEST_CASE("ledger: a quiet thread that starts computing is read at the next tick", "[sampler]")
{
    World world(true);
    for (int32_t tid = 100; tid < 130; ++tid) {
        world.python_thread(tid, 0x3000, 3);
    }
    FakeThread& thread = world.python_thread(120, 0x1000, 1);  // in the middle of the list
    for (int i = 0; i < 600; ++i) {
        world.tick();  // long enough to be read only every 256 ticks
    }
    // It wakes up in another function and computes from the middle of an interval on.
    thread.code = 2;
    thread.top_frame = 0x2000;
    world.state.now += kTick;
    thread.cpu_ns += kTick / 2;
    world.ticker.tick();
    CHECK(world.ticker.counters().wakes == 1);
    for (int i = 0; i < 9; ++i) {
        world.tick({120});
    }
    // Its waiting up to the last tick before it ran stays with the stack it waited at; the
    // interval in which it woke is charged to the stack it computes in.
    CHECK(world.charged(1).cpu_us == 0);
    CHECK(world.charged(1).wait_us == 600 * 10'000);
    CHECK(world.charged(2).cpu_us == 9 * 10'000 + 5'000);
    CHECK(world.charged(2).wait_us == 5'000);
}

TEST_CASE("ledger: among many threads a woken one is found within a bounded delay", "[sampler]")
{
    World world(true);
    for (int32_t tid = 1000; tid < 1400; ++tid) {
        world.python_thread(tid, 0x3000, 3);
    }
    FakeThread& thread = world.python_thread(1390, 0x1000, 1);  // near the end of the list
    for (int i = 0; i < 600; ++i) {
        world.tick();
    }
    thread.code = 2;
    thread.top_frame = 0x2000;
    int ticks = 0;
    while (world.charged(2).cpu_us == 0 && ticks < 100) {
        world.tick({1390});
        ++ticks;
    }
    // The process clock is read every 401 / 32 ticks; a wake reads 16 quiet threads a tick.
    CHECK(ticks <= 400 / 32 + 400 / 16 + 2);
    for (int i = 0; i < 10; ++i) {
        world.tick({1390});
    }
    world.ticker.final_tick();
    // Its CPU is all there, on the stack it computes in; of its waiting, what came before the
    // last tick that accounted for every thread's CPU stays with the stack it waited at.
    CHECK(world.charged(1).cpu_us == 0);
    CHECK(world.charged(2).cpu_us == static_cast<uint64_t>(ticks + 10) * 10'000);
    CHECK(world.charged(1).wait_us >= (600 - 400 / 32) * 10'000);
    CHECK(world.charged(1).wait_us + world.charged(2).wait_us == 600 * 10'000);
}

TEST_CASE("ledger: GIL round robin among 64 threads reads a fraction of them", "[sampler]")
{
    World world(true);
    for (int32_t tid = 1; tid <= 64; ++tid) {
        world.python_thread(tid, 0x1000, 1);
    }
    constexpr int kTicks = 3200;
    int64_t reads_after_warmup = 0;
    for (int i = 0; i < kTicks; ++i) {
        if (i == 640) {
            reads_after_warmup = world.state.cpu_reads;
        }
        // One thread holds the GIL per interval, in turn; the others wait for it, blocked.
        REQUIRE(world.tick({static_cast<int32_t>(1 + i % 64)}) == nullptr);
    }
    const double per_tick =
        static_cast<double>(world.state.cpu_reads - reads_after_warmup) / (kTicks - 640);
    CHECK(per_tick < 10);  // 64 every tick without the ledger
    world.ticker.final_tick();
    const Charged charged = world.charged(1);
    CHECK(charged.cpu_us == static_cast<uint64_t>(kTicks) * 10'000);
    CHECK(charged.cpu_us + charged.wait_us == 64ull * kTicks * 10'000);
}

TEST_CASE("ledger: a busy native thread does not wake the quiet Python threads", "[sampler]")
{
    World world(true);
    for (int32_t tid = 1000; tid < 1500; ++tid) {
        world.python_thread(tid, 0x1000, 1);
    }
    world.state.threads[50].python = false;  // a BLAS worker computing all along
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(world.tick({50}) == nullptr);
    }
    CHECK(world.ticker.counters().wakes <= 2);
    world.ticker.final_tick();
    CHECK(world.pseudo(PseudoFrame::NativeThread).cpu_us == 1000 * 10'000);
    CHECK(world.charged(1).wait_us == 500ull * 1000 * 10'000);
}

TEST_CASE("ledger: a quiet native thread that starts computing is found by a scan", "[sampler]")
{
    World world(true);
    world.python_thread(1, 0x1000, 1);
    world.state.threads[50].python = false;  // idle at first
    for (int i = 0; i < 100; ++i) {
        world.tick();
    }
    for (int i = 0; i < 20; ++i) {
        world.tick({50});
    }
    // Found at the first tick of its computing, then read every tick.
    CHECK(world.pseudo(PseudoFrame::NativeThread).cpu_us == 20 * 10'000);
}

TEST_CASE("ledger: a quiet thread that ends keeps its waiting up to the tick before", "[sampler]")
{
    World world(true);
    world.python_thread(1, 0x1000, 1);
    world.python_thread(2, 0x2000, 2);
    for (int i = 0; i < 300; ++i) {
        world.tick({2});
    }
    world.state.now += kTick;
    world.end_thread(1, 200'000);  // woke up and returned
    world.state.threads[2].cpu_ns += kTick;
    world.ticker.tick();
    CHECK(world.charged(1).wait_us == 300 * 10'000);
    // Its last CPU is nobody's to explain: the ledger starts again instead of waking for ever.
    const uint64_t wakes = world.ticker.counters().wakes;
    for (int i = 0; i < 50; ++i) {
        world.tick({2});
    }
    CHECK(world.ticker.counters().wakes == wakes);
}

TEST_CASE("ledger: totals stay equal to wall time per thread under churn", "[sampler]")
{
    World world(true);
    int32_t next_tid = 100;
    std::vector<int32_t> alive;
    for (int tick = 0; tick < 2000; ++tick) {
        while (alive.size() < 32) {
            alive.push_back(next_tid);
            world.python_thread(next_tid, 0x1000, 1 + next_tid % 8).cpu_ns = 0;
            ++next_tid;
        }
        world.state.now += kTick;
        for (int32_t tid : alive) {
            // A few compute, most wait, some in short bursts.
            if (tid % 5 == 0 || (tid % 3 == 0 && tick % 40 == 0)) {
                world.state.threads[tid].cpu_ns += kTick;
            }
        }
        if (tick % 7 == 0) {
            // It ends at the end of the interval: what it computed since its last read is
            // found in the ledger.
            world.end_thread(alive.front());
            alive.erase(alive.begin());
        }
        REQUIRE(world.ticker.tick() == nullptr);
    }
    world.ticker.final_tick();
    uint64_t cpu_us = 0;
    for (const auto& [stack, charged] : world.state.charged) {
        cpu_us += charged.cpu_us;
    }
    int64_t cpu_ns = 0;
    for (const auto& [tid, thread] : world.state.threads) {
        cpu_ns += thread.cpu_ns;
    }
    cpu_ns += world.state.ended_cpu;
    // The ledger hands what is left at its reading to the threads that ended computing: a
    // quiet thread's CPU not read yet can go to them instead, and a quiet thread that ends
    // before its next read takes its CPU with it. Within 0.2% either way.
    const double ratio = static_cast<double>(cpu_us) * 1000 / static_cast<double>(cpu_ns);
    CHECK(ratio > 0.998);
    CHECK(ratio < 1.002);
}

TEST_CASE("ledger: a thread listed late is not charged twice", "[sampler]")
{
    World world(true);
    for (int32_t tid = 1000; tid < 1300; ++tid) {
        world.python_thread(tid, 0x1000, 1);  // listings come one every 300 / 64 ticks
    }
    for (int i = 0; i < 300; ++i) {
        world.tick();
    }
    // A thread computes without a Python state (read as a native thread), then gains one, as
    // a thread a native library made calls into Python (PyGILState_Ensure), or one read before
    // the listing that shows it.
    world.state.threads[5000].python = false;
    for (int i = 0; i < 20; ++i) {
        world.tick({5000});
    }
    world.python_thread(5000, 0x2000, 2).python = true;
    for (int i = 0; i < 20; ++i) {
        world.tick({5000});
    }
    world.ticker.final_tick();
    uint64_t cpu_us = 0;
    for (const auto& [stack, charged] : world.state.charged) {
        cpu_us += charged.cpu_us;
    }
    CHECK(cpu_us == 40 * 10'000);
    CHECK(world.charged(2).cpu_us + world.pseudo(PseudoFrame::NativeThread).cpu_us == 40 * 10'000);
}

TEST_CASE("ledger: with the GIL's holder known, 64 threads taking turns cost a few reads a tick",
          "[sampler]")
{
    World world(true);
    for (int32_t tid = 1; tid <= 64; ++tid) {
        world.python_thread(tid, 0x1000 * static_cast<uintptr_t>(tid), 1 + tid % 8);
    }
    constexpr int kTicks = 3200;
    int64_t reads_after_warmup = 0;
    uint64_t stack_reads_after_warmup = 0;
    for (int i = 0; i < kTicks; ++i) {
        if (i == 640) {
            reads_after_warmup = world.state.cpu_reads;
            stack_reads_after_warmup = world.ticker.counters().stack_reads;
        }
        // One thread holds the GIL per interval, in turn, and still holds it at the tick.
        const auto holder = static_cast<int32_t>(1 + i % 64);
        world.take_gil(holder);
        REQUIRE(world.tick({holder}) == nullptr);
    }
    const double per_tick =
        static_cast<double>(world.state.cpu_reads - reads_after_warmup) / (kTicks - 640);
    // The holder, the one before it, the sampler's own clock; a quiet thread now and then.
    CHECK(per_tick < 4);
    CHECK(world.ticker.counters().wakes < kTicks / 100);
    const double stack_reads_per_tick =
        static_cast<double>(world.ticker.counters().stack_reads - stack_reads_after_warmup) /
        (kTicks - 640);
    CHECK(stack_reads_per_tick < 2.5);
    world.ticker.final_tick();
    // Every interval's CPU on the stack of the thread that held the GIL in it.
    for (uint32_t code = 1; code <= 8; ++code) {
        CHECK(world.charged(code).cpu_us == 8ull * kTicks / 64 * 10'000);
        CHECK(world.charged(code).cpu_us + world.charged(code).wait_us == 8ull * kTicks * 10'000);
    }
}

TEST_CASE("ledger: a thread that last held the GIL and now sleeps is not read every tick",
          "[sampler]")
{
    World world(true);
    world.python_thread(1, 0x1000, 1);
    world.take_gil(1);
    world.state.gil.locked = false;  // it released the GIL to sleep, and nobody took it
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(world.tick() == nullptr);
    }
    // Its own backoff alone: 1, 3, 7... up to 256 ticks apart.
    CHECK(world.ticker.counters().gil_reads == 0);
    CHECK(world.state.cpu_reads < 1000 + 20);  // the sampler's own clock every tick
}

TEST_CASE("ledger: threads starting one by one are listed as they come, not all every time",
          "[sampler]")
{
    World world(true);
    world.list_new_threads_alone();
    world.python_thread(1, 0x1000, 1);  // the main thread, starting the others
    for (int32_t tid = 100; tid < 1100; ++tid) {
        world.python_thread(tid, 0x2000, 2);
        REQUIRE(world.tick({1}) == nullptr);
    }
    for (int i = 0; i < 100; ++i) {
        REQUIRE(world.tick({1}) == nullptr);
    }
    // About one read per new thread state, and the periodic whole listings (one per 250
    // ticks at the end, more often while the list was short).
    CHECK(world.ticker.counters().partial_listings > 900);
    CHECK(world.state.listed_states < 1100 + 6000);
    world.ticker.final_tick();
    // Each thread waited from the tick it was first seen at, give or take the interval it
    // was started in; nothing is lost.
    CHECK(world.charged(1).cpu_us == 1100 * 10'000);
    const uint64_t intervals = world.charged(2).wait_us / 10'000;
    CHECK(intervals >= 1000ull * 100 + 1000ull * 999 / 2);
    CHECK(intervals <= 1000ull * 100 + 1000ull * 1001 / 2);
}

TEST_CASE("ledger: a thread listed before it ran is read again until its TID is its own",
          "[sampler]")
{
    World world(true);
    world.list_new_threads_alone();
    world.python_thread(1, 0x1000, 1);
    world.python_thread(2, 0x2000, 2);
    for (int i = 0; i < 50; ++i) {
        world.tick({1});
    }
    // 3.11: the new thread state shows its creator's TID, and no frame, until its thread runs.
    FakeThread& started = world.python_thread(3, 0, 3);
    started.listed_tid = 1;
    for (int i = 0; i < 5; ++i) {
        world.tick({1});
    }
    started.listed_tid = 0;  // it runs
    started.top_frame = 0x3000;
    for (int i = 0; i < 20; ++i) {
        world.tick({1, 3});
    }
    CHECK(world.charged(3).cpu_us >= 19 * 10'000);
    CHECK(world.charged(1).cpu_us == 75 * 10'000);
}

TEST_CASE("ledger: threads ending one by one leave the listing without listing the others",
          "[sampler]")
{
    World world(true);
    world.state.creation_order = true;
    world.python_thread(1, 0x1000, 1);
    for (int32_t tid = 100; tid < 1100; ++tid) {
        world.python_thread(tid, 0x2000, 2);
    }
    for (int i = 0; i < 300; ++i) {
        REQUIRE(world.tick({1}) == nullptr);
    }
    const int64_t listed_before = world.state.listed_states;
    const uint64_t full_before = world.ticker.counters().listings;
    for (int32_t tid = 100; tid < 1100; ++tid) {
        world.state.now += kTick;
        world.state.threads[1].cpu_ns += kTick;
        world.end_thread(tid);  // joined at the end of the interval
        REQUIRE(world.ticker.tick() == nullptr);
    }
    // The periodic listing (every 250 ticks at most) and not one per few ticks of the join.
    CHECK(world.ticker.counters().listings - full_before <= 1000 / 10 / 4 + 4);
    CHECK(world.state.listed_states - listed_before < 20'000);
    world.ticker.final_tick();
    // Each waited until the tick before its end.
    const uint64_t intervals = world.charged(2).wait_us / 10'000;
    CHECK(intervals == 1000ull * 300 + 1000ull * 999 / 2);
    CHECK(world.charged(1).cpu_us == 1300 * 10'000);
}
