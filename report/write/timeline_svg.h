// report/write/timeline_svg.h — the job's memory over time (report/model/job_view.h) as a
// standalone SVG: one band per process, stacked to the job's total, the job peak marked, each band
// linking to its process's page. The same SVG is inlined in the root's index.html.
#pragma once

#include "job_view.h"

#include <string>

namespace sciagraph::report {

// `link_prefix` goes before each band's href ("" from the root's directory).
std::string render_timeline_svg(const JobView& view, const std::string& link_prefix = "");

}  // namespace sciagraph::report
