// report/write/svg.h — a standalone flamegraph SVG in flamegraph.pl's spirit: one <g> per frame
// with <title>, <rect> and <text>, an embedded script for click-to-zoom, reset and search
// (regex or substring), and frames narrower than the pruning width left out (their share is
// stated in the subtitle and in each parent's tooltip).
#pragma once

#include "graph.h"

#include <string>

namespace sciagraph::report {

std::string render_svg(const Graph& graph, double min_width_px);

}  // namespace sciagraph::report
