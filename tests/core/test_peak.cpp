// The peak and its breakdown: the snapshot describes the moment of the peak, not the end;
// memory freed before the peak or allocated after it does not show.
#include "core/live_bytes.h"
#include "core/stack_table.h"
#include "core/stack_table_internal.h"

#include <catch2/catch.hpp>

using namespace sciagraph::core;

namespace {

void ensure_init()
{
    static bool done = stack_table_init();
    REQUIRE(done);
}

int64_t at_peak(StackId id)
{
    return stack_table_view().counters[id].at_peak;
}

// A simulated allocation: totals and per-stack live bytes, as the tracker does for a sample.
void alloc(StackId stack, int64_t bytes)
{
    stack_add_live(stack, bytes);
    live_add(bytes);
    live_flush_this_thread();
}

void release(StackId stack, int64_t bytes)
{
    live_sub(bytes);
    live_flush_this_thread();  // the falling edge snapshots before the stack's bytes go
    stack_add_live(stack, -bytes);
}

}  // namespace

TEST_CASE("peak: the breakdown is the live set at the highest total", "[core]")
{
    ensure_init();
    python::CodeInfo code_a{"a", "t.py", 1, 900001};
    python::CodeInfo code_b{"b", "t.py", 2, 900002};
    python::CodeInfo code_c{"c", "t.py", 3, 900003};
    python::RawFrame fa{&code_a, 10};
    python::RawFrame fb{&code_b, 20};
    python::RawFrame fc{&code_c, 30};
    const StackId a = intern_stack(&fa, 1, PseudoFrame{});
    const StackId b = intern_stack(&fb, 1, PseudoFrame{});
    const StackId c = intern_stack(&fc, 1, PseudoFrame{});
    live_flush_this_thread();
    const int64_t base = live_bytes();
    const int64_t mib = 1 << 20;

    alloc(a, 100 * mib);  // freed before the peak
    release(a, 100 * mib);
    alloc(b, 150 * mib);  // the peak
    release(b, 150 * mib);
    alloc(c, 50 * mib);  // after the peak, still live at the end
    snapshot_if_rising();

    CHECK(peak_bytes() >= base + 150 * mib);
    CHECK(at_peak(a) == 0);
    CHECK(at_peak(b) == 150 * mib);
    CHECK(at_peak(c) == 0);
    release(c, 50 * mib);
}

TEST_CASE("peak: a job that ends at its peak is snapshotted when the dump is written", "[core]")
{
    ensure_init();
    python::CodeInfo code{"grow", "t.py", 1, 900010};
    python::RawFrame frame{&code, 5};
    const StackId s = intern_stack(&frame, 1, PseudoFrame{});
    const int64_t gib = int64_t{1} << 30;
    alloc(s, 2 * gib);  // above every earlier peak; never freed
    snapshot_if_rising();
    CHECK(at_peak(s) == 2 * gib);
    release(s, 2 * gib);
}

TEST_CASE("peak: growth under 1% does not re-snapshot (bounded cost)", "[core]")
{
    ensure_init();
    python::CodeInfo code{"creep", "t.py", 1, 900020};
    python::RawFrame frame{&code, 7};
    const StackId s = intern_stack(&frame, 1, PseudoFrame{});
    const int64_t gib = int64_t{1} << 30;
    alloc(s, 4 * gib);
    release(s, 1);  // falling edge: snapshot
    const uint64_t generation = snapshot_generation();
    for (int i = 0; i < 1000; ++i) {
        alloc(s, 1024);  // creeps up by 1 KiB per step: 1 MiB in all, far under 1%
        release(s, 512);
    }
    CHECK(snapshot_generation() == generation);
    release(s, 4 * gib - 1 + 1000 * 512);
}
