// launcher/cmd_report.cpp — thin: options in, report::render_path, its one line and status out.
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
        "report", "Render a raw dump (.sgdump) or live record (.sgrec), a run's output directory, or a folded-stacks file");
    report->add_option("PATH", args->path, "The dump, run directory or folded file to render")
        ->required();
    report
        ->add_option("-o,--output", args->output,
                     "Where to write (default: a run directory is rendered in place; a file "
                     "into <PATH>.report/ next to it)")
        ->type_name("OUTDIR");
    report
        ->add_option("--format", args->formats,
                     "html, svg, folded, speedscope or json; repeat for several (default: all)")
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

int run_report(const ReportArgs& args)
{
    log::setup(log::Verbosity::Normal);
    report::RenderOptions options;
    for (const auto& name : args.formats) {
        auto format = report::parse_format(name);
        if (!format) {
            log::error("report: unknown format '{}' (expected html, svg, folded, speedscope or "
                       "json)",
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
    const fs::path output = args.output ? fs::path(*args.output) : default_report_dir(args.path);
    const report::Outcome outcome = report::render_path(args.path, output, options);
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

}  // namespace sciagraph::launcher
