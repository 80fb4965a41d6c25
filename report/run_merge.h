// report/run_merge.h — one report for the runs of a distributed job: every task of a Slurm step,
// every Dask worker started on its own machine, each profiled by its own `sciagraph run` into its
// own directory (`-o 'runs/{env:SLURM_JOB_ID}/{host}-{env:SLURM_PROCID}'`), brought together:
// the job's total memory over time across hosts, what each process held at the peak, and every
// process's time, with a host frame above the process frames.
//
// Clocks: each run's page (core/job_format.h) pairs the monotonic clock its processes stamp
// their timelines with and the wall clock at the same instant; a run's times are moved onto the
// wall clock by that pair. Runs on one host then line up exactly; runs on several hosts line up
// as well as the hosts' clocks agree (NTP keeps them within milliseconds, which is finer than a
// timeline's 10 ms ticks). The report says so.
//
// Stacks at the peak: no page spans hosts, so no moment is shared by every process of the job.
// Each process contributes its stacks at its own run's job peak; the merged peak's bytes and time
// come from the timelines (exact to the 1% a timeline point is). Both figures are in the report.
#pragma once

#include "report/report.h"

#include <filesystem>
#include <vector>

namespace sciagraph::report {

// Whether `dir` is one run's output directory: it has a raw/ directory.
bool is_run_dir(const std::filesystem::path& dir);

// Every run directory at or below `parent` (not below a run directory: its children/ are its
// own), at most 6 levels down, symbolic links not followed; sorted.
std::vector<std::filesystem::path> find_run_dirs(const std::filesystem::path& parent);

// Renders `runs` (run directories, any number) as one job into `output_dir`: index.html,
// job-peak.folded and .svg, job-time-cpu.folded, job-time-wait.folded, job-time.svg,
// job.pb.gz (with --format pprof),
// memory-timeline.svg and summary.json (the runs, their hosts, the job's peak). Each run's own
// report stays where it is; index.html links to it. Never throws.
Outcome render_runs(const std::vector<std::filesystem::path>& runs,
                    const std::filesystem::path& output_dir,
                    const RenderOptions& options);

}  // namespace sciagraph::report
