// tests/report/test_call_tree.cpp — the tree: merging, totals, order, pruning, per-name stats.
#include "call_tree.h"
#include "folded_reader.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <map>

using namespace sciagraph::report;

namespace {

std::unique_ptr<CallTree> tree_of(const std::string& folded)
{
    auto text = std::make_shared<std::string>(folded);
    FoldedResult r = parse_folded(*text, text);
    REQUIRE(r.tree);
    return std::move(r.tree);
}

uint32_t find(const CallTree& t, uint32_t parent, std::string_view name)
{
    for (const uint32_t* c = t.children_begin(parent); c != t.children_end(parent); ++c) {
        if (t.node_name(*c) == name) {
            return *c;
        }
    }
    FAIL("no child " << name);
    return 0;
}

std::vector<std::string> child_names(const CallTree& t, uint32_t node)
{
    std::vector<std::string> names;
    for (const uint32_t* c = t.children_begin(node); c != t.children_end(node); ++c) {
        names.emplace_back(t.node_name(*c));
    }
    return names;
}

}  // namespace

TEST_CASE("call_tree: identical prefixes merge whatever the line order", "[report]")
{
    // flamegraph.pl splits `run` here (sorted-line adjacency); a real tree must not.
    const auto t = tree_of("main;run 5\nmain;run2 1\nmain;run;x 3\n");
    const uint32_t main = find(*t, CallTree::kRoot, "main");
    CHECK(child_names(*t, main) == std::vector<std::string>{"run", "run2"});
    const uint32_t run = find(*t, main, "run");
    CHECK(t->total0(run) == 8);
    CHECK(t->self0(run) == 5);
    CHECK(t->total0(CallTree::kRoot) == 9);
}

TEST_CASE("call_tree: duplicate lines add up and children sort by name", "[report]")
{
    const auto t = tree_of("a;c 1\na;b 2\na;c 4\n");
    const uint32_t a = find(*t, CallTree::kRoot, "a");
    CHECK(child_names(*t, a) == std::vector<std::string>{"b", "c"});
    CHECK(t->self0(find(*t, a, "c")) == 5);
}

TEST_CASE("call_tree: frames narrower than the minimum width are pruned and counted", "[report]")
{
    // 1200 px wide, 1 px minimum: anything under 1/1200 of the total goes.
    const auto t = tree_of("a;big 11990\na;tiny 5\nb 5\n");
    const PrunedTree p = prune(*t, 1.0, 1200);
    std::vector<std::string> kept;
    for (uint32_t n : p.nodes) {
        kept.emplace_back(t->node_name(n));
    }
    CHECK(kept == std::vector<std::string>{"all", "a", "big"});
    CHECK(p.pruned_weight == 10);
    CHECK(p.pruned_nodes == 2);
    CHECK(p.hidden[1] == 5);  // a's hidden child
    CHECK(p.depths == std::vector<uint16_t>{0, 1, 2});
    CHECK(p.parents == std::vector<uint32_t>{0, 0, 1});
    const PrunedTree all = prune(*t, 0, 1200);
    CHECK(all.nodes.size() == t->size());
    CHECK(all.pruned_weight == 0);
}

TEST_CASE("call_tree: per-name totals count a recursive function once", "[report]")
{
    const auto t = tree_of("f;f;f 3\nf;g 2\n");
    const auto stats = stats_by_name(*t, 10);
    std::map<std::string, NameStat> by_name;
    for (const NameStat& s : stats) {
        by_name[std::string(t->name(s.name))] = s;
    }
    CHECK(by_name["f"].total0 == 5);
    CHECK(by_name["f"].self0 == 3);
    CHECK(by_name["g"].self0 == 2);
    CHECK(stats.front().name == t->name_id(find(*t, CallTree::kRoot, "f")));
}

TEST_CASE("call_tree: totals equal the sum of the stacks for any input", "[report]")
{
    rc::prop("root total is the sum and every node's total is self plus children", [] {
        const auto lines = *rc::gen::container<std::vector<std::pair<std::vector<int>, int>>>(
            rc::gen::pair(rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 4)),
                          rc::gen::inRange(0, 100)));
        std::string text;
        uint64_t sum = 0;
        for (const auto& [frames, value] : lines) {
            if (frames.empty()) {
                continue;
            }
            for (size_t i = 0; i < frames.size(); ++i) {
                text.append(i ? ";f" : "f").append(std::to_string(frames[i]));
            }
            text.append(1, ' ').append(std::to_string(value)).append(1, '\n');
            sum += static_cast<uint64_t>(value);
        }
        RC_PRE(sum > 0);
        const auto t = tree_of(text);
        RC_ASSERT(t->total0(CallTree::kRoot) == sum);
        for (uint32_t n = 0; n < t->size(); ++n) {
            uint64_t children = 0;
            for (const uint32_t* c = t->children_begin(n); c != t->children_end(n); ++c) {
                children += t->total0(*c);
            }
            RC_ASSERT(t->total0(n) == t->self0(n) + children);
        }
    });
}
