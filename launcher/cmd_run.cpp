// launcher/cmd_run.cpp
#include "cmd_run.h"

#include "core_locator.h"
#include "env_checks.h"
#include "exit_codes.h"
#include "job_env.h"
#include "job_page_file.h"
#include "log.h"
#include "output_dir.h"
#include "output_template.h"
#include "report/read/live_process.h"
#include "report/report.h"
#include "sciagraph_version.h"
#include "slurm_step.h"
#include "spawn_job.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <unistd.h>

namespace sciagraph::launcher {
namespace fs = std::filesystem;

std::shared_ptr<RunArgs> setup_run(CLI::App& app)
{
    auto args = std::make_shared<RunArgs>();
    auto* run = app.add_subcommand(
        "run", "Run COMMAND under the profiler: sciagraph run [OPTIONS] -- COMMAND [ARGS...]");
    // Options end at the first argument that is not one, so `sciagraph run python3 -u x.py`
    // also works; "--" is the safe form when COMMAND's own arguments start with '-'.
    run->prefix_command();
    run->add_option("-o,--output", args->output,
                    "Directory for the results, created if needed and then required to be empty; "
                    "{host}, {pid}, {time} and {env:NAME} are replaced, e.g. "
                    "runs/{env:SLURM_JOB_ID}/{host}-{env:SLURM_PROCID} "
                    "(default: ./sciagraph-result/<YYYYmmdd-HHMMSS>-<pid>)")
        ->type_name("DIR");
    run->add_option("--mode", args->mode, "What to profile: memory, time or both (default: both)")
        ->type_name("MODE");
    run->add_option("--config", args->config,
                    "TOML config file to read (default: $SCIAGRAPH_CONFIG, else none)")
        ->type_name("FILE");
    auto* quiet = run->add_flag("-q,--quiet", args->quiet,
                                "Print nothing but errors (no closing summary line)");
    auto* verbose = run->add_flag("-v,--verbose", args->verbose,
                                  "Also print what sciagraph does: command found, environment");
    quiet->excludes(verbose);
    auto* sample = run->add_option("--memory-sample-bytes", args->memory_sample_bytes,
                                   "Mean bytes allocated between two stack samples, 1 to 2^30; "
                                   "1 records every allocation (default: 262144)")
                       ->type_name("N");
    run->add_flag("--exact", args->exact,
                  "Record every allocation's stack (same as --memory-sample-bytes 1; slower)")
        ->excludes(sample);
    run->add_option("--time-hz", args->time_hz, "Time samples per second, 1 to 1000 (default: 100)")
        ->type_name("N");
    run->add_option(
           "--on-unsupported", args->on_unsupported,
           "When the job cannot be profiled (static or setuid binary, unsupported Python): "
           "fail (exit 125) or run-unprofiled (default: fail)")
        ->type_name("ACTION");
    run->add_option("--persist-interval-ms", args->persist_interval_ms,
                    "How often the core saves its data while the job runs, 100 to 60000 ms, so a "
                    "killed job still leaves a profile (default: 1000)")
        ->type_name("MS");
    run->footer("Every option can also be set in a TOML config file (--config, or "
                "SCIAGRAPH_CONFIG) and by SCIAGRAPH_<KEY> environment variables, e.g. "
                "SCIAGRAPH_TIME_HZ=50. Command line > environment > config file > defaults. "
                "Exit status: the job's own; 128+N if it died of signal N; 125 if sciagraph "
                "could not start it, 126 if not executable, 127 if not found.");
    return args;
}

RunOptions finish_run_options(const RunArgs& args)
{
    RunOptions options;
    auto set = [&](const char* key, const std::optional<std::string>& value, const char* option) {
        if (value) {
            set_from_text(options.cli, key, *value, std::string("option ") + option);
        }
    };
    set("output", args.output, "--output");
    set("mode", args.mode, "--mode");
    set("memory_sample_bytes", args.memory_sample_bytes, "--memory-sample-bytes");
    set("time_hz", args.time_hz, "--time-hz");
    set("on_unsupported", args.on_unsupported, "--on-unsupported");
    set("persist_interval_ms", args.persist_interval_ms, "--persist-interval-ms");
    if (args.exact) {
        options.cli["memory_sample_bytes"] = std::int64_t{1};
    }
    // -q and -v on the command line override both keys from lower layers, so a config file's
    // `verbose = true` does not fight a `-q`.
    if (args.quiet) {
        options.cli["quiet"] = true;
        options.cli["verbose"] = false;
    }
    if (args.verbose) {
        options.cli["verbose"] = true;
        options.cli["quiet"] = false;
    }
    options.config = args.config;
    options.command = args.command;
    return options;
}

std::string human_bytes(unsigned long long bytes)
{
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < std::size(units)) {
        value /= 1024;
        ++unit;
    }
    char text[48];
    if (unit == 0) {
        std::snprintf(text, sizeof text, "%llu B", bytes);
    } else {
        std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
    }
    return text;
}

namespace {

std::optional<std::string> lookup(const EnvMap& env, const char* name)
{
    auto found = env.find(name);
    return found == env.end() ? std::nullopt : std::optional<std::string>(found->second);
}

log::Verbosity verbosity_of(const Settings& settings)
{
    // Both set by lower layers (file, environment): the more talkative wins, since one of them
    // explicitly asked to see more.
    if (settings.verbose) {
        return log::Verbosity::Verbose;
    }
    return settings.quiet ? log::Verbosity::Quiet : log::Verbosity::Normal;
}

// Finds COMMAND and decides whether the core can be loaded into it. Returns the core's files,
// or nullopt when the job is to run unprofiled (on_unsupported = run-unprofiled).
std::optional<CoreFiles> check_job(const Settings& settings,
                                   const fs::path& program,
                                   const std::optional<std::string>& path_env)
{
    const auto chain = exec_chain(program, path_env);
    for (std::size_t i = 1; i < chain.size(); ++i) {
        log::debug("{} runs through {}", program.string(), chain[i].string());
    }
    try {
        check_preload_reaches(chain);
        auto core = locate_core(self_executable());
        log::debug("core library: {}", core.library.string());
        return core;
    } catch (const LaunchError& error) {
        if (!error.unsupported() || settings.on_unsupported == OnUnsupported::Fail) {
            throw;
        }
        // Drop the "(set on_unsupported ...)" advice: it has been taken.
        std::string reason = error.what();
        reason = reason.substr(0, reason.find(" (set on_unsupported"));
        log::warn("{}; running the job unprofiled (on_unsupported = run-unprofiled)", reason);
        return std::nullopt;
    }
}

// How long processes that outlive the job's root get to end before the report is rendered.
constexpr int kOutlivingWaitMs = 2000;

void render(const fs::path& output, const RunOptions& options, const JobResult& job)
{
    report::RunInfo info;
    info.command = options.command;
    info.exit_code = shell_status(job.end);
    if (job.end.signaled) {
        info.signal = job.end.value;
    }
    info.wall_seconds = job.wall_seconds;
    info.cpu_seconds = job.cpu_seconds;
    info.root_pid = job.pid;
    info.version = SCIAGRAPH_VERSION;
    // Processes the job started may outlive its root by a moment (multiprocessing's resource
    // tracker and forkserver exit when the root's end of their pipe closes): give them time to
    // reach their exit and write their final dump, rather than render a record of a process that
    // is about to end. Bounded: a daemon the job left running does not hold sciagraph up.
    const auto still_running = report::wait_for_recording_processes(
        output / "raw", std::chrono::milliseconds(kOutlivingWaitMs));
    for (const auto& record : still_running) {
        log::debug("{} is still recording after the job ended", record.filename().string());
    }
    const report::Outcome outcome = report::render_run(output, output / "raw", info, {});
    for (const auto& warning : outcome.warnings) {
        log::warn("{}", warning);
    }
    if (!outcome.ok) {
        log::error("{}", outcome.error);
    }
    char times[96];
    std::snprintf(times, sizeof times, "wall %.2f s, CPU %.2f s", job.wall_seconds,
                  job.cpu_seconds);
    std::string peak = outcome.peak_bytes ? "peak memory " + human_bytes(*outcome.peak_bytes)
                                          : std::string("peak memory unknown");
    if (outcome.job_peak_bytes) {
        // The root's own peak says little of a job whose workers hold the data.
        peak += " (job: " + human_bytes(*outcome.job_peak_bytes) + " over " +
                std::to_string(outcome.job_processes) + " processes)";
    }
    log::info("{}, {}; report: {}", peak, times, (output / "index.html").string());
}

}  // namespace

int run_run(const RunOptions& options,
            const EnvMap& env,
            const std::vector<std::string>& environ_entries)
{
    Settings settings;
    try {
        settings = load_settings(options.cli, options.config, env);
    } catch (const SettingsError& error) {
        log::setup(log::Verbosity::Normal);
        log::error("{}", error.what());
        return to_int(ExitCode::CannotStart);
    }
    log::setup(verbosity_of(settings));
    try {
        const auto path_env = lookup(env, "PATH");
        const fs::path program = find_program(options.command.front(), path_env);
        log::debug("command: {}", program.string());
        const auto core = check_job(settings, program, path_env);

        const std::time_t now = std::time(nullptr);
        const fs::path output =
            fs::absolute(
                settings.output.empty()
                    ? default_output_dir(now, ::getpid())
                    : fs::path(expand_output_template(
                          settings.output, template_values_now(now,
                                                               [&env](const std::string& name) {
                                                                   return lookup(env, name.c_str());
                                                               }))))
                .lexically_normal();
        prepare_output_dir(output);
        write_new_file(output, "config.toml", to_toml(settings, output.string()));

        std::optional<CoreEnvironment> core_env;
        if (core) {
            core_env =
                CoreEnvironment{core->library.string(), (output / "raw").string(),
                                core_settings_value(settings), static_cast<long>(::getpid())};
            log::debug("LD_PRELOAD={} {}={}", core->library.string(), kCoreSettingsVar,
                       core_env->core_settings);
            if (!create_job_page(output / "raw")) {
                log::debug("no job page in {}: each process is profiled on its own",
                           (output / "raw").string());
            }
        }
        const auto job_env = job_environment(environ_entries, core_env);

        // The relay stays in place while the report renders: a signal that arrives after the
        // job ended is for a job that is gone, and must not cut the report short or change
        // sciagraph's exit status. The relay discards such signals when it is destroyed.
        SignalRelay relay;
        const JobResult job =
            run_job(relay, program, options.command, job_env, slurm_signals_reach_job(env));
        render(output, options, job);
        return shell_status(job.end);
    } catch (const LaunchError& error) {
        log::error("{}", error.what());
        return to_int(error.code());
    }
}

}  // namespace sciagraph::launcher
