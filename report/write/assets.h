// report/write/assets.h — the viewer files of report/assets/, embedded at build time.
#pragma once

#include <string_view>

namespace sciagraph::report::assets {

// The bytes of assets/<name> ("report.html", "report.css", "report.js", "flamegraph_svg.js").
std::string_view get(std::string_view name);

}  // namespace sciagraph::report::assets
