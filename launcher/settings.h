// launcher/settings.h — the run's configuration: defaults < TOML file < SCIAGRAPH_* environment
// < command line. Every layer goes through the same per-key validation, so a bad value is refused
// with the same wording wherever it came from, naming its source (file, variable or option).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sciagraph::launcher {

// The environment as a map, so that parsing can be tested without touching the real one.
using EnvMap = std::map<std::string, std::string>;
EnvMap env_map_from(char** envp);

enum class Mode { Memory, Time, Both };
enum class OnUnsupported { Fail, RunUnprofiled };

struct Settings {
    std::string output;  // empty: ./sciagraph-result/<YYYYmmdd-HHMMSS>-<pid>, chosen at run time
    Mode mode = Mode::Both;
    std::int64_t memory_sample_bytes = 262144;  // mean bytes between samples; 1 = every allocation
    std::int64_t time_hz = 100;
    OnUnsupported on_unsupported = OnUnsupported::Fail;
    bool quiet = false;
    bool verbose = false;
    std::int64_t persist_interval_ms = 1000;
};

std::string_view to_string(Mode mode);
std::string_view to_string(OnUnsupported on_unsupported);

// A validated value of one key, and one layer of values (only the keys that layer sets).
using SettingValue = std::variant<std::int64_t, bool, std::string>;
using SettingsLayer = std::map<std::string, SettingValue, std::less<>>;

// A refused setting; what() is the one line for stderr. Exit status 125.
class SettingsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Keys of the config file, in the order they are documented and written.
std::vector<std::string_view> setting_keys();
// The environment variable of a key: "time_hz" -> "SCIAGRAPH_TIME_HZ".
std::string env_var_for(std::string_view key);

// Sets `key` from text (environment or command line), validated. `source` names where the
// text came from in messages: "environment variable SCIAGRAPH_TIME_HZ", "option --time-hz".
void set_from_text(SettingsLayer& layer,
                   std::string_view key,
                   std::string_view text,
                   const std::string& source);

// Parses a TOML document (flat table). `source` names it in messages ("config file /a/b.toml").
SettingsLayer layer_from_toml(std::string_view document, const std::string& source);
SettingsLayer layer_from_toml_file(const std::filesystem::path& file);
// Every SCIAGRAPH_<KEY> variable of a known key. Other SCIAGRAPH_* variables are left alone:
// the core reads its own (SCIAGRAPH_FAILPOINTS and those the launcher sets for it).
SettingsLayer layer_from_env(const EnvMap& env);

// The config file to read: --config if given, else SCIAGRAPH_CONFIG, else none.
std::optional<std::filesystem::path> config_file_to_read(const std::optional<std::string>& cli,
                                                         const EnvMap& env);

// Applies layers over the defaults, lowest precedence first.
Settings resolve(const std::vector<const SettingsLayer*>& layers_low_to_high);

// The whole precedence chain: defaults < file (cli --config or SCIAGRAPH_CONFIG) < env < cli.
Settings load_settings(const SettingsLayer& cli_layer,
                       const std::optional<std::string>& cli_config,
                       const EnvMap& env);

// The effective configuration as a TOML document, every key set (written as config.toml).
std::string to_toml(const Settings& settings, const std::string& resolved_output);

// The value of SCIAGRAPH_CORE_SETTINGS for the core:
// "mode=both;sample_bytes=262144;time_hz=100;persist_ms=1000;on_unsupported=fail".
std::string core_settings_value(const Settings& settings);

}  // namespace sciagraph::launcher
