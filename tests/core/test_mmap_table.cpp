// The mapping table against a byte-set model: any sequence of maps, partial unmaps and
// MAP_FIXED overlays leaves exactly the model's bytes tracked, per stack.
#include "core/live_bytes.h"
#include "core/mmap_table.h"
#include "core/stack_table.h"
#include "core/stack_table_internal.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <map>
#include <vector>

using namespace sciagraph::core;

namespace {

void ensure_init()
{
    static bool done = stack_table_init() && mmap_table_init();
    REQUIRE(done);
}

int64_t stack_live(StackId id)
{
    return stack_table_view().counters[id].live.load();
}

}  // namespace

TEST_CASE("mmap_table: map/unmap sequences track exactly the mapped pages", "[core]")
{
    ensure_init();
    const StackId a = intern_pseudo(PseudoFrame::NoPythonFrame);
    const StackId b = intern_pseudo(PseudoFrame::NativeThread);
    REQUIRE(a != 0);
    REQUIRE(b != 0);
    rc::prop("tracked bytes equal the model's", [&] {
        const uintptr_t base = uintptr_t{1} << 44;
        constexpr size_t kPage = 4096;
        std::map<size_t, StackId> model;  // page index → stack
        live_flush_this_thread();
        const int64_t live_before = live_bytes();
        const int64_t a_before = stack_live(a);
        const int64_t b_before = stack_live(b);
        const auto ops = *rc::gen::container<std::vector<std::tuple<bool, int, int, bool>>>(
            rc::gen::tuple(rc::gen::arbitrary<bool>(), rc::gen::inRange(0, 64),
                           rc::gen::inRange(1, 16), rc::gen::arbitrary<bool>()));
        for (const auto& [map, page, pages, use_a] : ops) {
            uintptr_t start = base + static_cast<uintptr_t>(page) * kPage;
            size_t length = static_cast<size_t>(pages) * kPage;
            if (map) {
                RC_ASSERT(mmap_track(start, length, use_a ? a : b));
                for (int p = page; p < page + pages; ++p) {
                    model[static_cast<size_t>(p)] = use_a ? a : b;
                }
            } else {
                mmap_untrack(start, length);
                for (int p = page; p < page + pages; ++p) {
                    model.erase(static_cast<size_t>(p));
                }
            }
            int64_t in_a = 0;
            int64_t in_b = 0;
            for (const auto& [p, stack] : model) {
                (stack == a ? in_a : in_b) += kPage;
            }
            live_flush_this_thread();
            RC_ASSERT(live_bytes() - live_before == in_a + in_b);
            RC_ASSERT(stack_live(a) - a_before == in_a);
            RC_ASSERT(stack_live(b) - b_before == in_b);
        }
        mmap_untrack(base, 128 * kPage);
        live_flush_this_thread();
        RC_ASSERT(live_bytes() == live_before);
    });
}
