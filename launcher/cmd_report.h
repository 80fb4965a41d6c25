// launcher/cmd_report.h — `sciagraph report PATH [-o OUTDIR] [--format F]... [--title T]
// [--min-width PX]`: renders a raw dump, a run directory or a folded file again.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sciagraph::launcher {

struct ReportArgs {
    std::string path;
    std::optional<std::string> output;
    std::vector<std::string> formats;
    std::string title;
    std::optional<double> min_width;
};

std::shared_ptr<ReportArgs> setup_report(CLI::App& app);

// Where a report goes when -o is not given: a run directory is rendered in place; a file
// (dump or folded) into "<file>.report/" next to it.
std::filesystem::path default_report_dir(const std::filesystem::path& input);

// Renders; returns the exit status (0, 2 for a bad --format, or the report library's own).
int run_report(const ReportArgs& args);

}  // namespace sciagraph::launcher
