// report/run_render.h — renders a set of dumps as one run: the root into the output directory,
// every other process into children/<pid>/, summary.json at the top.
#pragma once

#include "errors.h"
#include "report/report.h"
#include "summary.h"

#include <filesystem>
#include <vector>

namespace sciagraph::report {

// `dumps`: the dump files to render (any order). `raw_rel`: how the output directory names
// the folder they are in (for summary.json). Fills `outcome`; fails only when writing fails.
Outcome render_dumps(const std::filesystem::path& output_dir,
                     const std::vector<std::filesystem::path>& dumps,
                     const RunFacts& run,
                     const RenderOptions& options);

}  // namespace sciagraph::report
