// The live sampled-allocation table against a std::map model, under random
// insert/remove/lookup sequences, and under concurrent use.
#include "core/alloc_table.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

using sciagraph::core::alloc_table;
using sciagraph::core::SampledAlloc;

namespace {

// The table is a process-wide singleton (as in the job); each test uses its own address range
// so leftovers of one test never collide with another's.
std::atomic<uintptr_t> g_next_base{uintptr_t{1} << 40};

uintptr_t fresh_base() noexcept
{
    return g_next_base.fetch_add(uintptr_t{1} << 32);
}

void ensure_init()
{
    static bool done = alloc_table().init(64);
    REQUIRE(done);
}

}  // namespace

TEST_CASE("alloc_table: behaves like a map under random operations", "[core]")
{
    ensure_init();
    rc::prop("insert/remove/contains agree with std::map", [] {
        const uintptr_t base = fresh_base();
        std::map<uintptr_t, SampledAlloc> model;
        const auto ops = *rc::gen::container<std::vector<std::tuple<int, int, uint32_t>>>(
            rc::gen::tuple(rc::gen::inRange(0, 3), rc::gen::inRange(0, 3000),
                           rc::gen::inRange<uint32_t>(1, 1000)));
        for (const auto& [op, slot, value] : ops) {
            uintptr_t address = base + static_cast<uintptr_t>(slot) * 16;
            if (op == 0) {
                RC_ASSERT(alloc_table().insert(address, SampledAlloc{value, value * 10ull}));
                model[address] = SampledAlloc{value, value * 10ull};
            } else if (op == 1) {
                SampledAlloc out{};
                bool removed = alloc_table().remove(address, out);
                auto it = model.find(address);
                RC_ASSERT(removed == (it != model.end()));
                if (removed) {
                    RC_ASSERT(out.stack == it->second.stack);
                    RC_ASSERT(out.weight == it->second.weight);
                    model.erase(it);
                }
            } else {
                RC_ASSERT(alloc_table().contains(address) == (model.count(address) == 1));
            }
        }
        for (const auto& [address, value] : model) {
            SampledAlloc out{};
            RC_ASSERT(alloc_table().remove(address, out));
        }
    });
}

TEST_CASE("alloc_table: many live entries grow the table without losing any", "[core]")
{
    ensure_init();
    const uintptr_t base = fresh_base();
    const size_t count = 100000;
    for (size_t i = 0; i < count; ++i) {
        REQUIRE(alloc_table().insert(base + i * 32, SampledAlloc{static_cast<uint32_t>(i + 1), i}));
    }
    REQUIRE(alloc_table().capacity() >= count * 4);
    for (size_t i = 0; i < count; ++i) {
        SampledAlloc out{};
        REQUIRE(alloc_table().remove(base + i * 32, out));
        REQUIRE(out.weight == i);
    }
    REQUIRE_FALSE(alloc_table().contains(base));
}

TEST_CASE("alloc_table: threads inserting and freeing each other's blocks lose nothing", "[core]")
{
    ensure_init();
    const uintptr_t base = fresh_base();
    constexpr int kThreads = 8;
    constexpr size_t kPerThread = 20000;
    std::atomic<size_t> removed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (size_t i = 0; i < kPerThread; ++i) {
                uintptr_t mine = base + (static_cast<uintptr_t>(t) * kPerThread + i) * 16;
                alloc_table().insert(mine, SampledAlloc{1, 1});
                // Free the block the previous thread inserted at the same index, if it is
                // there yet: frees in another thread than the allocating one.
                int other = (t + kThreads - 1) % kThreads;
                uintptr_t theirs = base + (static_cast<uintptr_t>(other) * kPerThread + i) * 16;
                SampledAlloc out{};
                if (alloc_table().remove(theirs, out)) {
                    removed.fetch_add(1);
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    size_t left = 0;
    for (size_t i = 0; i < kThreads * kPerThread; ++i) {
        SampledAlloc out{};
        if (alloc_table().remove(base + i * 16, out)) {
            ++left;
        }
    }
    REQUIRE(removed.load() + left == kThreads * kPerThread);
}

TEST_CASE("alloc_table: an address freed and sampled again reuses its tombstone", "[core]")
{
    ensure_init();
    const uintptr_t base = fresh_base();
    // A job that allocates and frees one block in a loop (every allocation sampled, as in
    // --exact): the tombstone each free leaves is the slot the next insert takes, so the count
    // of tombstones, which decides when the table is rebuilt, does not grow.
    REQUIRE(alloc_table().insert(base, SampledAlloc{1, 64}));
    SampledAlloc out{};
    REQUIRE(alloc_table().remove(base, out));
    const size_t tombstones = alloc_table().tombstones();
    for (int i = 0; i < 10000; ++i) {
        REQUIRE(alloc_table().insert(base, SampledAlloc{2, 64}));
        REQUIRE(alloc_table().tombstones() <= tombstones);
        REQUIRE(alloc_table().remove(base, out));
        REQUIRE(out.stack == 2);
        REQUIRE(alloc_table().tombstones() <= tombstones + 1);
    }
    REQUIRE_FALSE(alloc_table().contains(base));
}
