// report/write/diff_json.cpp — see diff_json.h.
#include "diff_json.h"

#include "diff.h"
#include "json_out.h"
#include "text.h"

#include <algorithm>
#include <vector>

namespace sciagraph::report {
void append_diff_graph_json(std::string& out,
                            const Graph& g,
                            double min_width_px,
                            size_t change_rows)
{
    const CallTree& t = *g.tree;
    // By AFTER's value alone: a diff tree's weight() is both sides summed, which is not the
    // width of the drawing. What is gone in AFTER has width 0: the table shows it.
    const PrunedTree pruned = prune(t, min_width_px, 1200, 2048, PruneBy::Second);
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

    append_graph_head(out, "diff", g, t.total1(CallTree::kRoot), pruned, min_width_px);
    out += ",\"value_kind\":\"";
    out += graph_kind_name(g.kind);
    out += "\",\"before_total\":";
    append_uint(out, t.total0(CallTree::kRoot));
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
