// report/write/json_out.cpp — see json_out.h.
#include "json_out.h"

#include "text.h"

#include <vector>

namespace sciagraph::report {
namespace {

const char* kind_name(GraphKind kind)
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

void append_graph_json(std::string& out, const Graph& g, double min_width_px, size_t top_rows)
{
    const CallTree& t = *g.tree;
    const PrunedTree pruned = prune(t, min_width_px, 1200, 65000);
    const std::vector<NameStat> top = stats_by_name(t, top_rows);
    const bool time = g.kind == GraphKind::Time;

    // Local name table: only the names this output uses, in order of first use.
    std::vector<uint32_t> local(t.name_count(), ~0u);
    std::vector<uint32_t> names;
    auto local_name = [&](uint32_t name_id) -> uint64_t {
        if (local[name_id] == ~0u) {
            local[name_id] = static_cast<uint32_t>(names.size());
            names.push_back(name_id);
        }
        return local[name_id];
    };
    std::vector<uint32_t> node_names(pruned.nodes.size());
    for (size_t i = 0; i < pruned.nodes.size(); ++i) {
        node_names[i] = static_cast<uint32_t>(local_name(t.name_id(pruned.nodes[i])));
    }
    std::vector<uint32_t> top_names(top.size());
    for (size_t i = 0; i < top.size(); ++i) {
        top_names[i] = static_cast<uint32_t>(local_name(top[i].name));
    }

    out += "{\"kind\":\"";
    out += kind_name(g.kind);
    out += "\",\"unit\":\"";
    out += unit_name(g.kind);
    out += "\",\"title\":";
    append_json_string(out, g.title);
    out += ",\"subtitle\":";
    append_json_string(out, g.subtitle);
    out += ",\"total\":";
    append_uint(out, t.weight(CallTree::kRoot));
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
        append_json_string(out,
                           i == 0 && names[i] == 0 ? std::string_view("all") : t.name(names[i]));
    }
    out += ']';
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
    out += ",\"top\":{\"count\":";
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
    out += "}}";
}

}  // namespace sciagraph::report
