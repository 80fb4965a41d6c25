// Units of core/sampler/thread_table: the per-thread state table under thread churn.
#include "sampler/thread_table.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <map>
#include <vector>

using sciagraph::core::sampler::ThreadSlot;
using sciagraph::core::sampler::ThreadTable;

namespace {

struct Table {
    explicit Table(size_t capacity) : slots(capacity) { table.attach(slots.data(), capacity); }
    std::vector<ThreadSlot> slots;
    ThreadTable table;
};

}  // namespace

TEST_CASE("thread_table: insert, find and erase", "[sampler]")
{
    Table t(16);
    bool inserted = false;
    ThreadSlot* slot = t.table.find_or_insert(1234, inserted);
    REQUIRE(slot != nullptr);
    CHECK(inserted);
    slot->stack = 7;
    CHECK(t.table.find(1234)->stack == 7);
    CHECK(t.table.find_or_insert(1234, inserted)->stack == 7);
    CHECK_FALSE(inserted);
    t.table.erase(t.table.find(1234));
    CHECK(t.table.find(1234) == nullptr);
    CHECK(t.table.size() == 0);
}

TEST_CASE("thread_table: refuses inserts beyond three quarters of its capacity", "[sampler]")
{
    Table t(16);
    bool inserted = false;
    for (int32_t tid = 1; tid <= 12; ++tid) {
        REQUIRE(t.table.find_or_insert(tid, inserted) != nullptr);
    }
    CHECK(t.table.find_or_insert(13, inserted) == nullptr);
    CHECK(t.table.find_or_insert(5, inserted) != nullptr);  // existing ones are still found
}

TEST_CASE("thread_table: thousands of short-lived threads never fill it", "[sampler]")
{
    // 64 threads alive at a time, each lives a few passes; TIDs keep growing (as the kernel's).
    Table t(128);
    bool inserted = false;
    int32_t next_tid = 100;
    std::vector<int32_t> alive;
    for (uint64_t pass = 1; pass <= 2000; ++pass) {
        if (pass % 3 == 0) {
            alive.erase(alive.begin(), alive.begin() + std::min<size_t>(alive.size(), 20));
        }
        while (alive.size() < 64) {
            alive.push_back(next_tid++);
        }
        for (int32_t tid : alive) {
            ThreadSlot* slot = t.table.find_or_insert(tid, inserted);
            REQUIRE(slot != nullptr);
            slot->seen_pass = pass;
        }
        t.table.evict_unseen(pass);
        REQUIRE(t.table.size() == alive.size());
    }
}

TEST_CASE("thread_table: behaves as a map under random churn", "[sampler]")
{
    rc::prop("matches std::map", [] {
        const auto capacity = size_t{1} << *rc::gen::inRange(2, 7);
        Table t(capacity);
        std::map<int32_t, uint32_t> model;  // tid → stack
        std::map<int32_t, uint64_t> seen;
        uint64_t pass = 1;
        const auto steps = *rc::gen::inRange(1, 300);
        for (int step = 0; step < steps; ++step) {
            // A small TID range: many collisions and long probe chains.
            const int32_t tid = *rc::gen::inRange(1, 40);
            const int op = *rc::gen::inRange(0, 5);
            if (op == 0 || op == 1) {
                bool inserted = false;
                ThreadSlot* slot = t.table.find_or_insert(tid, inserted);
                if (model.count(tid) != 0) {
                    RC_ASSERT(slot != nullptr);
                    RC_ASSERT(!inserted);
                    RC_ASSERT(slot->stack == model[tid]);
                } else if (model.size() >= t.table.max_size()) {
                    RC_ASSERT(slot == nullptr);
                    continue;
                } else {
                    RC_ASSERT(slot != nullptr);
                    RC_ASSERT(inserted);
                    model[tid] = 0;
                }
                slot->stack = static_cast<uint32_t>(step + 1);
                slot->seen_pass = pass;
                model[tid] = slot->stack;
                seen[tid] = pass;
            } else if (op == 2) {
                ThreadSlot* slot = t.table.find(tid);
                if (slot != nullptr) {
                    t.table.erase(slot);
                }
                RC_ASSERT((slot != nullptr) == (model.erase(tid) == 1));
                seen.erase(tid);
            } else if (op == 3) {
                const size_t evicted = t.table.evict_unseen(pass);
                size_t expected = 0;
                for (auto it = model.begin(); it != model.end();) {
                    if (seen[it->first] != pass) {
                        seen.erase(it->first);
                        it = model.erase(it);
                        ++expected;
                    } else {
                        ++it;
                    }
                }
                RC_ASSERT(evicted == expected);
                ++pass;
            } else {
                ThreadSlot* slot = t.table.find(tid);
                RC_ASSERT((slot != nullptr) == (model.count(tid) == 1));
            }
            RC_ASSERT(t.table.size() == model.size());
            for (const auto& [key, stack] : model) {
                const ThreadSlot* slot = t.table.find(key);
                RC_ASSERT(slot != nullptr);
                RC_ASSERT(slot->stack == stack);
            }
        }
    });
}
