// report/html.h — the self-contained HTML report: assets/report.html with the CSS and script
// inlined and the data embedded as JSON, drawn in the browser on canvas.
#pragma once

#include "graph.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace sciagraph::report {

std::string
render_html(const nlohmann::json& page, const std::vector<Graph>& graphs, double min_width_px);

}  // namespace sciagraph::report
