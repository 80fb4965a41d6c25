// Frame chains: our own thread's walker and the sampler's reader on fake frames and thread
// states, including the broken chains a racing reader meets.
#include "failpoints.h"
#include "python/frame_walk.h"
#include "python/python.h"
#include "test_python_fakes.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <sys/mman.h>

using namespace sciagraph::core;
using namespace sciagraph::core::python;
using sciagraph::core::python::fakes::fake_python;
using sciagraph::core::python::fakes::FakePython;

namespace {

struct Walked {
    WalkStatus status;
    std::vector<std::string> functions;
    std::vector<uint32_t> lines;
};

template <typename Reader>
Walked walk(uintptr_t top, size_t max = 64)
{
    Walked result;
    size_t count = 0;
    result.status = walk_frames<Reader>(
        kLayout311, top, max,
        [&](const WalkedFrame& f) {
            result.functions.emplace_back(f.entry->info.function);
            result.lines.push_back(f.line);
        },
        count);
    REQUIRE(count == result.functions.size());
    return result;
}

// main (line 1) → helper (line 10) → leaf (line 20), each running at some code unit.
struct Chain {
    uintptr_t root, middle, leaf;
};

Chain three_frames(FakePython& py)
{
    uintptr_t file = py.ascii("chain.py");
    uintptr_t main_code = py.code(py.ascii("main"), file, 1);
    uintptr_t helper_code = py.code(py.ascii("helper"), file, 10);
    uintptr_t leaf_code = py.code(py.ascii("leaf"), file, 20);
    Chain c{};
    c.root = py.frame(main_code, 0, 2);
    c.middle = py.frame(helper_code, c.root, 0);
    c.leaf = py.frame(leaf_code, c.middle, 7);
    return c;
}

}  // namespace

TEST_CASE("frame walk: a chain gives functions leaf first with their lines", "[python]")
{
    Chain c = three_frames(fake_python());
    for (const Walked& w : {walk<PlainReader>(c.leaf), walk<SafeReader>(c.leaf)}) {
        CHECK(w.status == WalkStatus::Ok);
        CHECK(w.functions == std::vector<std::string>{"leaf", "helper", "main"});
        CHECK(w.lines == std::vector<uint32_t>{28, 11, 4});
    }
}

TEST_CASE("frame walk: depth is capped at max", "[python]")
{
    Chain c = three_frames(fake_python());
    Walked w = walk<PlainReader>(c.leaf, 2);
    CHECK(w.status == WalkStatus::Ok);
    CHECK(w.functions == std::vector<std::string>{"leaf", "helper"});
}

TEST_CASE("frame walk: a cycle ends as a bad frame after bounded steps", "[python]")
{
    FakePython& py = fake_python();
    Chain c = three_frames(py);
    FakePython::put_at<uintptr_t>(c.root, kLayout311.frame_previous, c.leaf);
    Walked w = walk<PlainReader>(c.leaf, 10);
    CHECK(w.status == WalkStatus::Ok);  // the cap comes first
    CHECK(w.functions.size() == 10);

    uintptr_t code = py.code(py.ascii("self_loop"), py.ascii("loop.py"), 1);
    uintptr_t loop = py.frame(code, 0, 0);
    FakePython::put_at<uintptr_t>(loop, kLayout311.frame_previous, loop);
    CHECK(walk<PlainReader>(loop).status == WalkStatus::BadFrame);

    // Incomplete frames pointing at each other: skipped, so only the step bound stops them.
    uintptr_t prologue = py.code(py.ascii("prologue"), py.ascii("loop.py"), 1, 16, 4);
    uintptr_t a = py.frame(prologue, 0, 1);
    uintptr_t b = py.frame(prologue, a, 1);
    FakePython::put_at<uintptr_t>(a, kLayout311.frame_previous, b);
    Walked skipped = walk<SafeReader>(b, 8);
    CHECK(skipped.status == WalkStatus::BadFrame);
    CHECK(skipped.functions.empty());
}

TEST_CASE("frame walk: a code pointer that is not a code object stops the walk", "[python]")
{
    FakePython& py = fake_python();
    Chain c = three_frames(py);
    FakePython::put_at<uintptr_t>(c.root, kLayout311.frame_code, py.ascii("not code"));
    Walked w = walk<PlainReader>(c.leaf);
    CHECK(w.status == WalkStatus::BadFrame);
    CHECK(w.functions == std::vector<std::string>{"leaf", "helper"});
}

TEST_CASE("frame walk: an unmapped frame is a bad frame for the safe reader", "[python]")
{
    FakePython& py = fake_python();
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(page != MAP_FAILED);
    REQUIRE(munmap(page, 4096) == 0);
    Chain c = three_frames(py);
    FakePython::put_at<uintptr_t>(c.middle, kLayout311.frame_previous,
                                  reinterpret_cast<uintptr_t>(page));
    Walked w = walk<SafeReader>(c.leaf);
    CHECK(w.status == WalkStatus::BadFrame);
    CHECK(w.functions == std::vector<std::string>{"leaf", "helper"});
}

TEST_CASE("frame walk: incomplete frames are skipped unless a generator owns them", "[python]")
{
    FakePython& py = fake_python();
    uintptr_t file = py.ascii("gen.py");
    uintptr_t caller = py.frame(py.code(py.ascii("caller"), file, 1), 0, 3);
    // _co_firsttraceable = 2: a frame at unit 1 has not finished its prologue.
    uintptr_t starting = py.code(py.ascii("starting"), file, 50, 16, 2);
    uintptr_t incomplete = py.frame(starting, caller, 1);
    CHECK(walk<PlainReader>(incomplete).functions == std::vector<std::string>{"caller"});
    uintptr_t generator = py.frame(starting, caller, 1, kLayout311.frame_owned_by_generator);
    CHECK(walk<PlainReader>(generator).functions == std::vector<std::string>{"starting", "caller"});
    // A frame not started yet (prev_instr before the first instruction) shows its first line.
    uintptr_t fresh = py.frame(py.code(py.ascii("fresh"), file, 70), caller, -1,
                               kLayout311.frame_owned_by_generator);
    CHECK(walk<PlainReader>(fresh).lines == std::vector<uint32_t>{70, 5});
}

namespace {

// A fake runtime with one interpreter and the given threads, each (native tid, top frame).
struct FakeThreads {
    uintptr_t interp = 0;
    std::vector<uintptr_t> tstates;
};

FakeThreads install_threads(FakePython& py, const std::vector<std::pair<long, uintptr_t>>& threads)
{
    const Layout& l = kLayout311;
    FakeThreads result;
    result.interp = reinterpret_cast<uintptr_t>(py.object(64));
    FakePython::put_at<uintptr_t>(py.runtime(), l.runtime_interpreters_head, result.interp);
    uintptr_t previous = 0;
    for (auto [tid, top] : threads) {
        auto tstate = reinterpret_cast<uintptr_t>(py.object(l.tstate_size));
        auto cframe = reinterpret_cast<uintptr_t>(py.object(16));
        FakePython::put_at<uintptr_t>(cframe, l.current_frame, top);
        FakePython::put_at<uintptr_t>(tstate, l.tstate_interp, result.interp);
        FakePython::put_at<uintptr_t>(tstate, l.tstate_cframe, cframe);
        FakePython::put_at<long>(tstate, l.tstate_native_thread_id, tid);
        if (previous != 0) {
            FakePython::put_at<uintptr_t>(previous, l.tstate_next, tstate);
        } else {
            FakePython::put_at<uintptr_t>(result.interp, l.interp_threads_head, tstate);
        }
        previous = tstate;
        result.tstates.push_back(tstate);
    }
    return result;
}

}  // namespace

TEST_CASE("thread reader: lists threads and reads their stacks through safe reads", "[python]")
{
    FakePython& py = fake_python();
    Chain c = three_frames(py);
    FakeThreads fake = install_threads(py, {{101, c.leaf}, {102, 0}});
    ThreadRef threads[8];
    REQUIRE(list_threads(threads, 8) == 2);
    CHECK(threads[0].native_tid == 101);
    CHECK(threads[0].top_frame == c.leaf);
    CHECK(threads[1].native_tid == 102);
    CHECK(threads[1].top_frame == 0);
    CHECK(list_threads(threads, 1) == 1);

    RawFrame frames[8];
    REQUIRE(read_thread_stack(threads[0], frames, 8) == 3);
    CHECK(std::string(frames[0].code->function) == "leaf");
    CHECK(frames[0].line == 28);
    CHECK(std::string(frames[2].code->function) == "main");
    CHECK(read_thread_stack(threads[1], frames, 8) == 0);

    SECTION("a thread state reused by another thread is refused")
    {
        FakePython::put_at<long>(fake.tstates[0], kLayout311.tstate_native_thread_id, 999);
        CHECK(read_thread_stack(threads[0], frames, 8) == -1);
    }
    SECTION("a thread list with a cycle is refused")
    {
        FakePython::put_at<uintptr_t>(fake.tstates[1], kLayout311.tstate_next, fake.tstates[0]);
        CHECK(list_threads(threads, 8) == -1);
    }
    SECTION("a thread state of another interpreter is refused")
    {
        FakePython::put_at<uintptr_t>(fake.tstates[1], kLayout311.tstate_interp, 0x1000);
        CHECK(list_threads(threads, 8) == -1);
    }
    SECTION("a broken frame chain is refused")
    {
        FakePython::put_at<uintptr_t>(c.middle, kLayout311.frame_code, 0x10);
        CHECK(read_thread_stack(threads[0], frames, 8) == -1);
    }
    SECTION("the stack-capture failpoint makes reads fail")
    {
        failpoints_init("stack-capture");
        CHECK(read_thread_stack(threads[0], frames, 8) == -1);
        failpoints_init("");
        CHECK(read_thread_stack(threads[0], frames, 8) == 3);
    }
    SECTION("no interpreter yet: no threads")
    {
        FakePython::put_at<uintptr_t>(py.runtime(), kLayout311.runtime_interpreters_head, 0);
        CHECK(list_threads(threads, 8) == 0);
    }
}

TEST_CASE("capture: a process without Python gets no frames", "[python]")
{
    RawFrame frames[4];
    // The unit tests run without libpython: no PyGILState_GetThisThreadState to call.
    CHECK(capture_current_thread(frames, 4) == 0);
}

namespace {

// A fake _PyStackChunk {previous, size, top, data[]} of `size` bytes, never freed (the code
// cache outlives the tests).
struct FakeChunk {
    uintptr_t base;
    size_t size;
    size_t used = 24;  // bytes from base: the header, then frames

    // A frame pushed on this chunk, as _PyThreadState_PushFrame does.
    uintptr_t push(uintptr_t code, uintptr_t previous, long unit, size_t locals = 3)
    {
        const Layout& l = kLayout311;
        uintptr_t frame = base + used;
        used += l.frame_size + locals * 8;
        REQUIRE(used <= size);
        std::memset(reinterpret_cast<void*>(frame), 0, l.frame_size);
        FakePython::put_at<uintptr_t>(frame, l.frame_code, code);
        FakePython::put_at<uintptr_t>(frame, l.frame_previous, previous);
        FakePython::put_at<uintptr_t>(frame, l.frame_instr,
                                      code + l.code_code_adaptive + unit * 2);
        return frame;
    }
    // The saved top of a chunk that is no longer the current one (in pointers from data[0]).
    void seal(uintptr_t newer)
    {
        FakePython::put_at<uintptr_t>(newer, 0, base);
        FakePython::put_at<size_t>(base, 16, (used - 24) / 8);
    }
};

FakeChunk new_chunk(size_t size = 16 * 1024)
{
    void* memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(memory != MAP_FAILED);
    FakeChunk chunk{reinterpret_cast<uintptr_t>(memory), size};
    FakePython::put_at<size_t>(chunk.base, 8, size);
    return chunk;
}

// Makes `chunk` the thread's current data-stack chunk, its top after the last frame pushed.
void set_datastack(uintptr_t tstate, const FakeChunk& chunk)
{
    const size_t at = kLayout311.tstate_datastack_chunk;
    FakePython::put_at<uintptr_t>(tstate, at, chunk.base);
    FakePython::put_at<uintptr_t>(tstate, at + 8, chunk.base + chunk.used);
    FakePython::put_at<uintptr_t>(tstate, at + 16, chunk.base + chunk.size);
}

std::vector<std::string> names(const RawFrame* frames, long count)
{
    std::vector<std::string> result;
    for (long i = 0; i < count; ++i) {
        result.emplace_back(frames[i].code->function);
    }
    return result;
}

// A recursion `depth` deep in one chunk: f at unit 3, the root g at unit 1.
uintptr_t recursion(FakePython& py, FakeChunk& chunk, size_t depth, uintptr_t below = 0)
{
    uintptr_t file = py.ascii("deep.py");
    uintptr_t f = py.code(py.ascii("f"), file, 10);
    uintptr_t frame = below != 0 ? below : chunk.push(py.code(py.ascii("g"), file, 1), 0, 1);
    for (size_t i = 1; i < depth; ++i) {
        frame = chunk.push(f, frame, 3);
    }
    return frame;
}

}  // namespace

TEST_CASE("thread reader: frames in the current data-stack chunk are read from one copy",
          "[python]")
{
    FakePython& py = fake_python();
    FakeChunk chunk = new_chunk();
    uintptr_t top = recursion(py, chunk, 36);
    FakeThreads fake = install_threads(py, {{201, top}});
    set_datastack(fake.tstates[0], chunk);
    ThreadRef thread{fake.tstates[0], 201, top};
    RawFrame frames[64];
    REQUIRE(read_thread_stack(thread, frames, 64) == 36);
    CHECK(std::string(frames[0].code->function) == "f");
    CHECK(frames[0].line == 14);
    CHECK(std::string(frames[35].code->function) == "g");
    CHECK(frames[35].line == 3);
    CHECK(read_thread_stack(thread, frames, 5) == 5);

    SECTION("a header that does not match the thread state: frames are read one by one")
    {
        FakePython::put_at<size_t>(chunk.base, 8, 8192);
        CHECK(read_thread_stack(thread, frames, 64) == 36);
    }
    SECTION("a cycle inside the chunk is refused")
    {
        uintptr_t root = chunk.base + 24;
        FakePython::put_at<uintptr_t>(root, kLayout311.frame_previous, top);
        CHECK(read_thread_stack(thread, frames, 64) == -1);
    }
    SECTION("a code pointer that is not a code object is refused")
    {
        FakePython::put_at<uintptr_t>(chunk.base + 24, kLayout311.frame_code, py.ascii("x"));
        CHECK(read_thread_stack(thread, frames, 64) == -1);
    }
}

TEST_CASE("thread reader: generator frames and older chunks are read outside the copy", "[python]")
{
    FakePython& py = fake_python();
    uintptr_t file = py.ascii("outside.py");
    FakeChunk older = new_chunk();
    uintptr_t bottom = recursion(py, older, 4);
    FakeChunk current = new_chunk();
    older.seal(current.base);
    // A coroutine frame (owned by its generator object, on the heap) between the chunks.
    uintptr_t coroutine = py.frame(py.code(py.ascii("coro"), file, 30), bottom, 2,
                                   kLayout311.frame_owned_by_generator);
    uintptr_t caller = current.push(py.code(py.ascii("caller"), file, 40), coroutine, 5);
    uintptr_t top = current.push(py.code(py.ascii("leaf"), file, 50), caller, 0);
    FakeThreads fake = install_threads(py, {{202, top}});
    set_datastack(fake.tstates[0], current);
    ThreadRef thread{fake.tstates[0], 202, top};
    RawFrame frames[16];
    long count = read_thread_stack(thread, frames, 16);
    CHECK(names(frames, count) ==
          std::vector<std::string>{"leaf", "caller", "coro", "f", "f", "f", "g"});
    CHECK(frames[2].line == 33);

    SECTION("an older chunk that was handed back is a failed read")
    {
        REQUIRE(munmap(reinterpret_cast<void*>(older.base), older.size) == 0);
        CHECK(read_thread_stack(thread, frames, 16) == -1);
    }
}

namespace sciagraph::core::python::detail {
void remote_read_hook_for_testing(void (*hook)()) noexcept;
}

namespace {
// The fake thread's current frame, flipped by the hook between the copy and the second look.
std::atomic<uintptr_t>* g_current = nullptr;
uintptr_t g_flip[2];
unsigned g_flips = 0;

void flip_top()
{
    g_current->store(g_flip[++g_flips % 2]);
}
}  // namespace

TEST_CASE("thread reader: a thread whose top keeps moving still gives valid stacks", "[python]")
{
    FakePython& py = fake_python();
    FakeChunk chunk = new_chunk();
    uintptr_t deep = recursion(py, chunk, 12);
    uintptr_t shallow = chunk.base + 24;  // the root frame alone
    FakeThreads fake = install_threads(py, {{203, deep}});
    set_datastack(fake.tstates[0], chunk);
    uintptr_t cframe = 0;
    std::memcpy(&cframe, reinterpret_cast<void*>(fake.tstates[0] + kLayout311.tstate_cframe),
                sizeof cframe);
    // The "thread" pushes and pops as fast as it can, as fib() does.
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> flips{0};
    std::thread runner([&] {
        auto* current =
            reinterpret_cast<std::atomic<uintptr_t>*>(cframe + kLayout311.current_frame);
        for (uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
            current->store(i % 2 == 0 ? shallow : deep, std::memory_order_relaxed);
            flips.store(i, std::memory_order_relaxed);
        }
    });
    while (flips.load() < 1000) {
        std::this_thread::yield();
    }
    ThreadRef thread{fake.tstates[0], 203, deep};
    RawFrame frames[32];
    int failed = 0;
    for (int i = 0; i < 2000; ++i) {
        long count = read_thread_stack(thread, frames, 32);
        if (count < 0) {
            ++failed;
            continue;
        }
        CHECK((count == 1 || count == 12));
        CHECK(std::string(frames[count - 1].code->function) == "g");
    }
    stop = true;
    runner.join();
    CHECK(failed == 0);
}

TEST_CASE("thread reader: a top that moved on both tries is taken and counted", "[python]")
{
    FakePython& py = fake_python();
    FakeChunk chunk = new_chunk();
    uintptr_t deep = recursion(py, chunk, 8);
    uintptr_t shallow = chunk.base + 24;
    FakeThreads fake = install_threads(py, {{204, deep}});
    set_datastack(fake.tstates[0], chunk);
    uintptr_t cframe = 0;
    std::memcpy(&cframe, reinterpret_cast<void*>(fake.tstates[0] + kLayout311.tstate_cframe),
                sizeof cframe);
    g_current = reinterpret_cast<std::atomic<uintptr_t>*>(cframe + kLayout311.current_frame);
    g_flip[0] = deep;
    g_flip[1] = shallow;
    g_flips = 0;
    ThreadRef thread{fake.tstates[0], 204, deep};
    RawFrame frames[16];
    uint64_t moved_before = remote_reads_moved();
    python::detail::remote_read_hook_for_testing(flip_top);
    long moved = read_thread_stack(thread, frames, 16);
    CHECK(remote_reads_moved() == moved_before + 1);

    python::detail::remote_read_hook_for_testing(nullptr);
    // The second try copied the stack as the hook had left it: the shallow one.
    CHECK(moved == 1);
    CHECK(std::string(frames[0].code->function) == "g");
    // Once the thread stops moving, reads are stable and not counted.
    uint64_t moved_after = remote_reads_moved();
    CHECK(read_thread_stack(thread, frames, 16) == 8);  // the hook's last flip: deep
    CHECK(remote_reads_moved() == moved_after);

    // A moving top does not excuse a frame that fails its checks.
    FakePython::put_at<uintptr_t>(shallow, kLayout311.frame_code, py.ascii("not code"));
    python::detail::remote_read_hook_for_testing(flip_top);
    CHECK(read_thread_stack(thread, frames, 16) == -1);
    python::detail::remote_read_hook_for_testing(nullptr);
    CHECK(remote_reads_moved() == moved_after);
}
