// report/model/call_tree.h — the call tree every output is drawn from: nodes keyed by (parent,
// frame name), so identical prefixes merge whatever order the stacks come in (never by adjacency of
// sorted text lines), with a self value per node for up to two metrics (memory: bytes; time:
// CPU and waiting microseconds; folded input: its counts). Children are sorted by name, so
// every output is deterministic.
#pragma once

#include "huge_alloc.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sciagraph::report {

class CallTree {
public:
    static constexpr uint32_t kRoot = 0;

    CallTree();

    // Interns a frame name and returns its id. `raw` must outlive the tree when
    // `raw_is_stable` (it points into storage held by `keep_alive`); otherwise it is copied.
    // The stored name is sanitised (text.h), so all outputs agree on it.
    uint32_t intern(std::string_view raw, bool raw_is_stable = false);
    // The same, with the name's hash_bytes() already computed.
    uint32_t intern_hashed(std::string_view raw, uint64_t hash)
    {
        return find_or_add_name(raw, hash, false);
    }
    // The child of `parent` named `name`, created when missing. A parent's id is always below
    // its children's; after finish() ids are in pre-order (children in name order).
    uint32_t child(uint32_t parent, uint32_t name);
    // Hints that child(parent, name) comes soon: its hash slot is fetched into the cache, so
    // walks of many stacks at once overlap their memory latency.
    void prefetch_child(uint32_t parent, uint32_t name) const;
    void add_self(uint32_t node, uint64_t value0, uint64_t value1 = 0)
    {
        nodes_[node].self0 += value0;
        nodes_[node].self1 += value1;
    }

    // Sizes the tables for about `nodes` nodes, so building does not rehash as it grows.
    void reserve(size_t nodes);

    // Computes totals and the sorted child lists; call once, after the last add.
    void finish();

    size_t size() const { return nodes_.size(); }
    size_t name_count() const { return names_.size(); }
    std::string_view name(uint32_t name_id) const { return names_[name_id]; }
    // The name as it was interned, before sanitising: interning every key of a tree in id order
    // into a new tree gives the same ids (report/model/tree_views.h relies on it).
    std::string_view name_key(uint32_t name_id) const { return name_keys_[name_id]; }
    std::string_view node_name(uint32_t node) const { return names_[nodes_[node].name]; }
    uint32_t name_id(uint32_t node) const { return nodes_[node].name; }
    uint32_t parent(uint32_t node) const { return nodes_[node].parent; }
    uint64_t self0(uint32_t node) const { return nodes_[node].self0; }
    uint64_t self1(uint32_t node) const { return nodes_[node].self1; }
    uint64_t total0(uint32_t node) const { return total0_[node]; }
    uint64_t total1(uint32_t node) const { return total1_[node]; }
    // The width of a node: both metrics together (time: CPU + waiting).
    uint64_t weight(uint32_t node) const { return total0_[node] + total1_[node]; }
    const uint32_t* children_begin(uint32_t node) const
    {
        return children_.data() + child_begin_[node];
    }
    const uint32_t* children_end(uint32_t node) const
    {
        return children_.data() + child_begin_[node + 1];
    }
    // Visits the nodes depth first, children in order, with each node's depth (1 for the
    // root's children). `visit(node, depth)` returns false to skip the node's subtree.
    template <typename Visit>
    void visit_preorder(Visit&& visit) const
    {
        struct Entry {
            uint32_t node;
            uint32_t depth;
        };
        std::vector<Entry> stack;
        for (const uint32_t* c = children_end(kRoot); c != children_begin(kRoot);) {
            stack.push_back({*--c, 1});
        }
        while (!stack.empty()) {
            const Entry e = stack.back();
            stack.pop_back();
            if (!visit(e.node, e.depth)) {
                continue;
            }
            for (const uint32_t* c = children_end(e.node); c != children_begin(e.node);) {
                stack.push_back({*--c, e.depth + 1});
            }
        }
    }
    // Rank of a name in byte order of the names, for sorting.
    uint32_t name_rank(uint32_t name_id) const { return name_rank_[name_id]; }

    // Storage the stable names point into (e.g. a mapped input file).
    std::shared_ptr<const void> keep_alive;

private:
    uint32_t find_or_add_name(std::string_view key, uint64_t hash, bool stable);
    void build_child_lists();
    void renumber_preorder();
    void grow_name_slots();
    void grow_child_slots();

    std::vector<std::string_view> names_;      // display names (sanitised)
    std::vector<std::string_view> name_keys_;  // raw names, the intern key
    std::vector<uint64_t> name_hashes_;
    std::vector<uint32_t> name_slots_;  // open addressing: name id + 1, 0 = empty
    std::deque<std::string> owned_;     // copies of names that were not stable

    // One record per node (one cache line fetch per node visited, not one per field).
    struct Node {
        uint32_t parent;
        uint32_t name;
        uint64_t self0;
        uint64_t self1;
    };
    BigVector<Node> nodes_;
    BigVector<uint64_t> total0_, total1_;
    struct ChildSlot {
        uint64_t key;  // parent << 32 | name; ~0 = empty
        uint32_t node;
    };
    BigVector<ChildSlot> child_slots_;  // open addressing, one cache miss per lookup
    size_t child_count_ = 0;

    BigVector<uint32_t> child_begin_, children_;
    std::vector<uint32_t> name_rank_;
};

// The nodes an output draws: those at least `min_fraction` of the root's weight wide, in
// pre-order (children in name order). What falls below is counted, not drawn.
struct PrunedTree {
    std::vector<uint32_t> nodes;    // pre-order; nodes[0] is the root
    std::vector<uint32_t> parents;  // index into `nodes` of each node's parent (root: 0)
    std::vector<uint16_t> depths;
    std::vector<uint64_t> hidden;  // weight of each node's children that were pruned
    uint64_t pruned_weight = 0;    // sum of `hidden`
    uint32_t pruned_nodes = 0;     // nodes not drawn
    uint32_t max_depth = 0;
};
// `min_width_px` of a `width_px` wide graph; depth is capped (deeper frames count as hidden).
// What makes a node wide: both metrics (every graph), or the second alone (a diff, drawn on
// AFTER's values, report/model/diff.h); a node of width 0 is not drawn.
enum class PruneBy { Weight, Second };
PrunedTree prune(const CallTree& tree,
                 double min_width_px,
                 double width_px = 1200,
                 uint32_t max_depth = 2048,
                 PruneBy by = PruneBy::Weight);

// Per distinct frame name: self values, and the total counted once per stack even when the
// name recurses. Sorted by self (both metrics together), largest first, then by name.
struct NameStat {
    uint32_t name = 0;
    uint64_t self0 = 0, self1 = 0, total0 = 0, total1 = 0;
};
std::vector<NameStat> stats_by_name(const CallTree& tree, size_t limit);

// Hash of a byte range, 8 bytes a step (names are hashed once per frame of input).
uint64_t hash_bytes(const char* data, size_t size);

}  // namespace sciagraph::report
