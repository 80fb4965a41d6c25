// launcher/cli.cpp
#include "cli.h"

#include "exit_codes.h"
#include "sciagraph_version.h"

#include <algorithm>

namespace sciagraph::launcher {

namespace {

constexpr const char* kFooter =
    "Run `sciagraph run --help` for the options of a run, and `man sciagraph` for the config "
    "file, environment variables and exit statuses.";

// Splits "run [OPTIONS] -- COMMAND..." at the first "--" after the subcommand: CLI11 2.1 does
// not hand back what follows "--" under a prefix command, so it never sees the job's argv.
struct Split {
    std::vector<std::string> ours;
    std::optional<std::vector<std::string>> after_dashes;
    bool is_run = false;
};

Split split_at_dashes(const std::vector<std::string>& args)
{
    Split split;
    auto subcommand = std::find_if(args.begin(), args.end(), [](const std::string& arg) {
        return arg.empty() || arg[0] != '-';
    });
    split.is_run = subcommand != args.end() && *subcommand == "run";
    if (!split.is_run) {
        split.ours = args;
        return split;
    }
    auto dashes = std::find(subcommand, args.end(), std::string("--"));
    split.ours.assign(args.begin(), dashes);
    if (dashes != args.end()) {
        split.after_dashes.emplace(dashes + 1, args.end());
    }
    return split;
}

ParsedCli exit_with(int status, std::string out, std::string error)
{
    ParsedCli parsed;
    parsed.action = ParsedCli::Action::Exit;
    parsed.exit_status = status;
    parsed.out = std::move(out);
    parsed.error = std::move(error);
    return parsed;
}

}  // namespace

std::optional<std::vector<std::string>> python_stand_in_args(const std::string& argv0,
                                                             const std::vector<std::string>& args,
                                                             const std::string& python)
{
    const size_t slash = argv0.rfind('/');
    const std::string name = slash == std::string::npos ? argv0 : argv0.substr(slash + 1);
    if (name != kPythonStandIn) {
        return std::nullopt;
    }
    std::vector<std::string> out{"run", "--", python};
    out.insert(out.end(), args.begin(), args.end());
    return out;
}

ParsedCli parse_cli(const std::vector<std::string>& args)
{
    CLI::App app{"sciagraph: a profiler for Python batch jobs. Profiles memory (peak, with the "
                 "Python stacks that allocated it) and time (CPU and waiting) of a job and its "
                 "child processes, and writes flamegraphs and an HTML report.",
                 "sciagraph"};
    app.set_version_flag("--version", std::string("sciagraph ") + SCIAGRAPH_VERSION);
    app.require_subcommand(1);
    app.footer(kFooter);
    auto run_args = setup_run(app);
    auto report_args = setup_report(app);
    auto* debug = app.add_subcommand("debug", "Diagnostics for developers of sciagraph");
    debug->require_subcommand(1);
    auto* failpoints = debug->add_subcommand(
        "failpoints", "List the core's failpoint names (for SCIAGRAPH_FAILPOINTS), one per line");

    Split split = split_at_dashes(args);
    const int usage_status = to_int(split.is_run ? ExitCode::CannotStart : ExitCode::UsageError);
    std::vector<std::string> reversed(split.ours.rbegin(), split.ours.rend());  // CLI11's order
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        return exit_with(0, app.help(), {});
    } catch (const CLI::CallForAllHelp&) {
        return exit_with(0, app.help("", CLI::AppFormatMode::All), {});
    } catch (const CLI::CallForVersion& version) {
        return exit_with(0, std::string(version.what()) + "\n", {});
    } catch (const CLI::ParseError& error) {
        std::string where = split.is_run ? "run: " : "";
        std::string help = split.is_run ? "sciagraph run --help" : "sciagraph --help";
        return exit_with(usage_status, {}, where + error.what() + " (see `" + help + "`)");
    }

    ParsedCli parsed;
    if (failpoints->parsed()) {
        parsed.action = ParsedCli::Action::DebugFailpoints;
        return parsed;
    }
    if (!split.is_run) {
        // PATH is optional to CLI11 only because --diff replaces it.
        if (report_args->paths.empty() && report_args->diff.empty()) {
            return exit_with(usage_status, {},
                             "report: no PATH given (or --diff BEFORE AFTER; see `sciagraph "
                             "report --help`)");
        }
        parsed.action = ParsedCli::Action::Report;
        parsed.report = *report_args;
        return parsed;
    }
    // Without "--", the command starts at the first argument CLI11 did not take as an option
    // (prefix command); a "--" after that belongs to the job.
    RunArgs raw = *run_args;
    raw.command = app.get_subcommand("run")->remaining();
    if (!raw.command.empty() && raw.command.front().size() > 1 && raw.command.front()[0] == '-') {
        // Under a prefix command CLI11 passes an unknown option on as if it began COMMAND.
        return exit_with(usage_status, {},
                         "run: unknown option " + raw.command.front() +
                             " (see `sciagraph run --help`; put COMMAND after --)");
    }
    if (split.after_dashes) {
        if (!raw.command.empty()) {
            raw.command.push_back("--");
        }
        raw.command.insert(raw.command.end(), split.after_dashes->begin(),
                           split.after_dashes->end());
    }
    if (raw.command.empty()) {
        return exit_with(usage_status, {},
                         "run: no COMMAND given; usage: sciagraph run [OPTIONS] -- COMMAND "
                         "[ARGS...]");
    }
    try {
        parsed.run = finish_run_options(raw);
    } catch (const SettingsError& error) {
        return exit_with(usage_status, {}, error.what());
    }
    parsed.action = ParsedCli::Action::Run;
    return parsed;
}

}  // namespace sciagraph::launcher
