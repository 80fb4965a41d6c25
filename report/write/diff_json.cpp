// report/write/diff_json.cpp — see diff_json.h.
#include "diff_json.h"

#include "diff.h"
#include "text.h"

#include <algorithm>
#include <vector>

namespace sciagraph::report {
namespace {

const char* value_kind_name(GraphKind kind)
{
    switch (kind) {
    case GraphKind::MemoryPeak:
        return "memory";
    case GraphKind::Time:
        return "time";
    case GraphKind::Samples:
        return "samples";
    }
    return "samples";
}

// prune() of call_tree.h, by AFTER's value alone: a diff tree's weight() is both sides summed,
// which is not the width of the drawing.
struct DiffPruned {
    std::vector<uint32_t> nodes, parents;
    std::vector<uint64_t> hidden;
    uint64_t pruned_weight = 0;
    uint32_t pruned_nodes = 0;
};

DiffPruned prune_by_after(const CallTree& t, double min_width_px)
{
    constexpr uint32_t kMaxDepth = 2048;
    DiffPruned out;
    const double threshold = std::max(1.0, static_cast<double>(t.total1(CallTree::kRoot)) *
                                               std::max(0.0, min_width_px) / 1200.0);
    struct Pending {
        uint32_t node, parent_index, depth;
    };
    std::vector<Pending> stack{{CallTree::kRoot, 0, 0}};
    std::vector<uint32_t> kept;
    while (!stack.empty()) {
        const Pending item = stack.back();
        stack.pop_back();
        const auto index = static_cast<uint32_t>(out.nodes.size());
        out.nodes.push_back(item.node);
        out.parents.push_back(item.parent_index);
        out.hidden.push_back(0);
        kept.clear();
        for (const uint32_t* c = t.children_begin(item.node); c != t.children_end(item.node); ++c) {
            const uint64_t w = t.total1(*c);
            if (w == 0) {
                continue;  // gone in AFTER: nothing to draw, the table shows it
            }
            if (static_cast<double>(w) < threshold || item.depth + 1 > kMaxDepth) {
                out.hidden[index] += w;
                out.pruned_weight += w;
                ++out.pruned_nodes;
                continue;
            }
            kept.push_back(*c);
        }
        for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
            stack.push_back({*it, index, item.depth + 1});
        }
    }
    return out;
}

template <typename F>
void append_column(std::string& out, const char* key, size_t count, F value)
{
    out += ",\"";
    out += key;
    out += "\":[";
    for (size_t i = 0; i < count; ++i) {
        if (i > 0) {
            out += ',';
        }
        append_uint(out, value(i));
    }
    out += ']';
}

}  // namespace

void append_diff_graph_json(std::string& out,
                            const Graph& g,
                            double min_width_px,
                            size_t change_rows)
{
    const CallTree& t = *g.tree;
    const DiffPruned pruned = prune_by_after(t, min_width_px);
    const std::vector<DiffChange> changes = largest_changes(t, change_rows);

    // Local name table, as json_out.cpp: only the names this graph uses.
    std::vector<uint32_t> local(t.name_count(), ~0u);
    std::vector<uint32_t> names;
    auto local_name = [&](uint32_t name_id) -> uint64_t {
        if (local[name_id] == ~0u) {
            local[name_id] = static_cast<uint32_t>(names.size());
            names.push_back(name_id);
        }
        return local[name_id];
    };
    std::vector<uint64_t> node_names(pruned.nodes.size());
    for (size_t i = 0; i < pruned.nodes.size(); ++i) {
        node_names[i] = local_name(t.name_id(pruned.nodes[i]));
    }
    // Each changed stack as its frames' local names, root first.
    std::vector<std::vector<uint64_t>> stacks(changes.size());
    for (size_t i = 0; i < changes.size(); ++i) {
        for (uint32_t n = changes[i].node; n != CallTree::kRoot; n = t.parent(n)) {
            stacks[i].push_back(local_name(t.name_id(n)));
        }
        std::reverse(stacks[i].begin(), stacks[i].end());
    }

    out += "{\"kind\":\"diff\",\"value_kind\":\"";
    out += value_kind_name(g.kind);
    out += "\",\"unit\":\"";
    out += unit_name(g.kind);
    out += "\",\"title\":";
    append_json_string(out, g.title);
    out += ",\"subtitle\":";
    append_json_string(out, g.subtitle);
    out += ",\"total\":";
    append_uint(out, t.total1(CallTree::kRoot));
    out += ",\"before_total\":";
    append_uint(out, t.total0(CallTree::kRoot));
    out += ",\"pruned_total\":";
    append_uint(out, pruned.pruned_weight);
    out += ",\"pruned_frames\":";
    append_uint(out, pruned.pruned_nodes);
    out += ",\"min_width_px\":";
    append_double(out, min_width_px, 3);
    out += ",\"names\":[";
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        append_json_string(out, names[i] == 0 ? std::string_view("all") : t.name(names[i]));
    }
    out += ']';
    const size_t n = pruned.nodes.size();
    append_column(out, "name", n, [&](size_t i) { return node_names[i]; });
    append_column(out, "parent", n, [&](size_t i) { return pruned.parents[i]; });
    append_column(out, "total_value", n, [&](size_t i) { return t.total1(pruned.nodes[i]); });
    append_column(out, "self_value", n, [&](size_t i) { return t.self1(pruned.nodes[i]); });
    append_column(out, "before", n, [&](size_t i) { return t.total0(pruned.nodes[i]); });
    append_column(out, "before_self", n, [&](size_t i) { return t.self0(pruned.nodes[i]); });
    append_column(out, "hidden", n, [&](size_t i) { return pruned.hidden[i]; });
    out += ",\"changes\":{\"count\":";
    append_uint(out, changes.size());
    out += ",\"stack\":[";
    for (size_t i = 0; i < stacks.size(); ++i) {
        out += i > 0 ? ",[" : "[";
        for (size_t f = 0; f < stacks[i].size(); ++f) {
            if (f > 0) {
                out += ',';
            }
            append_uint(out, stacks[i][f]);
        }
        out += ']';
    }
    out += ']';
    append_column(out, "before", changes.size(), [&](size_t i) { return changes[i].before; });
    append_column(out, "after", changes.size(), [&](size_t i) { return changes[i].after; });
    out += "},\"top\":{\"count\":0}}";
}

}  // namespace sciagraph::report
