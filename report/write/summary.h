// report/write/summary.h — what a run's summary.json and each report's header say: the run's
// figures (from the launcher, or from summary.json when rendering again) and one entry per process
// (from its dump's meta).
#pragma once

#include "dump_reader.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace sciagraph::report {

// The run as far as it is known: `sciagraph run` knows everything, a re-render of a run
// directory reads it back from summary.json, a lone dump knows only its meta.
struct RunFacts {
    std::vector<std::string> command;
    std::optional<int> exit_code;
    std::optional<int> signal;
    std::optional<double> wall_seconds;
    std::optional<double> cpu_seconds;
    std::optional<long> root_pid;
    std::string version;
};

// One process as summary.json lists it. `dump` and `dir` are relative to the output directory.
struct ProcessEntry {
    long pid = 0;
    std::string dump_rel;  // e.g. "raw/123.sgdump"; empty when there is none
    std::string dir_rel;   // "." for the root, "children/<pid>" otherwise
    bool rendered = false;
    std::string error;    // why the dump could not be read
    nlohmann::json json;  // the summary.json entry
};

// Fills the summary entry of a process from its dump (or its absence: `dump` null, `status`
// says why, e.g. "no dump", "corrupt").
ProcessEntry
make_process_entry(long pid, const Dump* dump, const std::string& status, const std::string& error);

nlohmann::json make_run_summary(const RunFacts& run,
                                const std::vector<ProcessEntry>& processes,
                                std::optional<unsigned long long> peak_bytes,
                                const std::vector<std::string>& warnings);

// "within ±8% for a stack of 10 MiB" style note for a sampling interval of `interval` bytes.
std::string sampling_note(std::optional<double> interval_bytes);

// "0", "1", "137 (killed by signal 9: SIGKILL)".
std::string describe_exit(std::optional<int> exit_code, std::optional<int> signal);

// "SIGKILL"; empty for a number with no name.
std::string signal_name(int signal);

// How a process ended, from its dump's `ended` meta ("exit", "exit 3", "killed while
// recording"). A record only knows the process was killed; for the root, the launcher saw which
// signal did it, so that is named: "killed by signal 9 (SIGKILL) while recording".
std::string describe_ended(const std::string& ended, std::optional<int> root_signal);

std::string join_command(const std::vector<std::string>& command);

}  // namespace sciagraph::report
