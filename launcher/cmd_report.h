// launcher/cmd_report.h — `sciagraph report PATH [-o OUTDIR] [--format F]... [--title T]
// [--min-width PX]`: renders a raw dump, a run directory or a folded file again; and
// `sciagraph report --diff BEFORE AFTER [-o OUTDIR]`: what changed from one to the other.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sciagraph::launcher {

struct ReportArgs {
    std::vector<std::string> paths;  // one input, or several run directories to merge
    std::vector<std::string> diff;   // BEFORE, AFTER when --diff is given
    std::optional<std::string> output;
    std::vector<std::string> formats;
    std::string title;
    std::optional<double> min_width;
};

std::shared_ptr<ReportArgs> setup_report(CLI::App& app);

// Where a report goes when -o is not given: a run directory is rendered in place; a file
// (dump or folded) into "<file>.report/" next to it.
std::filesystem::path default_report_dir(const std::filesystem::path& input);

// Where a diff goes when -o is not given: "<AFTER>.diff/" next to AFTER (never into a run
// directory, whose own index.html it would replace).
std::filesystem::path default_diff_dir(const std::filesystem::path& after);

// Renders; returns the exit status (0, 2 for a usage error, or the report library's own).
int run_report(const ReportArgs& args);

}  // namespace sciagraph::launcher
