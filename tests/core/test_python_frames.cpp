// Frame chains: our own thread's walker and the sampler's reader on fake frames and thread
// states, including the broken chains a racing reader meets.
#include "failpoints.h"
#include "python/frame_walk.h"
#include "python/python.h"
#include "test_python_fakes.h"

#include <catch2/catch.hpp>

#include <string>
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
        FakePython::put_at<uintptr_t>(cframe, l.cframe_current_frame, top);
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
