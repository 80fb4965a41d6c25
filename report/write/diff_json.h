// report/write/diff_json.h — a diff tree (diff.h) as the HTML viewer's columnar graph JSON, kind
// "diff": drawn on AFTER's shape (a frame's width is its AFTER value, as flamegraph.pl draws a
// `stack before after` file), with BEFORE's values beside, and the largest changes for the table.
#pragma once

#include "graph.h"

#include <string>

namespace sciagraph::report {

// `graph.tree` is a diff tree; `graph.kind` says what its values are (their unit).
// Appends {"kind": "diff", "value_kind", "unit", "title", "subtitle", "total", "before_total",
// "pruned_total", "pruned_frames", "min_width_px", "names", "name", "parent", "total_value",
// "self_value", "before", "before_self", "hidden", "changes": {"count", "stack", "before",
// "after"}, "top": {"count": 0}}. Frames with no AFTER value are not drawn (they are in the
// table); frames narrower than `min_width_px` of 1200 px are counted in their parent's "hidden".
void append_diff_graph_json(std::string& out,
                            const Graph& graph,
                            double min_width_px,
                            size_t change_rows);

}  // namespace sciagraph::report
