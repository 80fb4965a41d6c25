// report/diff_input.h — one side of `sciagraph report --diff`: a run directory (its root
// process), a raw dump or live record, or a folded-stacks file, read with report/'s own readers
// into the call trees the input has.
#pragma once

#include "call_tree.h"
#include "errors.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sciagraph::report {

struct DiffInput {
    // Set for what the input holds. A dump has memory, time or both, by the mode it was
    // recorded in; a folded file is memory or time when its name says so (sciagraph's
    // `memory-peak.folded`, `job-peak.folded`, `time-cpu.folded`, `time-wait.folded`), and
    // `samples` (unit unknown) otherwise.
    std::unique_ptr<CallTree> memory;  // bytes at the peak
    std::unique_ptr<CallTree> time;    // CPU and waiting microseconds
    std::unique_ptr<CallTree> samples;
    std::string what;  // e.g. "run directory, root process 123", for the page
    std::vector<std::string> warnings;
};

// Errors: MissingInput (no such path, a directory with no profile), Unreadable, Corrupt,
// Incompatible, with the path in the message. Never throws for bad input.
std::optional<DiffInput> load_diff_input(const std::filesystem::path& path, Error& error);

}  // namespace sciagraph::report
