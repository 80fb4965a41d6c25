// report/write/json_out.h — a graph's tree as columnar JSON, shared by the HTML viewer's embedded
// data and profile.json: a table of names, then one array per column indexed by pre-order position
// (children after their parent, in name order). Columnar, because a row of keys per node would
// triple the size.
#pragma once

#include "graph.h"
#include "text.h"

#include <string>
#include <string_view>

namespace sciagraph::report {

// Appends a JSON object: {"kind", "unit", "title", "subtitle", "total", "pruned_total",
// "pruned_frames", "names", "name", "parent", "total_value", "self_value", "hidden"
// [, "cpu", "cpu_self"], "top": {...}}. `min_width_px` 0 keeps every node with a value.
// `interactive_views` (index.html) adds what the viewer switches to and shows beside the
// names: "source" (each name's line of code, "" for none; absent when no line was found),
// "inverted" (the inverted tree's columns, tree_views.h) and, when the tree has import frames,
// "import_frames" (the names the viewer folds), "import_frame_name" (what into) and
// "top_folded" (the top table with them folded).
// "memory", "time", "samples": a graph's kind as the viewer names it.
const char* graph_kind_name(GraphKind kind);

// Appends `,"key":[v0,v1,...]` with value(i) for i in [0, count): one column of a tree.
template <typename Value>
void append_column(std::string& out, const char* key, size_t count, Value value)
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

// The fields every graph object starts with, the object left open for the caller's own:
// {"kind", "unit", "title", "subtitle", "total", "pruned_total", "pruned_frames",
// "min_width_px". Shared with the diff page's graphs (diff_json.h).
void append_graph_head(std::string& out,
                       std::string_view kind,
                       const Graph& graph,
                       uint64_t total,
                       const PrunedTree& pruned,
                       double min_width_px);

void append_graph_json(std::string& out,
                       const Graph& graph,
                       double min_width_px,
                       size_t top_rows,
                       bool interactive_views = false);

}  // namespace sciagraph::report
