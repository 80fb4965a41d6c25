// report/report.h — what the launcher asks of the report stage. The launcher knows the run
// (command, exit status, times); this library knows dumps and how to render them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sciagraph::report {

// Pprof is written only when asked for (RenderOptions::formats): the others are what a run
// leaves by default (design.md's output directory); profile.pb.gz is for other tools, made by
// `sciagraph report --format pprof` when one is to read it.
enum class Format { Html, Svg, Folded, Speedscope, Json, Pprof };

// Parses "html", "svg", "folded", "speedscope", "json", "pprof"; nullopt for anything else.
std::optional<Format> parse_format(const std::string& name);

// What the launcher measured of the job, for the summary and the report header.
struct RunInfo {
    std::vector<std::string> command;
    int exit_code = 0;          // as sciagraph exits: the job's status, or 128+N for signal N
    std::optional<int> signal;  // set when the job died of a signal
    double wall_seconds = 0;    // the job's wall time, measured by the launcher
    double cpu_seconds = 0;     // user+sys of the job and its waited-for children
    long root_pid = 0;          // the job's pid: its dump is the root profile
    std::string version;        // sciagraph's version
};

struct RenderOptions {
    std::vector<Format> formats;  // empty: every format but Pprof
    std::string title;            // empty: a title from the command
    double min_width_px = 0.1;    // frames narrower than this in a 1200 px wide graph are pruned
    // Show each Python frame's line of code (read from its file now) in index.html and the SVGs.
    bool source_lines = true;
};

struct Outcome {
    bool ok = false;
    std::string error;    // one line when !ok, for stderr
    int exit_status = 0;  // for `sciagraph report`: 0, or a distinct non-zero status per failure
    // Filled for a run: the root process's figures, for the launcher's closing line.
    std::optional<unsigned long long> peak_bytes;
    // ... and, for a job of several processes, the job's peak and how many processes made it.
    std::optional<unsigned long long> job_peak_bytes;
    size_t job_processes = 0;
    std::vector<std::string> warnings;  // e.g. "dump of pid 123 was truncated"
};

// After `sciagraph run`: reads every `*.sgdump` in `raw_dir` (one per profiled process; a
// process that died leaves its live record, `*.sgrec`, read in its place), renders the root
// (dump of info.root_pid) into `output_dir` and each other process into
// `output_dir/children/<pid>/` with the same file names, writes `summary.json` and
// `index.html`. Never throws; a missing or broken dump still gives a summary saying so.
Outcome render_run(const std::filesystem::path& output_dir,
                   const std::filesystem::path& raw_dir,
                   const RunInfo& info,
                   const RenderOptions& options);

// `sciagraph report PATH`: PATH is a raw dump, a run's output directory, a folder holding run
// directories (merged into one job view: run_merge.h), or a folded-stacks file.
// Renders into `output_dir`. Never throws, never crashes on bad input.
Outcome render_path(const std::filesystem::path& input,
                    const std::filesystem::path& output_dir,
                    const RenderOptions& options);

// `sciagraph report PATH...`: one input as render_path; several, each a run directory or a
// folder of them, merged into one job view (run_merge.h). Never throws.
Outcome render_paths(const std::vector<std::filesystem::path>& inputs,
                     const std::filesystem::path& output_dir,
                     const RenderOptions& options);

// `sciagraph report --diff BEFORE AFTER`: each a run directory (its root process), a raw dump
// or live record, or a folded-stacks file. Writes into `output_dir` `memory-peak.diff.folded`
// and `time.diff.folded` for what both inputs have (`stacks.diff.folded` for two folded files
// of unknown unit), each line `stack before after`, and an `index.html` drawing AFTER coloured
// by the change. Inputs with nothing in common (memory against time) fail with
// ExitStatus::Mismatch. `options.formats` is not used. Never throws.
Outcome render_diff(const std::filesystem::path& before,
                    const std::filesystem::path& after,
                    const std::filesystem::path& output_dir,
                    const RenderOptions& options);

}  // namespace sciagraph::report
