// tests/report/test_tree_views.cpp — the viewer's other trees: import machinery folded into one
// frame, and the inverted tree, with the same totals as the tree they come from.
#include "report/model/tree_views.h"
#include "report/write/json_out.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

using namespace sciagraph::report;

namespace {

const std::string kBoot = " (<frozen importlib._bootstrap>:1178)";
const std::string kExternal = " (<frozen importlib._bootstrap_external>:940)";

// A tree from "a;b;c" paths with (value0, value1).
std::unique_ptr<CallTree>
tree_of(const std::vector<std::tuple<std::vector<std::string>, uint64_t, uint64_t>>& stacks)
{
    auto tree = std::make_unique<CallTree>();
    for (const auto& [frames, v0, v1] : stacks) {
        uint32_t node = CallTree::kRoot;
        for (const std::string& f : frames) {
            node = tree->child(node, tree->intern(f));
        }
        tree->add_self(node, v0, v1);
    }
    tree->finish();
    return tree;
}

// Every root-to-node path with a self value, as "a;b;c" → (self0, self1).
std::map<std::string, std::pair<uint64_t, uint64_t>> stacks_of(const CallTree& tree)
{
    std::map<std::string, std::pair<uint64_t, uint64_t>> out;
    for (uint32_t node = 1; node < tree.size(); ++node) {
        if (tree.self0(node) == 0 && tree.self1(node) == 0) {
            continue;
        }
        std::string path;
        for (uint32_t n = node; n != CallTree::kRoot; n = tree.parent(n)) {
            path = std::string(tree.node_name(n)) + (path.empty() ? "" : ";") + path;
        }
        out[path].first += tree.self0(node);
        out[path].second += tree.self1(node);
    }
    return out;
}

std::unique_ptr<CallTree> import_tree()
{
    return tree_of({
        {{"<module> (job.py:1)", "_find_and_load" + kBoot, "_load_unlocked" + kBoot,
          "exec_module" + kExternal, "<module> (pandas/__init__.py:1)", "_find_and_load" + kBoot,
          "get_data" + kExternal},
         100,
         1},
        {{"<module> (job.py:1)", "_find_and_load" + kBoot, "_load_unlocked" + kBoot,
          "exec_module" + kExternal, "<module> (numpy/__init__.py:3)"},
         50,
         2},
        {{"<module> (job.py:1)", "_find_and_load" + kBoot, "_call_with_frames_removed" + kBoot},
         7,
         0},
        {{"<module> (job.py:1)", "main (job.py:9)"}, 1000, 3},
    });
}

}  // namespace

TEST_CASE("is_import_frame: importlib's frozen and source frames, nothing else", "[views]")
{
    CHECK(is_import_frame("_find_and_load" + kBoot));
    CHECK(is_import_frame("exec_module" + kExternal));
    CHECK(is_import_frame("load_module (<frozen zipimport>:12)"));
    CHECK(is_import_frame("_load (/usr/lib/python3.11/importlib/_bootstrap.py:1)"));
    CHECK_FALSE(is_import_frame("<module> (<frozen os>:1)"));
    CHECK_FALSE(is_import_frame("import_module (/usr/lib/python3.11/importlib/__init__.py:126)"));
    CHECK_FALSE(is_import_frame("[import machinery]"));
    CHECK_FALSE(is_import_frame("load (importlib_bootstrap.py:1)"));
}

TEST_CASE("fold_import_frames: each run of import frames is one frame, totals unchanged", "[views]")
{
    const auto tree = import_tree();
    const auto folded = fold_import_frames(*tree);
    CHECK(folded->total0(CallTree::kRoot) == tree->total0(CallTree::kRoot));
    CHECK(folded->total1(CallTree::kRoot) == tree->total1(CallTree::kRoot));
    const std::map<std::string, std::pair<uint64_t, uint64_t>> expected{
        {"<module> (job.py:1);[import machinery];<module> (pandas/__init__.py:1);"
         "[import machinery]",
         {100, 1}},
        {"<module> (job.py:1);[import machinery];<module> (numpy/__init__.py:3)", {50, 2}},
        {"<module> (job.py:1);[import machinery]", {7, 0}},
        {"<module> (job.py:1);main (job.py:9)", {1000, 3}},
    };
    CHECK(stacks_of(*folded) == expected);
    // The frames that stay keep their name ids.
    for (uint32_t id = 1; id < tree->name_count(); ++id) {
        CHECK(folded->name(id) == tree->name(id));
    }
    // A tree with no import frame folds to itself.
    const auto plain = tree_of({{{"a (x.py:1)", "b (x.py:2)"}, 5, 0}});
    CHECK(stacks_of(*fold_import_frames(*plain)) == stacks_of(*plain));
}

TEST_CASE("invert_tree: the last frames at the root, callers below, totals equal", "[views]")
{
    const auto tree = tree_of({
        {{"main (job.py:1)", "load (job.py:5)", "alloc (job.py:9)"}, 30, 1},
        {{"main (job.py:1)", "parse (job.py:7)", "alloc (job.py:9)"}, 20, 2},
        {{"main (job.py:1)", "load (job.py:5)"}, 5, 0},
        {{"main (job.py:1)"}, 1, 4},
        {{"f (r.py:1)", "f (r.py:1)", "f (r.py:1)"}, 3, 0},  // recursion
    });
    const auto inverted = invert_tree(*tree);
    CHECK(inverted->total0(CallTree::kRoot) == tree->total0(CallTree::kRoot));
    CHECK(inverted->total1(CallTree::kRoot) == tree->total1(CallTree::kRoot));
    const std::map<std::string, std::pair<uint64_t, uint64_t>> expected{
        {"alloc (job.py:9);load (job.py:5);main (job.py:1)", {30, 1}},
        {"alloc (job.py:9);parse (job.py:7);main (job.py:1)", {20, 2}},
        {"load (job.py:5);main (job.py:1)", {5, 0}},
        {"main (job.py:1)", {1, 4}},
        {"f (r.py:1);f (r.py:1);f (r.py:1)", {3, 0}},
    };
    CHECK(stacks_of(*inverted) == expected);
    // alloc's top-level node carries everything allocated there, whoever called it.
    const uint32_t alloc = *inverted->children_begin(CallTree::kRoot);
    CHECK(inverted->node_name(alloc) == "alloc (job.py:9)");
    CHECK(inverted->weight(alloc) == 53);
    for (uint32_t id = 1; id < tree->name_count(); ++id) {
        CHECK(inverted->name(id) == tree->name(id));
    }
    // Inverted twice, a tree of leaf-only values is the tree again.
    const auto leaves = tree_of({{{"a (x.py:1)", "b (x.py:2)"}, 5, 0}, {{"c (x.py:3)"}, 2, 0}});
    CHECK(stacks_of(*invert_tree(*invert_tree(*leaves))) == stacks_of(*leaves));
}

TEST_CASE("invert_tree: stopping at narrow nodes draws what the full inversion draws", "[views]")
{
    // Many stacks over few names, so leaves merge and paths diverge at every depth.
    std::vector<std::tuple<std::vector<std::string>, uint64_t, uint64_t>> stacks;
    uint64_t seed = 12345;
    auto next = [&seed](uint64_t n) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        return (seed >> 33) % n;
    };
    for (int s = 0; s < 3000; ++s) {
        std::vector<std::string> frames(1 + next(12));
        for (std::string& f : frames) {
            f = std::string(1, 'f')
                    .append(std::to_string(next(9)))
                    .append(" (m.py:")
                    .append(std::to_string(1 + next(3)))
                    .append(1, ')');
        }
        stacks.emplace_back(frames, 1 + next(1000) * next(1000), next(50));
    }
    const auto tree = tree_of(stacks);
    const auto full = invert_tree(*tree);
    for (const double px : {0.1, 1.0, 5.0}) {
        const double threshold = static_cast<double>(tree->weight(CallTree::kRoot)) * px / 1200;
        const auto partial = invert_tree(*tree, threshold);
        CHECK(partial->size() < full->size());
        const PrunedTree a = prune(*full, px), b = prune(*partial, px);
        REQUIRE(a.nodes.size() == b.nodes.size());
        CHECK(a.parents == b.parents);
        CHECK(a.hidden == b.hidden);
        CHECK(a.pruned_weight == b.pruned_weight);
        for (size_t i = 0; i < a.nodes.size(); ++i) {
            CHECK(full->node_name(a.nodes[i]) == partial->node_name(b.nodes[i]));
            CHECK(full->total0(a.nodes[i]) == partial->total0(b.nodes[i]));
            CHECK(full->total1(a.nodes[i]) == partial->total1(b.nodes[i]));
        }
    }
}

TEST_CASE("append_graph_json: the viewer's data carries the inverted tree and the import fold",
          "[views]")
{
    const auto tree = import_tree();
    Graph graph{GraphKind::MemoryPeak, tree.get(), "Memory", ""};
    std::string plain;
    append_graph_json(plain, graph, 0, 50);
    CHECK_FALSE(nlohmann::json::parse(plain).contains("inverted"));  // profile.json as before

    std::string out;
    append_graph_json(out, graph, 0, 50, true);
    const nlohmann::json j = nlohmann::json::parse(out);
    const auto& names = j["names"];
    const auto& inverted = j["inverted"];
    REQUIRE(inverted["name"].size() == inverted["parent"].size());
    CHECK(inverted["total_value"][0] == j["total_value"][0]);
    uint64_t top_level = 0;
    for (size_t i = 1; i < inverted["parent"].size(); ++i) {
        top_level += inverted["parent"][i] == 0 ? inverted["total_value"][i].get<uint64_t>() : 0;
    }
    CHECK(top_level == j["total_value"][0]);
    REQUIRE(j.contains("import_frames"));
    CHECK(names[j["import_frame_name"].get<size_t>()] == "[import machinery]");
    std::vector<std::string> imports;
    for (const auto& i : j["import_frames"]) {
        imports.push_back(names[i.get<size_t>()]);
    }
    std::sort(imports.begin(), imports.end());
    CHECK(imports == std::vector<std::string>{"_call_with_frames_removed" + kBoot,
                                              "_find_and_load" + kBoot, "_load_unlocked" + kBoot,
                                              "exec_module" + kExternal, "get_data" + kExternal});
    // The folded top table has one row for the machinery, with every import frame's self.
    const auto& top = j["top_folded"];
    bool found = false;
    for (size_t r = 0; r < top["count"].get<size_t>(); ++r) {
        if (names[top["name"][r].get<size_t>()] == "[import machinery]") {
            found = true;
            CHECK(top["self_value"][r] == 100 + 1 + 7);
        }
        CHECK_FALSE(is_import_frame(names[top["name"][r].get<size_t>()].get<std::string>()));
    }
    CHECK(found);
}
