// Frame chains: our own thread's walker and the sampler's reader on fake frames and thread
// states, including the broken chains a racing reader meets. Most cases run once per supported
// CPython layout (3.11 to 3.15), on objects laid out with it.
#include "failpoints.h"
#include "python/frame_walk.h"
#include "python/python.h"
#include "sampler/thread_list_mark.h"
#include "test_python_fakes.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <sys/mman.h>

using namespace sciagraph::core;
using namespace sciagraph::core::python;
using sciagraph::core::python::fakes::every_layout;
using sciagraph::core::python::fakes::fake_python;
using sciagraph::core::python::fakes::FakePython;
using sciagraph::core::python::fakes::UsingLayout;

namespace {

// The layouts that have shim frames (the interpreter's entry frames, 3.12+).
Catch::Generators::GeneratorWrapper<const Layout*> layouts_with_shims()
{
    return Catch::Generators::values<const Layout*>(
        {&kLayout312, &kLayout313, &kLayout314, &kLayout315});
}

// The owners of shim frames in `layout`: FRAME_OWNED_BY_CSTACK (3.12, 3.13), and from 3.14
// FRAME_OWNED_BY_INTERPRETER (3) with, in 3.14 alone, FRAME_OWNED_BY_CSTACK (4).
std::vector<uint8_t> shim_owners(const Layout& layout)
{
    std::vector<uint8_t> owners{layout.frame_owned_by_shim};
    if (layout.minor == 14) {
        owners.push_back(4);
    }
    return owners;
}

// An address nothing is mapped at.
uintptr_t unmapped_page()
{
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(page != MAP_FAILED);
    REQUIRE(munmap(page, 4096) == 0);
    return reinterpret_cast<uintptr_t>(page);
}

struct Walked {
    WalkStatus status;
    std::vector<std::string> functions;
    std::vector<uint32_t> lines;
    std::vector<uintptr_t> codes;
};

template <typename Reader>
Walked walk(uintptr_t top, size_t max = 64)
{
    Walked result;
    size_t count = 0;
    result.status = walk_frames<Reader>(
        fake_python().layout(), top, max,
        [&](const WalkedFrame& f) {
            result.functions.emplace_back(f.entry->info.function);
            result.lines.push_back(f.line);
            result.codes.push_back(f.code);
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
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    Chain c = three_frames(fake_python());
    for (const Walked& w : {walk<PlainReader>(c.leaf), walk<SafeReader>(c.leaf)}) {
        CHECK(w.status == WalkStatus::Ok);
        CHECK(w.functions == std::vector<std::string>{"leaf", "helper", "main"});
        CHECK(w.lines == std::vector<uint32_t>{28, 11, 4});
    }
}

TEST_CASE("frame walk: depth is capped at max", "[python]")
{
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    Chain c = three_frames(fake_python());
    Walked w = walk<PlainReader>(c.leaf, 2);
    CHECK(w.status == WalkStatus::Ok);
    CHECK(w.functions == std::vector<std::string>{"leaf", "helper"});
}

TEST_CASE("frame walk: a cycle ends as a bad frame after bounded steps", "[python]")
{
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    Chain c = three_frames(py);
    FakePython::put_at<uintptr_t>(c.root, layout->frame_previous, c.leaf);
    Walked w = walk<PlainReader>(c.leaf, 10);
    CHECK(w.status == WalkStatus::Ok);  // the cap comes first
    CHECK(w.functions.size() == 10);

    uintptr_t code = py.code(py.ascii("self_loop"), py.ascii("loop.py"), 1);
    uintptr_t loop = py.frame(code, 0, 0);
    FakePython::put_at<uintptr_t>(loop, layout->frame_previous, loop);
    CHECK(walk<PlainReader>(loop).status == WalkStatus::BadFrame);

    // Incomplete frames pointing at each other: skipped, so only the step bound stops them.
    uintptr_t prologue = py.code(py.ascii("prologue"), py.ascii("loop.py"), 1, 16, 4);
    uintptr_t a = py.frame(prologue, 0, 1);
    uintptr_t b = py.frame(prologue, a, 1);
    FakePython::put_at<uintptr_t>(a, layout->frame_previous, b);
    Walked skipped = walk<SafeReader>(b, 8);
    CHECK(skipped.status == WalkStatus::BadFrame);
    CHECK(skipped.functions.empty());
}

TEST_CASE("frame walk: a code pointer that is not a code object stops the walk", "[python]")
{
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    Chain c = three_frames(py);
    FakePython::put_at<uintptr_t>(c.root, layout->frame_code, py.code_word(py.ascii("not code")));
    Walked w = walk<PlainReader>(c.leaf);
    CHECK(w.status == WalkStatus::BadFrame);
    CHECK(w.functions == std::vector<std::string>{"leaf", "helper"});
}

TEST_CASE("frame walk: an unmapped frame is a bad frame for the safe reader", "[python]")
{
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    uintptr_t page = unmapped_page();
    Chain c = three_frames(py);
    FakePython::put_at<uintptr_t>(c.middle, layout->frame_previous, page);
    Walked w = walk<SafeReader>(c.leaf);
    CHECK(w.status == WalkStatus::BadFrame);
    CHECK(w.functions == std::vector<std::string>{"leaf", "helper"});
}

TEST_CASE("frame walk: incomplete frames are skipped unless a generator owns them", "[python]")
{
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    uintptr_t file = py.ascii("gen.py");
    uintptr_t caller = py.frame(py.code(py.ascii("caller"), file, 1), 0, 3);
    // _co_firsttraceable = 2: a frame at unit 1 has not finished its prologue.
    uintptr_t starting = py.code(py.ascii("starting"), file, 50, 16, 2);
    uintptr_t incomplete = py.frame(starting, caller, 1);
    CHECK(walk<PlainReader>(incomplete).functions == std::vector<std::string>{"caller"});
    uintptr_t generator = py.frame(starting, caller, 1, layout->frame_owned_by_generator);
    CHECK(walk<PlainReader>(generator).functions == std::vector<std::string>{"starting", "caller"});
    // At its first traceable unit the frame is complete whoever owns it.
    uintptr_t traceable = py.frame(starting, caller, 2);
    CHECK(walk<SafeReader>(traceable).functions == std::vector<std::string>{"starting", "caller"});
    // A frame not started yet (instruction before the first one) shows its first line.
    uintptr_t fresh = py.frame(py.code(py.ascii("fresh"), file, 70), caller, -1,
                               layout->frame_owned_by_generator);
    CHECK(walk<PlainReader>(fresh).lines == std::vector<uint32_t>{70, 5});
}

TEST_CASE("frame walk: shim frames are skipped without looking at their code", "[python]")
{
    UsingLayout layout(*GENERATE(layouts_with_shims()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    uintptr_t file = py.ascii("shim.py");
    uintptr_t root = py.frame(py.code(py.ascii("main"), file, 1), 0, 2);
    uintptr_t leaf_code = py.code(py.ascii("leaf"), file, 20);
    for (uint8_t owner : shim_owners(*layout)) {
        INFO("owner " << int{owner});
        // What the shim's f_executable holds: None (an object that is not code), or nothing.
        for (uintptr_t garbage : {uintptr_t{0}, py.ascii("None"), uintptr_t{0x10}}) {
            uintptr_t shim = py.frame(leaf_code, root, 0, owner);
            FakePython::put_at<uintptr_t>(shim, layout->frame_code, py.code_word(garbage));
            uintptr_t leaf = py.frame(leaf_code, shim, 3);
            for (const Walked& w : {walk<PlainReader>(leaf), walk<SafeReader>(leaf)}) {
                CHECK(w.status == WalkStatus::Ok);
                CHECK(w.functions == std::vector<std::string>{"leaf", "main"});
                CHECK(w.lines == std::vector<uint32_t>{24, 4});
            }
            // A shim at the top of the stack (C calling into Python) is skipped too.
            CHECK(walk<PlainReader>(shim).functions == std::vector<std::string>{"main"});
        }
        // Next to None there may be nothing mapped at all: the safe walker does not notice.
        uintptr_t shim = py.frame(leaf_code, root, 0, owner);
        FakePython::put_at<uintptr_t>(shim, layout->frame_code, unmapped_page());
        uintptr_t leaf = py.frame(leaf_code, shim, 3);
        Walked w = walk<SafeReader>(leaf);
        CHECK(w.status == WalkStatus::Ok);
        CHECK(w.functions == std::vector<std::string>{"leaf", "main"});
    }
    // The owner below the shims is a frame like any other: its bad code pointer is a bad frame.
    uintptr_t not_shim =
        py.frame(leaf_code, root, 0, static_cast<uint8_t>(layout->frame_owned_by_shim - 1));
    FakePython::put_at<uintptr_t>(not_shim, layout->frame_code, py.ascii("None"));
    Walked w = walk<PlainReader>(py.frame(leaf_code, not_shim, 3));
    CHECK(w.status == WalkStatus::BadFrame);
    CHECK(w.functions == std::vector<std::string>{"leaf"});
}

TEST_CASE("frame walk: a tagged code pointer reads the code object under the tag", "[python]")
{
    UsingLayout layout(*GENERATE(&kLayout314, &kLayout315));
    INFO("CPython 3." << layout->minor);
    REQUIRE(layout->frame_code_tag_bits == 3);
    FakePython& py = fake_python();
    uintptr_t file = py.ascii("tagged.py");
    uintptr_t root_code = py.code(py.ascii("main"), file, 1);
    uintptr_t leaf_code = py.code(py.ascii("leaf"), file, 20);
    for (uintptr_t tag : {0, 1, 2, 3}) {
        INFO("tag " << tag);
        uintptr_t root = py.frame(root_code, 0, 2);
        uintptr_t leaf = py.frame(leaf_code, root, 5);
        FakePython::put_at<uintptr_t>(root, layout->frame_code, root_code | tag);
        FakePython::put_at<uintptr_t>(leaf, layout->frame_code, leaf_code | tag);
        for (const Walked& w : {walk<PlainReader>(leaf), walk<SafeReader>(leaf)}) {
            CHECK(w.status == WalkStatus::Ok);
            CHECK(w.functions == std::vector<std::string>{"leaf", "main"});
            CHECK(w.lines == std::vector<uint32_t>{26, 4});
            CHECK(w.codes == std::vector<uintptr_t>{leaf_code, root_code});
        }
    }
}

namespace {

// A fake runtime with one interpreter and the given threads, each (native tid, top frame).
struct FakeThreads {
    uintptr_t interp = 0;
    std::vector<uintptr_t> tstates;
};

FakeThreads install_threads(FakePython& py, const std::vector<std::pair<long, uintptr_t>>& threads)
{
    FakeThreads result;
    result.interp = py.interpreter();
    py.set_main_interpreter(result.interp);
    for (auto [tid, top] : threads) {
        result.tstates.push_back(py.thread_state(result.interp, tid, top));
    }
    py.set_threads(result.interp, result.tstates);
    return result;
}

std::vector<std::string> names(const RawFrame* frames, long count)
{
    std::vector<std::string> result;
    for (long i = 0; i < count; ++i) {
        result.emplace_back(frames[i].code->function);
    }
    return result;
}

std::vector<uint32_t> lines(const RawFrame* frames, long count)
{
    std::vector<uint32_t> result;
    for (long i = 0; i < count; ++i) {
        result.push_back(frames[i].line);
    }
    return result;
}

}  // namespace

TEST_CASE("thread reader: lists threads and reads their stacks through safe reads", "[python]")
{
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    Chain c = three_frames(py);
    FakeThreads fake = install_threads(py, {{101, c.leaf}, {102, 0}});
    ThreadRef threads[8];
    REQUIRE(list_threads(threads, 8) == 2);
    CHECK(threads[0].tstate == fake.tstates[0]);
    CHECK(threads[0].native_tid == 101);
    CHECK(threads[0].top_frame == c.leaf);
    CHECK(threads[1].tstate == fake.tstates[1]);
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
        FakePython::put_at<long>(fake.tstates[0], layout->tstate_native_thread_id, 999);
        CHECK(read_thread_stack(threads[0], frames, 8) == -1);
    }
    SECTION("a thread list with a cycle is refused")
    {
        FakePython::put_at<uintptr_t>(fake.tstates[1], layout->tstate_next, fake.tstates[0]);
        CHECK(list_threads(threads, 8) == -1);
    }
    SECTION("a thread state of another interpreter is refused")
    {
        FakePython::put_at<uintptr_t>(fake.tstates[1], layout->tstate_interp, 0x1000);
        CHECK(list_threads(threads, 8) == -1);
    }
    SECTION("a broken frame chain is refused")
    {
        FakePython::put_at<uintptr_t>(c.middle, layout->frame_code, 0x10);
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
        FakePython::put_at<uintptr_t>(py.runtime(), layout->runtime_interpreters_head, 0);
        CHECK(list_threads(threads, 8) == 0);
    }
}

TEST_CASE("thread reader: two threads running Python are both found with their stacks", "[python]")
{
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    Chain first = three_frames(py);
    uintptr_t file = py.ascii("worker.py");
    uintptr_t run = py.frame(py.code(py.ascii("Thread.run"), file, 100), 0, 4);
    uintptr_t work = py.frame(py.code(py.ascii("work"), file, 200), run, 9);
    FakeThreads fake = install_threads(py, {{301, first.leaf}, {302, work}});
    ThreadRef threads[8];
    REQUIRE(list_threads(threads, 8) == 2);
    CHECK(threads[0].native_tid == 301);
    CHECK(threads[0].top_frame == first.leaf);
    CHECK(threads[1].native_tid == 302);
    CHECK(threads[1].top_frame == work);

    RawFrame frames[8];
    long count = read_thread_stack(threads[0], frames, 8);
    CHECK(names(frames, count) == std::vector<std::string>{"leaf", "helper", "main"});
    CHECK(lines(frames, count) == std::vector<uint32_t>{28, 11, 4});
    count = read_thread_stack(threads[1], frames, 8);
    CHECK(names(frames, count) == std::vector<std::string>{"work", "Thread.run"});
    CHECK(lines(frames, count) == std::vector<uint32_t>{210, 105});

    // The list's head and count (interp_threads_count) tell whether it changed since.
    CHECK_FALSE(thread_list_changed());
    FakePython::put_at<long>(fake.interp, layout->interp_threads_count, 3);
    CHECK(thread_list_changed());
    FakePython::put_at<long>(fake.interp, layout->interp_threads_count, 2);
    CHECK_FALSE(thread_list_changed());
    // A new thread state pushed at the head.
    uintptr_t newcomer = py.thread_state(fake.interp, 303, 0);
    py.set_threads(fake.interp, {newcomer, fake.tstates[0], fake.tstates[1]});
    CHECK(thread_list_changed());
    REQUIRE(list_threads(threads, 8) == 3);
    CHECK(threads[0].native_tid == 303);
    CHECK(threads[2].native_tid == 302);
    CHECK_FALSE(thread_list_changed());
    // The same look told apart: a count that falls under the same head is threads that ended,
    // told once; a rise, or a new head, wants a listing.
    CHECK(thread_list_delta() == 0);
    FakePython::put_at<long>(fake.interp, layout->interp_threads_count, 2);
    CHECK(thread_list_delta() == -1);
    CHECK(thread_list_delta() == 0);
    FakePython::put_at<long>(fake.interp, layout->interp_threads_count, 4);
    CHECK(thread_list_delta() == 1);
    CHECK(thread_list_delta() == 1);
    // A listing cut short is never taken as complete.
    REQUIRE(list_threads(threads, 2) == 2);
    CHECK(thread_list_changed());
    CHECK(thread_list_delta() == 1);
}

TEST_CASE("capture: a process without Python gets no frames", "[python]")
{
    RawFrame frames[4];
    // The unit tests run without libpython: no PyGILState_GetThisThreadState to call.
    CHECK(capture_current_thread(frames, 4) == 0);
}

namespace {

// A fake _PyStackChunk {previous, size, top, data[]} of `size` bytes, never freed (the code
// cache outlives the tests). Frames are laid out with the fake interpreter's layout.
struct FakeChunk {
    uintptr_t base;
    size_t size;
    size_t used = 24;  // bytes from base: the header, then frames

    // A frame pushed on this chunk, as _PyThreadState_PushFrame does.
    uintptr_t
    push(uintptr_t code, uintptr_t previous, long unit, size_t locals = 3, uint8_t owner = 0)
    {
        FakePython& py = fake_python();
        uintptr_t frame = base + used;
        used += py.layout().frame_size + locals * 8;
        REQUIRE(used <= size);
        py.fill_frame(frame, code, previous, unit, owner);
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
    const size_t at = fake_python().layout().tstate_datastack_chunk;
    FakePython::put_at<uintptr_t>(tstate, at, chunk.base);
    FakePython::put_at<uintptr_t>(tstate, at + 8, chunk.base + chunk.used);
    FakePython::put_at<uintptr_t>(tstate, at + 16, chunk.base + chunk.size);
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
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
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
        FakePython::put_at<uintptr_t>(root, layout->frame_previous, top);
        CHECK(read_thread_stack(thread, frames, 64) == -1);
    }
    SECTION("a code pointer that is not a code object is refused")
    {
        FakePython::put_at<uintptr_t>(chunk.base + 24, layout->frame_code,
                                      py.code_word(py.ascii("x")));
        CHECK(read_thread_stack(thread, frames, 64) == -1);
    }
}

TEST_CASE("thread reader: the next read follows the thread to a deeper stack and a new chunk",
          "[python]")
{
    // The second read of a thread copies the chunk the first found in the same call as the
    // thread state (remote.cpp, ChunkHint); whatever moved since must be seen all the same.
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    FakeChunk chunk = new_chunk();
    uintptr_t top = recursion(py, chunk, 10);
    FakeThreads fake = install_threads(py, {{204, top}});
    set_datastack(fake.tstates[0], chunk);
    const uintptr_t slot = py.current_frame_slot(fake.tstates[0]);
    ThreadRef thread{fake.tstates[0], 204, top};
    RawFrame frames[64];
    REQUIRE(read_thread_stack(thread, frames, 64) == 10);
    REQUIRE(read_thread_stack(thread, frames, 64) == 10);

    // Three calls deeper, in the same chunk.
    top = recursion(py, chunk, 4, top);
    set_datastack(fake.tstates[0], chunk);
    FakePython::put_at<uintptr_t>(slot, 0, top);
    CHECK(read_thread_stack(thread, frames, 64) == 13);

    // Deeper than the chunk's slack: 40 more calls.
    top = recursion(py, chunk, 41, top);
    set_datastack(fake.tstates[0], chunk);
    FakePython::put_at<uintptr_t>(slot, 0, top);
    CHECK(read_thread_stack(thread, frames, 64) == 53);

    // Back to a shallow stack in another chunk.
    FakeChunk other = new_chunk();
    const uintptr_t shallow = recursion(py, other, 2);
    set_datastack(fake.tstates[0], other);
    FakePython::put_at<uintptr_t>(slot, 0, shallow);
    CHECK(read_thread_stack(thread, frames, 64) == 2);
    CHECK(std::string(frames[1].code->function) == "g");

    // The first chunk handed back: its memory gone, the guess fails quietly.
    munmap(reinterpret_cast<void*>(chunk.base), chunk.size);
    CHECK(read_thread_stack(thread, frames, 64) == 2);
    munmap(reinterpret_cast<void*>(other.base), other.size);
}

TEST_CASE("thread reader: shim frames are skipped without looking at their code", "[python]")
{
    UsingLayout layout(*GENERATE(layouts_with_shims()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    uintptr_t file = py.ascii("entry.py");
    uintptr_t main_code = py.code(py.ascii("main"), file, 1);
    uintptr_t callback_code = py.code(py.ascii("callback"), file, 30);
    for (uint8_t owner : shim_owners(*layout)) {
        INFO("owner " << int{owner});
        for (uintptr_t garbage : {uintptr_t{0}, py.ascii("None"), unmapped_page()}) {
            // main calls into C, which calls back into Python through an entry frame.
            FakeChunk chunk = new_chunk();
            uintptr_t root = chunk.push(main_code, 0, 2);
            uintptr_t shim = chunk.push(0, root, 0, 0, owner);
            FakePython::put_at<uintptr_t>(shim, layout->frame_code, py.code_word(garbage));
            uintptr_t top = chunk.push(callback_code, shim, 4);
            FakeThreads fake = install_threads(py, {{401, top}, {402, shim}});
            set_datastack(fake.tstates[0], chunk);
            set_datastack(fake.tstates[1], chunk);
            ThreadRef threads[4];
            REQUIRE(list_threads(threads, 4) == 2);
            RawFrame frames[8];
            long count = read_thread_stack(threads[0], frames, 8);
            CHECK(names(frames, count) == std::vector<std::string>{"callback", "main"});
            CHECK(lines(frames, count) == std::vector<uint32_t>{35, 4});
            // The entry frame at the top of the stack: skipped too.
            count = read_thread_stack(threads[1], frames, 8);
            CHECK(names(frames, count) == std::vector<std::string>{"main"});
            // A shim on the heap, outside the copied chunk, is read alone and skipped alike.
            uintptr_t heap_shim = py.frame(0, root, 0, owner);
            FakePython::put_at<uintptr_t>(heap_shim, layout->frame_code, py.code_word(garbage));
            FakePython::put_at<uintptr_t>(top, layout->frame_previous, heap_shim);
            count = read_thread_stack(threads[0], frames, 8);
            CHECK(names(frames, count) == std::vector<std::string>{"callback", "main"});
        }
    }
}

namespace sciagraph::core::python::detail {
void remote_read_hook_for_testing(void (*hook)()) noexcept;
}

namespace {
// The f_executable word the hook below retags between the copy and the second look.
uintptr_t g_tagged_word = 0;

void toggle_tag()
{
    auto* word = reinterpret_cast<uintptr_t*>(g_tagged_word);
    *word ^= 1;
}
}  // namespace

TEST_CASE("thread reader: a tagged code pointer reads the code object under the tag", "[python]")
{
    UsingLayout layout(*GENERATE(&kLayout314, &kLayout315));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    uintptr_t file = py.ascii("tagged.py");
    uintptr_t main_code = py.code(py.ascii("main"), file, 1);
    uintptr_t leaf_code = py.code(py.ascii("leaf"), file, 20);
    for (uintptr_t tag : {0, 1, 2, 3}) {
        INFO("tag " << tag);
        FakeChunk chunk = new_chunk();
        uintptr_t root = chunk.push(main_code, 0, 2);
        uintptr_t top = chunk.push(leaf_code, root, 5);
        FakePython::put_at<uintptr_t>(root, layout->frame_code, main_code | tag);
        FakePython::put_at<uintptr_t>(top, layout->frame_code, leaf_code | tag);
        FakeThreads fake = install_threads(py, {{501, top}});
        set_datastack(fake.tstates[0], chunk);
        ThreadRef thread{fake.tstates[0], 501, top};
        RawFrame frames[8];
        long count = read_thread_stack(thread, frames, 8);
        CHECK(names(frames, count) == std::vector<std::string>{"leaf", "main"});
        CHECK(lines(frames, count) == std::vector<uint32_t>{26, 4});
        // The tag changing between the two looks at the top (the reference made strong or
        // deferred) is not a move of the stack: the same code object runs.
        uint64_t moved_before = remote_reads_moved();
        g_tagged_word = top + layout->frame_code;
        python::detail::remote_read_hook_for_testing(toggle_tag);
        count = read_thread_stack(thread, frames, 8);
        python::detail::remote_read_hook_for_testing(nullptr);
        CHECK(names(frames, count) == std::vector<std::string>{"leaf", "main"});
        CHECK(remote_reads_moved() == moved_before);
    }
}

TEST_CASE("thread reader: generator frames and older chunks are read outside the copy", "[python]")
{
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    uintptr_t file = py.ascii("outside.py");
    FakeChunk older = new_chunk();
    uintptr_t bottom = recursion(py, older, 4);
    FakeChunk current = new_chunk();
    older.seal(current.base);
    // A coroutine frame (owned by its generator object, on the heap) between the chunks.
    uintptr_t coroutine =
        py.frame(py.code(py.ascii("coro"), file, 30), bottom, 2, layout->frame_owned_by_generator);
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
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    FakeChunk chunk = new_chunk();
    uintptr_t deep = recursion(py, chunk, 12);
    uintptr_t shallow = chunk.base + 24;  // the root frame alone
    FakeThreads fake = install_threads(py, {{203, deep}});
    set_datastack(fake.tstates[0], chunk);
    uintptr_t slot = py.current_frame_slot(fake.tstates[0]);
    // The "thread" pushes and pops as fast as it can, as fib() does.
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> flips{0};
    std::thread runner([&] {
        auto* current = reinterpret_cast<std::atomic<uintptr_t>*>(slot);
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
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    FakeChunk chunk = new_chunk();
    uintptr_t deep = recursion(py, chunk, 8);
    uintptr_t shallow = chunk.base + 24;
    FakeThreads fake = install_threads(py, {{204, deep}});
    set_datastack(fake.tstates[0], chunk);
    g_current = reinterpret_cast<std::atomic<uintptr_t>*>(py.current_frame_slot(fake.tstates[0]));
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
    FakePython::put_at<uintptr_t>(shallow, layout->frame_code, py.code_word(py.ascii("not code")));
    python::detail::remote_read_hook_for_testing(flip_top);
    CHECK(read_thread_stack(thread, frames, 16) == -1);
    python::detail::remote_read_hook_for_testing(nullptr);
    CHECK(remote_reads_moved() == moved_after);
}
