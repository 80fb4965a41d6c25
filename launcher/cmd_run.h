// launcher/cmd_run.h — `sciagraph run [OPTIONS] -- COMMAND [ARGS...]`.
#pragma once

#include "settings.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sciagraph::launcher {

// What `run` was asked, validated: option values as a settings layer (the top of the
// precedence chain), the config file named by --config, and the job's command line.
struct RunOptions {
    SettingsLayer cli;
    std::optional<std::string> config;
    std::vector<std::string> command;
};

// The option values exactly as CLI11 read them; validated by finish_run_options so that a bad
// value gets the same message wording as from a file or the environment.
struct RunArgs {
    std::optional<std::string> output, mode, config, memory_sample_bytes, time_hz, on_unsupported,
        persist_interval_ms;
    bool quiet = false;
    bool verbose = false;
    bool exact = false;
    std::vector<std::string> command;
};

// Adds the `run` subcommand to `app`; the returned args are filled by app.parse().
std::shared_ptr<RunArgs> setup_run(CLI::App& app);

// Validates option values into a layer. Throws SettingsError naming the option.
RunOptions finish_run_options(const RunArgs& args);

// Runs the job and returns sciagraph's exit status. `environ_entries` is the environment
// ("NAME=VALUE", in order) the job inherits; `env` is the same as a map, for settings.
int run_run(const RunOptions& options,
            const EnvMap& env,
            const std::vector<std::string>& environ_entries);

// "123.4 MiB" and friends, for the closing line.
std::string human_bytes(unsigned long long bytes);

}  // namespace sciagraph::launcher
