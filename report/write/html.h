// report/write/html.h — the self-contained HTML report: assets/report.html with the CSS and script
// inlined and the data embedded as JSON, drawn in the browser on canvas.
#pragma once

#include "graph.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace sciagraph::report {

// `processes_json`, when not empty, is the page's "processes" array as JSON text: a run's pages
// all show the same table of its processes, so it is serialised once for all of them (one page
// per process made the table's JSON O(processes²): a fifth of rendering 400 processes).
std::string render_html(const nlohmann::json& page,
                        const std::vector<Graph>& graphs,
                        double min_width_px,
                        std::string_view processes_json = {});

// The same page around graphs already written as a JSON array (`[{...},...]`): the diff page's
// graphs are not one tree each (diff_json.h).
std::string render_html_page(const nlohmann::json& page,
                             std::string_view graphs_json,
                             std::string_view processes_json = {});

}  // namespace sciagraph::report
