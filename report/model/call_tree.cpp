// report/model/call_tree.cpp — see call_tree.h. Hash tables are open addressing over flat vectors:
// the tree of a 200,000-stack input has millions of nodes, and node-based maps would spend
// most of the render in allocation and pointer chasing.
#include "call_tree.h"

#include "text.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace sciagraph::report {
namespace {

constexpr uint64_t kEmptyKey = ~0ull;

uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

}  // namespace

uint64_t hash_bytes(const char* data, size_t size)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (size * 0xbf58476d1ce4e5b9ull);
    while (size >= 8) {
        uint64_t v;
        std::memcpy(&v, data, 8);
        h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 29;
        data += 8;
        size -= 8;
    }
    uint64_t tail = 0;
    std::memcpy(&tail, data, size);
    return mix(h ^ tail);
}

CallTree::CallTree()
{
    name_slots_.assign(1024, 0);
    child_slots_.assign(1024, ChildSlot{kEmptyKey, 0});
    // The root: a node with no name of its own; name id 0 is reserved for it.
    intern("all", true);
    nodes_.push_back({0, 0, 0, 0});
}

uint32_t CallTree::intern(std::string_view raw, bool raw_is_stable)
{
    return find_or_add_name(raw, hash_bytes(raw.data(), raw.size()), raw_is_stable);
}

uint32_t CallTree::find_or_add_name(std::string_view key, uint64_t hash, bool stable)
{
    const size_t mask = name_slots_.size() - 1;
    for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
        const uint32_t entry = name_slots_[slot];
        if (entry == 0) {
            const auto id = static_cast<uint32_t>(names_.size());
            if (!stable) {
                key = owned_.emplace_back(key);
            }
            std::string sanitised;
            std::string_view display = key;
            if (sanitize_frame_name(key, sanitised)) {
                display = owned_.emplace_back(std::move(sanitised));
            }
            names_.push_back(display);
            name_keys_.push_back(key);
            name_hashes_.push_back(hash);
            name_slots_[slot] = id + 1;
            if (names_.size() * 2 > name_slots_.size()) {
                grow_name_slots();
            }
            return id;
        }
        if (name_hashes_[entry - 1] == hash && name_keys_[entry - 1] == key) {
            return entry - 1;
        }
    }
}

void CallTree::grow_name_slots()
{
    std::vector<uint32_t> slots(name_slots_.size() * 2, 0);
    const size_t mask = slots.size() - 1;
    for (uint32_t id = 0; id < names_.size(); ++id) {
        size_t slot = name_hashes_[id] & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        slots[slot] = id + 1;
    }
    name_slots_ = std::move(slots);
}

void CallTree::reserve(size_t nodes)
{
    size_t slots = child_slots_.size();
    while (slots < nodes * 2 && slots < (size_t{1} << 30)) {
        slots *= 2;
    }
    if (slots != child_slots_.size()) {
        BigVector<ChildSlot> old = std::move(child_slots_);
        child_slots_.assign(slots, ChildSlot{kEmptyKey, 0});
        const size_t mask = slots - 1;
        for (const ChildSlot& s : old) {
            if (s.key != kEmptyKey) {
                size_t slot = mix(s.key) & mask;
                while (child_slots_[slot].key != kEmptyKey) {
                    slot = (slot + 1) & mask;
                }
                child_slots_[slot] = s;
            }
        }
    }
    nodes_.reserve(nodes);
}

void CallTree::prefetch_child(uint32_t parent, uint32_t name) const
{
    const uint64_t key = (static_cast<uint64_t>(parent) << 32) | name;
    __builtin_prefetch(&child_slots_[mix(key) & (child_slots_.size() - 1)]);
}

uint32_t CallTree::child(uint32_t parent, uint32_t name)
{
    const uint64_t key = (static_cast<uint64_t>(parent) << 32) | name;
    const size_t mask = child_slots_.size() - 1;
    for (size_t slot = mix(key) & mask;; slot = (slot + 1) & mask) {
        ChildSlot& s = child_slots_[slot];
        if (s.key == key) {
            return s.node;
        }
        if (s.key == kEmptyKey) {
            const auto id = static_cast<uint32_t>(nodes_.size());
            nodes_.push_back({parent, name, 0, 0});
            s = {key, id};
            if (++child_count_ * 2 > child_slots_.size()) {
                grow_child_slots();
            }
            return id;
        }
    }
}

void CallTree::grow_child_slots()
{
    BigVector<ChildSlot> slots(child_slots_.size() * 2, ChildSlot{kEmptyKey, 0});
    const size_t mask = slots.size() - 1;
    for (const ChildSlot& s : child_slots_) {
        if (s.key == kEmptyKey) {
            continue;
        }
        size_t slot = mix(s.key) & mask;
        while (slots[slot].key != kEmptyKey) {
            slot = (slot + 1) & mask;
        }
        slots[slot] = s;
    }
    child_slots_ = std::move(slots);
}

void CallTree::finish()
{
    // The lookup tables are only needed while building.
    BigVector<ChildSlot>().swap(child_slots_);
    std::vector<uint32_t>().swap(name_slots_);

    std::vector<uint32_t> by_name(names_.size());
    std::iota(by_name.begin(), by_name.end(), 0u);
    std::sort(by_name.begin(), by_name.end(), [this](uint32_t a, uint32_t b) {
        return names_[a] < names_[b] || (names_[a] == names_[b] && a < b);
    });
    name_rank_.assign(names_.size(), 0);
    for (uint32_t r = 0; r < by_name.size(); ++r) {
        name_rank_[by_name[r]] = r;
    }

    // Children lists in name order, then the nodes renumbered in pre-order: every later walk
    // (pruning, per-name statistics, folded and speedscope output) then reads the node arrays
    // front to back instead of jumping around millions of nodes.
    build_child_lists();
    for (size_t i = 0; i < nodes_.size(); ++i) {
        auto* begin = children_.data() + child_begin_[i];
        auto* end = children_.data() + child_begin_[i + 1];
        if (end - begin > 1) {
            std::sort(begin, end, [this](uint32_t a, uint32_t b) {
                return name_rank_[nodes_[a].name] < name_rank_[nodes_[b].name];
            });
        }
    }
    renumber_preorder();
    build_child_lists();  // already in name order: pre-order visits children in that order

    const size_t n = nodes_.size();
    total0_.resize(n);
    total1_.resize(n);
    for (size_t i = 0; i < n; ++i) {
        total0_[i] = nodes_[i].self0;
        total1_[i] = nodes_[i].self1;
    }
    for (size_t i = n; i-- > 1;) {  // children have larger ids than their parents
        total0_[nodes_[i].parent] += total0_[i];
        total1_[nodes_[i].parent] += total1_[i];
    }
}

void CallTree::build_child_lists()
{
    const size_t n = nodes_.size();
    child_begin_.assign(n + 1, 0);
    for (size_t i = 1; i < n; ++i) {
        ++child_begin_[nodes_[i].parent + 1];
    }
    for (size_t i = 0; i < n; ++i) {
        child_begin_[i + 1] += child_begin_[i];
    }
    children_.assign(n > 0 ? n - 1 : 0, 0);
    BigVector<uint32_t> fill(child_begin_.begin(), child_begin_.end() - 1);
    for (size_t i = 1; i < n; ++i) {
        children_[fill[nodes_[i].parent]++] = static_cast<uint32_t>(i);
    }
}

void CallTree::renumber_preorder()
{
    const size_t n = nodes_.size();
    BigVector<uint32_t> order;  // new id -> old id
    order.reserve(n);
    std::vector<uint32_t> stack{kRoot};
    while (!stack.empty()) {
        const uint32_t node = stack.back();
        stack.pop_back();
        order.push_back(node);
        for (const uint32_t* c = children_end(node); c != children_begin(node);) {
            stack.push_back(*--c);
        }
    }
    BigVector<uint32_t> new_id(n);
    for (uint32_t i = 0; i < n; ++i) {
        new_id[order[i]] = i;
    }
    BigVector<Node> renumbered(n);
    constexpr size_t kAhead = 16;  // random reads: fetch a few nodes ahead
    for (size_t i = 0; i < n; ++i) {
        if (i + kAhead < n) {
            __builtin_prefetch(&nodes_[order[i + kAhead]]);
        }
        renumbered[i] = nodes_[order[i]];
    }
    for (size_t i = 0; i < n; ++i) {
        if (i + kAhead < n) {
            __builtin_prefetch(&new_id[renumbered[i + kAhead].parent]);
        }
        renumbered[i].parent = new_id[renumbered[i].parent];
    }
    nodes_ = std::move(renumbered);
}

PrunedTree
prune(const CallTree& tree, double min_width_px, double width_px, uint32_t max_depth, PruneBy by)
{
    PrunedTree out;
    auto width = [&](uint32_t node) {
        return by == PruneBy::Weight ? tree.weight(node) : tree.total1(node);
    };
    const uint64_t root_weight = width(CallTree::kRoot);
    const double threshold =
        std::max(1.0, static_cast<double>(root_weight) * std::max(0.0, min_width_px) / width_px);
    struct Pending {
        uint32_t node;
        uint32_t parent_index;
        uint16_t depth;
    };
    std::vector<Pending> stack{{CallTree::kRoot, 0, 0}};
    std::vector<uint32_t> kept_children;
    while (!stack.empty()) {
        const Pending item = stack.back();
        stack.pop_back();
        const auto index = static_cast<uint32_t>(out.nodes.size());
        out.nodes.push_back(item.node);
        out.parents.push_back(item.parent_index);
        out.depths.push_back(item.depth);
        out.hidden.push_back(0);
        out.max_depth = std::max<uint32_t>(out.max_depth, item.depth);
        kept_children.clear();
        for (const uint32_t* c = tree.children_begin(item.node); c != tree.children_end(item.node);
             ++c) {
            const uint64_t w = width(*c);
            if (w == 0) {
                continue;
            }
            if (static_cast<double>(w) < threshold || item.depth + 1u > max_depth) {
                out.hidden[index] += w;
                out.pruned_weight += w;
                ++out.pruned_nodes;  // its subtree is not counted: only what a reader misses
                continue;
            }
            kept_children.push_back(*c);
        }
        // Pushed in reverse so they come out of the stack in name order.
        for (auto it = kept_children.rbegin(); it != kept_children.rend(); ++it) {
            stack.push_back({*it, index, static_cast<uint16_t>(item.depth + 1)});
        }
    }
    return out;
}

std::vector<NameStat> stats_by_name(const CallTree& tree, size_t limit)
{
    std::vector<NameStat> stats(tree.name_count());
    for (uint32_t i = 0; i < stats.size(); ++i) {
        stats[i].name = i;
    }
    // Nodes are numbered in pre-order (CallTree::finish), so one pass front to back visits
    // every stack path; an on-stack count per name makes a recursive function's total count
    // once per stack (at its outermost frame).
    std::vector<uint32_t> on_stack(tree.name_count(), 0);
    std::vector<uint32_t> path;  // ancestors of the current node, root excluded
    const auto n = static_cast<uint32_t>(tree.size());
    for (uint32_t node = 1; node < n; ++node) {
        const uint32_t parent = tree.parent(node);
        while (!path.empty() && path.back() != parent) {
            --on_stack[tree.name_id(path.back())];
            path.pop_back();
        }
        const uint32_t name = tree.name_id(node);
        NameStat& s = stats[name];
        s.self0 += tree.self0(node);
        s.self1 += tree.self1(node);
        if (on_stack[name]++ == 0) {
            s.total0 += tree.total0(node);
            s.total1 += tree.total1(node);
        }
        path.push_back(node);
    }
    stats.erase(std::remove_if(stats.begin(), stats.end(),
                               [](const NameStat& s) { return s.self0 + s.self1 == 0; }),
                stats.end());
    std::sort(stats.begin(), stats.end(), [&tree](const NameStat& a, const NameStat& b) {
        const uint64_t sa = a.self0 + a.self1, sb = b.self0 + b.self1;
        if (sa != sb) {
            return sa > sb;
        }
        return tree.name_rank(a.name) < tree.name_rank(b.name);
    });
    if (stats.size() > limit) {
        stats.resize(limit);
    }
    return stats;
}

}  // namespace sciagraph::report
