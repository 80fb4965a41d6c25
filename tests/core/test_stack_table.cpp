// The stack table: interning gives one id per distinct stack, whose chain of (parent, frame)
// nodes spells the stack back, whatever the order of the calls and the prefix each thread's
// last stack leaves behind (stack_table.cpp keeps it to skip the levels two stacks share).
#include "core/stack_table.h"
#include "core/stack_table_internal.h"

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <thread>
#include <vector>

using namespace sciagraph::core;

namespace {

void ensure_init()
{
    static bool done = stack_table_init();
    REQUIRE(done);
}

// What the table holds for `id`, leaf first, as (code, line) pairs.
std::vector<python::RawFrame> spell(StackId id)
{
    const StackTableView view = stack_table_view();
    std::vector<python::RawFrame> frames;
    for (; id != 0; id = view.stacks[id].parent) {
        const FrameEntry& frame = view.frames[view.stacks[id].frame];
        frames.push_back(python::RawFrame{frame.code, frame.line});
    }
    return frames;
}

bool same(const std::vector<python::RawFrame>& a, const std::vector<python::RawFrame>& b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].code != b[i].code || a[i].line != b[i].line) {
            return false;
        }
    }
    return true;
}

python::CodeInfo g_codes[6] = {
    {"main", "job.py", 1, 910001},    {"load", "job.py", 10, 910002},
    {"parse", "io.py", 20, 910003},   {"step", "calc.py", 30, 910004},
    {"inner", "calc.py", 40, 910005}, {"alloc", "mem.py", 50, 910006},
};

// A random stack, leaf first, sharing long prefixes with the others (few codes and lines) and
// sometimes deeper than the prefix the table keeps.
std::vector<python::RawFrame> random_stack(std::mt19937& rng)
{
    std::uniform_int_distribution<int> depth(1, rng() % 8 == 0 ? 90 : 12);
    std::uniform_int_distribution<int> code(0, 5);
    std::uniform_int_distribution<uint32_t> line(1, 3);
    std::vector<python::RawFrame> frames(static_cast<size_t>(depth(rng)));
    for (auto& frame : frames) {
        frame = python::RawFrame{&g_codes[code(rng)], line(rng)};
    }
    return frames;
}

}  // namespace

TEST_CASE("stack table: every id spells its stack back, one id per distinct stack", "[core]")
{
    ensure_init();
    std::mt19937 rng(Catch::rngSeed());
    std::map<std::vector<std::pair<const void*, uint32_t>>, StackId> ids;
    for (int i = 0; i < 5000; ++i) {
        std::vector<python::RawFrame> stack = random_stack(rng);
        // Half the time, the stack just interned with its leaf changed: the prefix case.
        if (i % 2 == 1) {
            stack[0].line = stack[0].line % 3 + 1;
        }
        const StackId id = intern_stack(stack.data(), stack.size(), static_cast<PseudoFrame>(0));
        REQUIRE(id != 0);
        REQUIRE(same(spell(id), stack));
        std::vector<std::pair<const void*, uint32_t>> key;
        for (const auto& frame : stack) {
            key.emplace_back(frame.code, frame.line);
        }
        const auto [it, inserted] = ids.emplace(key, id);
        REQUIRE(it->second == id);  // the same stack again: the same id
    }
}

TEST_CASE("stack table: threads interning at once agree on every id", "[core]")
{
    ensure_init();
    std::vector<std::vector<python::RawFrame>> stacks;
    std::mt19937 rng(Catch::rngSeed() + 1);
    for (int i = 0; i < 400; ++i) {
        stacks.push_back(random_stack(rng));
    }
    std::vector<std::vector<StackId>> got(4, std::vector<StackId>(stacks.size()));
    std::vector<std::thread> threads;
    for (size_t t = 0; t < got.size(); ++t) {
        threads.emplace_back([&, t] {
            for (size_t round = 0; round < 5; ++round) {
                for (size_t k = 0; k < stacks.size(); ++k) {
                    const size_t i = (k * (t + 1) + round) % stacks.size();
                    got[t][i] = intern_stack(stacks[i].data(), stacks[i].size(),
                                             static_cast<PseudoFrame>(0));
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (size_t i = 0; i < stacks.size(); ++i) {
        REQUIRE(got[0][i] != 0);
        REQUIRE(same(spell(got[0][i]), stacks[i]));
        for (size_t t = 1; t < got.size(); ++t) {
            REQUIRE(got[t][i] == got[0][i]);
        }
    }
}
