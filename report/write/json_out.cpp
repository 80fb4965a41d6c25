// report/write/json_out.cpp — see json_out.h.
#include "json_out.h"

#include "source_lines.h"
#include "text.h"
#include "tree_views.h"

#include <algorithm>
#include <vector>

namespace sciagraph::report {
namespace {

// The columns of a pruned tree; `name_of(i)` is the local name index of pruned node i.
void append_tree_columns(std::string& out,
                         const CallTree& t,
                         const PrunedTree& pruned,
                         const std::vector<uint32_t>& node_names,
                         bool time)
{
    const size_t n = pruned.nodes.size();
    append_column(out, "name", n, [&](size_t i) { return node_names[i]; });
    append_column(out, "parent", n, [&](size_t i) { return pruned.parents[i]; });
    append_column(out, "total_value", n, [&](size_t i) { return t.weight(pruned.nodes[i]); });
    append_column(out, "self_value", n,
                  [&](size_t i) { return t.self0(pruned.nodes[i]) + t.self1(pruned.nodes[i]); });
    append_column(out, "hidden", n, [&](size_t i) { return pruned.hidden[i]; });
    if (time) {
        append_column(out, "cpu", n, [&](size_t i) { return t.total0(pruned.nodes[i]); });
        append_column(out, "cpu_self", n, [&](size_t i) { return t.self0(pruned.nodes[i]); });
    }
}

void append_top(std::string& out,
                const std::vector<NameStat>& top,
                const std::vector<uint32_t>& top_names,
                bool time)
{
    out += "{\"count\":";
    append_uint(out, top.size());
    append_column(out, "name", top.size(), [&](size_t i) { return top_names[i]; });
    append_column(out, "self_value", top.size(),
                  [&](size_t i) { return top[i].self0 + top[i].self1; });
    append_column(out, "total_value", top.size(),
                  [&](size_t i) { return top[i].total0 + top[i].total1; });
    if (time) {
        append_column(out, "cpu_self", top.size(), [&](size_t i) { return top[i].self0; });
        append_column(out, "cpu", top.size(), [&](size_t i) { return top[i].total0; });
    }
    out += '}';
}

}  // namespace

const char* graph_kind_name(GraphKind kind)
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

void append_graph_head(std::string& out,
                       std::string_view kind,
                       const Graph& g,
                       uint64_t total,
                       const PrunedTree& pruned,
                       double min_width_px)
{
    out += "{\"kind\":\"";
    out += kind;
    out += "\",\"unit\":\"";
    out += unit_name(g.kind);
    out += "\",\"title\":";
    append_json_string(out, g.title);
    out += ",\"subtitle\":";
    append_json_string(out, g.subtitle);
    out += ",\"total\":";
    append_uint(out, total);
    out += ",\"pruned_total\":";
    append_uint(out, pruned.pruned_weight);
    out += ",\"pruned_frames\":";
    append_uint(out, pruned.pruned_nodes);
    out += ",\"min_width_px\":";
    append_double(out, min_width_px, 3);
}

void append_graph_json(
    std::string& out, const Graph& g, double min_width_px, size_t top_rows, bool interactive_views)
{
    const CallTree& t = *g.tree;
    const PrunedTree pruned = prune(t, min_width_px, 1200, 65000);
    const std::vector<NameStat> top = stats_by_name(t, top_rows);
    const bool time = g.kind == GraphKind::Time;

    // The other views share the tree's name ids (tree_views.h); the folded one adds one name.
    std::unique_ptr<CallTree> folded, inverted;
    PrunedTree inverted_pruned;
    std::vector<NameStat> top_folded;
    uint32_t folded_name = 0;
    if (interactive_views) {
        for (uint32_t id = 1; id < t.name_count() && !folded; ++id) {
            if (is_import_frame(t.name(id))) {
                folded = fold_import_frames(t);
            }
        }
        if (folded) {
            top_folded = stats_by_name(*folded, top_rows);
            folded_name = folded->name_count() - 1;  // added last, unless a frame had its name
            while (folded_name > 0 && folded->name(folded_name) != kImportMachineryFrame) {
                --folded_name;
            }
        }
        // Not inverted past what prune() draws (its threshold, for the same 1200 px).
        const double min_weight = std::max(1.0, static_cast<double>(t.weight(CallTree::kRoot)) *
                                                    std::max(0.0, min_width_px) / 1200);
        inverted = invert_tree(t, min_weight);
        inverted_pruned = prune(*inverted, min_width_px, 1200, 65000);
    }
    const size_t name_count = folded ? folded->name_count() : t.name_count();
    auto global_name = [&](uint32_t id) {
        return id < t.name_count() ? t.name(id) : folded->name(id);
    };

    // Local name table: only the names this output uses, in order of first use.
    std::vector<uint32_t> local(name_count, ~0u);
    std::vector<uint32_t> names;
    auto local_name = [&](uint32_t name_id) -> uint32_t {
        if (local[name_id] == ~0u) {
            local[name_id] = static_cast<uint32_t>(names.size());
            names.push_back(name_id);
        }
        return local[name_id];
    };
    auto node_names_of = [&](const CallTree& tree, const PrunedTree& p) {
        std::vector<uint32_t> out_names(p.nodes.size());
        for (size_t i = 0; i < p.nodes.size(); ++i) {
            out_names[i] = local_name(tree.name_id(p.nodes[i]));
        }
        return out_names;
    };
    auto top_names_of = [&](const std::vector<NameStat>& stats) {
        std::vector<uint32_t> out_names(stats.size());
        for (size_t i = 0; i < stats.size(); ++i) {
            out_names[i] = local_name(stats[i].name);
        }
        return out_names;
    };
    const std::vector<uint32_t> node_names = node_names_of(t, pruned);
    const std::vector<uint32_t> top_names = top_names_of(top);
    std::vector<uint32_t> inverted_names, top_folded_names;
    if (inverted) {
        inverted_names = node_names_of(*inverted, inverted_pruned);
    }
    if (folded) {
        top_folded_names = top_names_of(top_folded);
        local_name(folded_name);
    }

    append_graph_head(out, graph_kind_name(g.kind), g, t.weight(CallTree::kRoot), pruned,
                      min_width_px);
    out += ",\"names\":[";
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        append_json_string(out, i == 0 && names[i] == 0 ? std::string_view("all")
                                                        : global_name(names[i]));
    }
    out += ']';
    append_tree_columns(out, t, pruned, node_names, time);
    out += ",\"top\":";
    append_top(out, top, top_names, time);
    if (interactive_views) {
        // The lines of code, beside the names they belong to ("" where there is none).
        if (g.sources != nullptr) {
            std::string sources = ",\"source\":[";
            bool any = false;
            for (size_t i = 0; i < names.size(); ++i) {
                const std::string_view line = names[i] < t.name_count() && names[i] != 0
                                                  ? g.sources->line(names[i])
                                                  : std::string_view();
                any = any || !line.empty();
                sources += i > 0 ? "," : "";
                append_json_string(sources, line);
            }
            if (any) {
                out += sources;
                out += ']';
            }
        }
        out += ",\"inverted\":{\"pruned_total\":";
        append_uint(out, inverted_pruned.pruned_weight);
        append_tree_columns(out, *inverted, inverted_pruned, inverted_names, time);
        out += '}';
        if (folded) {
            // Which names the viewer folds, and what into: the rule stays in one place.
            std::vector<uint32_t> import_names;
            for (size_t i = 1; i < names.size(); ++i) {
                if (names[i] < t.name_count() && is_import_frame(t.name(names[i]))) {
                    import_names.push_back(static_cast<uint32_t>(i));
                }
            }
            append_column(out, "import_frames", import_names.size(),
                          [&](size_t i) { return import_names[i]; });
            out += ",\"import_frame_name\":";
            append_uint(out, local[folded_name]);
            out += ",\"top_folded\":";
            append_top(out, top_folded, top_folded_names, time);
        }
    }
    out += '}';
}

}  // namespace sciagraph::report
