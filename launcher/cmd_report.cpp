// launcher/cmd_report.cpp — thin: options in, report::render_path (or render_diff), its one line
// and status out.
#include "cmd_report.h"

#include "exit_codes.h"
#include "log.h"
#include "report/report.h"

#include <system_error>

namespace sciagraph::launcher {
namespace fs = std::filesystem;

std::shared_ptr<ReportArgs> setup_report(CLI::App& app)
{
    auto args = std::make_shared<ReportArgs>();
    auto* report = app.add_subcommand(
        "report", "Render a raw dump (.sgdump) or live record (.sgrec), a run's output directory, "
                  "or a folded-stacks file; merge several runs (directories, or folders of them: "
                  "the tasks of a cluster job) into one job view; or, with --diff, what changed "
                  "between two of them");
    auto* path = report->add_option(
        "PATH", args->paths,
        "The dump, run directory or folded file to render; several run directories, or a folder "
        "of them, are merged");
    report
        ->add_option("--diff", args->diff,
                     "BEFORE AFTER: compare two runs, dumps or folded files of the same kind (the "
                     "root process "
                     "of a run): writes memory-peak.diff.folded and time.diff.folded "
                     "('stack before after') and an index.html where red grew and blue shrank")
        ->expected(2)
        ->type_name("PATH")
        ->excludes(path);
    report
        ->add_option("-o,--output", args->output,
                     "Where to write (default: a run directory is rendered in place; a file "
                     "into <PATH>.report/ next to it; a diff into <AFTER>.diff/)")
        ->type_name("OUTDIR");
    report
        ->add_option("--format", args->formats,
                     "html, svg, folded, speedscope, json or pprof; repeat for several (default: "
                     "all but pprof)")
        ->type_name("F");
    report->add_option("--title", args->title, "Title of the report (default: from the command)")
        ->type_name("T");
    report
        ->add_option("--min-width", args->min_width,
                     "Hide frames narrower than PX in a 1200 px wide graph (default: 0.1)")
        ->type_name("PX");
    return args;
}

fs::path default_report_dir(const fs::path& input)
{
    std::error_code error;
    if (fs::is_directory(input, error)) {
        return input;
    }
    fs::path file = input;
    if (!file.has_filename()) {
        file = file.parent_path();
    }
    return file.string() + ".report";
}

fs::path default_diff_dir(const fs::path& after)
{
    fs::path base = after;
    if (!base.has_filename()) {
        base = base.parent_path();  // "runs/after/" names "runs/after"
    }
    return base.string() + ".diff";
}

namespace {

int finish(const report::Outcome& outcome, const fs::path& output)
{
    for (const auto& warning : outcome.warnings) {
        log::warn("{}", warning);
    }
    if (!outcome.ok) {
        log::error("{}", outcome.error);
        // A failure must never read as success, whatever the library put there.
        return outcome.exit_status != 0 ? outcome.exit_status : 1;
    }
    log::info("report written to {}", output.string());
    return 0;
}

int run_diff(const ReportArgs& args, const report::RenderOptions& options)
{
    if (args.diff.size() != 2) {
        log::error("report: --diff takes two inputs, BEFORE and AFTER");
        return to_int(ExitCode::UsageError);
    }
    if (!args.formats.empty()) {
        log::error("report: --format does not apply to --diff (it writes its .diff.folded files "
                   "and index.html)");
        return to_int(ExitCode::UsageError);
    }
    const fs::path output =
        args.output ? fs::path(*args.output) : default_diff_dir(args.diff.at(1));
    return finish(report::render_diff(args.diff.at(0), args.diff.at(1), output, options), output);
}

}  // namespace

int run_report(const ReportArgs& args)
{
    log::setup(log::Verbosity::Normal);
    if (args.diff.empty() && args.paths.empty()) {
        log::error("report: no PATH given (usage: sciagraph report PATH [-o OUTDIR] or sciagraph "
                   "report --diff BEFORE AFTER [-o OUTDIR])");
        return to_int(ExitCode::UsageError);
    }
    report::RenderOptions options;
    for (const auto& name : args.formats) {
        auto format = report::parse_format(name);
        if (!format) {
            log::error("report: unknown format '{}' (expected html, svg, folded, speedscope, json "
                       "or pprof)",
                       name);
            return to_int(ExitCode::UsageError);
        }
        options.formats.push_back(*format);
    }
    options.title = args.title;
    if (args.min_width) {
        if (!(*args.min_width >= 0)) {
            log::error("report: --min-width must be 0 or more, got {}", *args.min_width);
            return to_int(ExitCode::UsageError);
        }
        options.min_width_px = *args.min_width;
    }
    if (!args.diff.empty()) {
        return run_diff(args, options);
    }
    if (args.paths.size() > 1 && !args.output) {
        log::error("report: several inputs are merged into one report: say where with -o OUTDIR");
        return to_int(ExitCode::UsageError);
    }
    const fs::path output =
        args.output ? fs::path(*args.output) : default_report_dir(args.paths.front());
    const std::vector<fs::path> inputs(args.paths.begin(), args.paths.end());
    return finish(report::render_paths(inputs, output, options), output);
}

}  // namespace sciagraph::launcher
