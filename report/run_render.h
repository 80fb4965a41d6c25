// report/run_render.h — renders a set of dumps as one run: the root into the output directory,
// every other process into children/<pid>/, summary.json at the top.
#pragma once

#include "dump_reader.h"
#include "errors.h"
#include "job_view.h"
#include "pprof.h"
#include "report/report.h"
#include "source_lines.h"
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

// Reads a profile listed in a run's raw/ directory. A record can go between the listing and the
// reading (its process wrote its final dump meanwhile): then that dump is read, and `path`
// names it.
DumpResult read_profile(std::filesystem::path& path);

// What a process's frames' file names mean when its lines of code are read (source_lines.h).
SourceContext source_context(const Dump& dump, const std::filesystem::path& path);

// job.pb.gz of a job view: the trees `root` has (its profile.pb.gz, or in a merged view any
// process's), at its sampling rates, from the job's start (on the wall clock) to its last end.
PprofInput job_pprof_input(const JobView& job, const PprofInput& root, const std::string& version);

// The job view's own files in `dir` (design.md): job-peak.folded and .svg, job-time-cpu.folded,
// job-time-wait.folded, job-time.svg, memory-timeline.svg and (`pprof`) job.pb.gz, as `options`
// asks.
bool write_job_files(const std::filesystem::path& dir,
                     const JobView& job,
                     const RenderOptions& options,
                     FrameSources* peak_sources,
                     FrameSources* time_sources,
                     const PprofInput& pprof,
                     Error& error);

}  // namespace sciagraph::report
