// The allocation hooks' capture with a memo of the thread's previous stack: whatever the memo
// holds, it gives the frames walk_frames gives, and says how many root-side levels it kept.
// Runs once per supported CPython layout, on fake frames and code objects.
#include "python/frame_walk.h"
#include "python/python.h"
#include "test_python_fakes.h"

#include <catch2/catch.hpp>

#include <iterator>
#include <string>
#include <vector>

using namespace sciagraph::core::python;
using sciagraph::core::python::fakes::every_layout;
using sciagraph::core::python::fakes::fake_python;
using sciagraph::core::python::fakes::FakePython;
using sciagraph::core::python::fakes::UsingLayout;

namespace {

struct Frames {
    std::vector<std::string> functions;
    std::vector<uint32_t> lines;
    bool operator==(const Frames&) const = default;
};

Frames from_walk(uintptr_t top, size_t max)
{
    Frames f;
    size_t count = 0;
    walk_frames<PlainReader>(
        fake_python().layout(), top, max,
        [&](const WalkedFrame& w) {
            f.functions.emplace_back(w.entry->info.function);
            f.lines.push_back(w.line);
        },
        count);
    return f;
}

struct Captured {
    Frames frames;
    size_t unchanged;
};

Captured from_memo(uintptr_t top, CaptureMemo& memo, size_t max = 64)
{
    RawFrame out[128];
    Captured c{};
    size_t count = capture_with_memo(fake_python().layout(), top, out, max, memo, c.unchanged);
    for (size_t i = 0; i < count; ++i) {
        c.frames.functions.emplace_back(out[i].code->function);
        c.frames.lines.push_back(out[i].line);
    }
    // Whatever the memo held, the frames are the walk's.
    CHECK(c.frames == from_walk(top, max));
    return c;
}

}  // namespace

TEST_CASE("capture memo: unchanged levels are kept, changed ones read again", "[python]")
{
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    uintptr_t file = py.ascii("memo.py");
    uintptr_t main_code = py.code(py.ascii("main"), file, 1);
    uintptr_t helper_code = py.code(py.ascii("helper"), file, 10);
    uintptr_t leaf_code = py.code(py.ascii("leaf"), file, 20);
    uintptr_t other_code = py.code(py.ascii("other"), file, 30);
    uintptr_t root = py.frame(main_code, 0, 2);
    uintptr_t middle = py.frame(helper_code, root, 0);
    uintptr_t leaf = py.frame(leaf_code, middle, 7);

    CaptureMemo memo{};
    Captured first = from_memo(leaf, memo);
    CHECK(first.frames.functions == std::vector<std::string>{"leaf", "helper", "main"});
    CHECK(first.unchanged == 0);
    CHECK(memo.depth == 3);

    // The same stack again (a loop allocating from one line): every level kept.
    CHECK(from_memo(leaf, memo).unchanged == 3);

    // The leaf moved to another instruction: its line is read again.
    FakePython::put_at<uintptr_t>(leaf, layout->frame_instr,
                                  leaf_code + layout->code_code_adaptive + 3 * 2);
    Captured moved = from_memo(leaf, memo);
    CHECK(moved.unchanged == 2);
    CHECK(moved.frames.lines[0] != first.frames.lines[0]);

    // Another leaf below the same caller, then a shallower stack, then deeper again.
    uintptr_t other = py.frame(other_code, middle, 1);
    CHECK(from_memo(other, memo).unchanged == 2);
    CHECK(from_memo(middle, memo).unchanged == 2);
    CHECK(memo.depth == 2);
    CHECK(from_memo(leaf, memo).unchanged == 2);

    // A code object that died and another made at its address (its own name): the level is a
    // new one, and so is every level after it.
    FakePython::put_at<uintptr_t>(helper_code, layout->code_qualname, py.ascii("reborn"));
    Captured reborn = from_memo(leaf, memo);
    CHECK(reborn.unchanged == 1);
    CHECK(reborn.frames.functions == std::vector<std::string>{"leaf", "reborn", "main"});
}

TEST_CASE("capture memo: a stack cut at max keeps no memo", "[python]")
{
    UsingLayout layout(*GENERATE(every_layout()));
    INFO("CPython 3." << layout->minor);
    FakePython& py = fake_python();
    uintptr_t file = py.ascii("deep.py");
    uintptr_t code = py.code(py.ascii("recurse"), file, 1);
    uintptr_t frame = 0;
    for (int i = 0; i < 10; ++i) {
        frame = py.frame(code, frame, i % 16);
    }
    CaptureMemo memo{};
    CHECK(from_memo(frame, memo).unchanged == 0);
    CHECK(memo.depth == 10);
    // Cut at 4: the frames are the 4 innermost, whose root is not the stack's root.
    Captured cut = from_memo(frame, memo, 4);
    CHECK(cut.frames.functions.size() == 4);
    CHECK(cut.unchanged == 0);
    CHECK(memo.depth == 0);
    CHECK(from_memo(frame, memo).unchanged == 0);
}
