// launcher/settings.cpp
#include "settings.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sciagraph::launcher {
namespace {

enum class Kind { Text, Choice, Integer, Boolean };

// One documented key. A table rather than code per key: every source (file, environment,
// command line) validates through the same spec, so messages cannot drift apart.
struct KeySpec {
    std::string_view key;
    Kind kind;
    std::int64_t min = 0;
    std::int64_t max = 0;
    std::vector<std::string_view> choices = {};
};

const std::vector<KeySpec>& key_specs()
{
    static const std::vector<KeySpec> specs = {
        {"output", Kind::Text},
        {"mode", Kind::Choice, 0, 0, {"memory", "time", "both"}},
        {"memory_sample_bytes", Kind::Integer, 1, std::int64_t{1} << 30},
        {"time_hz", Kind::Integer, 1, 1000},
        {"on_unsupported", Kind::Choice, 0, 0, {"fail", "run-unprofiled"}},
        {"quiet", Kind::Boolean},
        {"verbose", Kind::Boolean},
        {"persist_interval_ms", Kind::Integer, 100, 60000},
    };
    return specs;
}

const KeySpec* find_spec(std::string_view key)
{
    for (const auto& spec : key_specs()) {
        if (spec.key == key) {
            return &spec;
        }
    }
    return nullptr;
}

std::string join(const std::vector<std::string_view>& items, std::string_view separator)
{
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += separator;
        }
        out += item;
    }
    return out;
}

std::string expected(const KeySpec& spec)
{
    switch (spec.kind) {
    case Kind::Text:
        return "a non-empty string";
    case Kind::Choice:
        return "one of " + join(spec.choices, ", ");
    case Kind::Integer:
        return "an integer from " + std::to_string(spec.min) + " to " + std::to_string(spec.max);
    case Kind::Boolean:
        return "true or false";
    }
    return {};
}

[[noreturn]] void refuse(const std::string& source, const KeySpec& spec, const std::string& got)
{
    throw SettingsError(source + ": expected " + expected(spec) + ", got " + got);
}

std::string lowercase(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Checks a value of the right type against the spec's range or choices.
SettingValue checked(const KeySpec& spec, SettingValue value, const std::string& source)
{
    if (spec.kind == Kind::Integer) {
        auto number = std::get<std::int64_t>(value);
        if (number < spec.min || number > spec.max) {
            refuse(source, spec, std::to_string(number));
        }
    } else if (spec.kind == Kind::Choice) {
        const auto& text = std::get<std::string>(value);
        if (std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end()) {
            refuse(source, spec, "'" + text + "'");
        }
    } else if (spec.kind == Kind::Text && std::get<std::string>(value).empty()) {
        refuse(source, spec, "an empty string");
    }
    return value;
}

std::string type_name(const toml::node& node)
{
    switch (node.type()) {
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a floating-point number";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    default:
        return "a date or time";
    }
}

SettingValue value_from_node(const KeySpec& spec, const toml::node& node, const std::string& where)
{
    switch (spec.kind) {
    case Kind::Text:
    case Kind::Choice:
        if (auto text = node.value_exact<std::string>()) {
            return *text;
        }
        break;
    case Kind::Integer:
        if (auto number = node.value_exact<std::int64_t>()) {
            return *number;
        }
        break;
    case Kind::Boolean:
        if (auto flag = node.value_exact<bool>()) {
            return *flag;
        }
        break;
    }
    refuse(where, spec, type_name(node));
}

}  // namespace

EnvMap env_map_from(char** envp)
{
    EnvMap env;
    for (; envp != nullptr && *envp != nullptr; ++envp) {
        std::string_view entry(*envp);
        auto equals = entry.find('=');
        if (equals == std::string_view::npos) {
            continue;
        }
        // First definition wins, as getenv(3) does when a variable appears twice.
        env.emplace(std::string(entry.substr(0, equals)), std::string(entry.substr(equals + 1)));
    }
    return env;
}

std::string_view to_string(Mode mode)
{
    switch (mode) {
    case Mode::Memory:
        return "memory";
    case Mode::Time:
        return "time";
    case Mode::Both:
        return "both";
    }
    return "both";
}

std::string_view to_string(OnUnsupported on_unsupported)
{
    return on_unsupported == OnUnsupported::Fail ? "fail" : "run-unprofiled";
}

std::vector<std::string_view> setting_keys()
{
    std::vector<std::string_view> keys;
    for (const auto& spec : key_specs()) {
        keys.push_back(spec.key);
    }
    return keys;
}

std::string env_var_for(std::string_view key)
{
    std::string name = "SCIAGRAPH_";
    for (char c : key) {
        name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return name;
}

void set_from_text(SettingsLayer& layer,
                   std::string_view key,
                   std::string_view text,
                   const std::string& source)
{
    const KeySpec* spec = find_spec(key);
    if (spec == nullptr) {
        throw SettingsError(source + ": unknown setting '" + std::string(key) + "'");
    }
    // Appended, not "'" + std::string: GCC 12 warns (-Wrestrict, a false positive) on that.
    const std::string quoted = std::string(1, '\'').append(text).append(1, '\'');
    switch (spec->kind) {
    case Kind::Text:
    case Kind::Choice:
        layer.insert_or_assign(std::string(key), checked(*spec, std::string(text), source));
        return;
    case Kind::Integer: {
        std::int64_t number = 0;
        const char* end = text.data() + text.size();
        auto [stop, error] = std::from_chars(text.data(), end, number);
        if (text.empty() || error == std::errc::invalid_argument || stop != end) {
            refuse(source, *spec, quoted);
        }
        if (error == std::errc::result_out_of_range) {
            refuse(source, *spec, quoted);
        }
        layer.insert_or_assign(std::string(key), checked(*spec, number, source));
        return;
    }
    case Kind::Boolean: {
        const std::string word = lowercase(text);
        if (word == "1" || word == "true" || word == "yes" || word == "on") {
            layer.insert_or_assign(std::string(key), true);
        } else if (word == "0" || word == "false" || word == "no" || word == "off") {
            layer.insert_or_assign(std::string(key), false);
        } else {
            refuse(source, *spec, quoted);
        }
        return;
    }
    }
}

SettingsLayer layer_from_toml(std::string_view document, const std::string& source)
{
    toml::table table;
    try {
        table = toml::parse(document);
    } catch (const toml::parse_error& error) {
        const auto& where = error.source().begin;
        throw SettingsError(source + ": line " + std::to_string(where.line) + ", column " +
                            std::to_string(where.column) + ": " + std::string(error.description()));
    }
    SettingsLayer layer;
    for (auto&& [name, node] : table) {
        const std::string key(name.str());
        const KeySpec* spec = find_spec(key);
        if (spec == nullptr) {
            throw SettingsError(source + ": unknown key '" + key +
                                "' (known keys: " + join(setting_keys(), ", ") + ")");
        }
        const std::string where = source + ": key '" + key + "'";
        layer.insert_or_assign(key, checked(*spec, value_from_node(*spec, node, where), where));
    }
    return layer;
}

SettingsLayer layer_from_toml_file(const std::filesystem::path& file)
{
    const std::string source = "config file " + file.string();
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw SettingsError(source + ": cannot be read (" + std::strerror(errno) + ")");
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw SettingsError(source + ": cannot be read");
    }
    return layer_from_toml(text.str(), source);
}

SettingsLayer layer_from_env(const EnvMap& env)
{
    SettingsLayer layer;
    for (const auto& spec : key_specs()) {
        const std::string name = env_var_for(spec.key);
        auto found = env.find(name);
        // An empty variable counts as unset, as `SCIAGRAPH_OUTPUT= sciagraph run ...` means to
        // most shells users: "not this time".
        if (found == env.end() || found->second.empty()) {
            continue;
        }
        set_from_text(layer, spec.key, found->second, "environment variable " + name);
    }
    return layer;
}

std::optional<std::filesystem::path> config_file_to_read(const std::optional<std::string>& cli,
                                                         const EnvMap& env)
{
    if (cli) {
        return std::filesystem::path(*cli);
    }
    auto found = env.find("SCIAGRAPH_CONFIG");
    if (found != env.end() && !found->second.empty()) {
        return std::filesystem::path(found->second);
    }
    return std::nullopt;
}

Settings resolve(const std::vector<const SettingsLayer*>& layers_low_to_high)
{
    SettingsLayer merged;
    for (const auto* layer : layers_low_to_high) {
        for (const auto& [key, value] : *layer) {
            merged.insert_or_assign(key, value);
        }
    }
    Settings settings;
    auto text = [&](std::string_view key) -> const std::string* {
        auto found = merged.find(key);
        return found == merged.end() ? nullptr : &std::get<std::string>(found->second);
    };
    auto number = [&](std::string_view key, std::int64_t& into) {
        if (auto found = merged.find(key); found != merged.end()) {
            into = std::get<std::int64_t>(found->second);
        }
    };
    auto flag = [&](std::string_view key, bool& into) {
        if (auto found = merged.find(key); found != merged.end()) {
            into = std::get<bool>(found->second);
        }
    };
    if (const auto* output = text("output")) {
        settings.output = *output;
    }
    if (const auto* mode = text("mode")) {
        settings.mode = *mode == "memory" ? Mode::Memory
                        : *mode == "time" ? Mode::Time
                                          : Mode::Both;
    }
    if (const auto* on_unsupported = text("on_unsupported")) {
        settings.on_unsupported =
            *on_unsupported == "fail" ? OnUnsupported::Fail : OnUnsupported::RunUnprofiled;
    }
    number("memory_sample_bytes", settings.memory_sample_bytes);
    number("time_hz", settings.time_hz);
    number("persist_interval_ms", settings.persist_interval_ms);
    flag("quiet", settings.quiet);
    flag("verbose", settings.verbose);
    return settings;
}

Settings load_settings(const SettingsLayer& cli_layer,
                       const std::optional<std::string>& cli_config,
                       const EnvMap& env)
{
    SettingsLayer file_layer;
    if (auto file = config_file_to_read(cli_config, env)) {
        file_layer = layer_from_toml_file(*file);
    }
    const SettingsLayer env_layer = layer_from_env(env);
    return resolve({&file_layer, &env_layer, &cli_layer});
}

std::string to_toml(const Settings& settings, const std::string& resolved_output)
{
    std::ostringstream out;
    out << "# The effective configuration of this sciagraph run (defaults < config file <\n"
           "# SCIAGRAPH_* environment < command line). `sciagraph run --config` reads it back.\n";
    out << "output = " << toml::value<std::string>(resolved_output) << '\n';
    out << "mode = \"" << to_string(settings.mode) << "\"\n";
    out << "memory_sample_bytes = " << settings.memory_sample_bytes << '\n';
    out << "time_hz = " << settings.time_hz << '\n';
    out << "on_unsupported = \"" << to_string(settings.on_unsupported) << "\"\n";
    out << "quiet = " << (settings.quiet ? "true" : "false") << '\n';
    out << "verbose = " << (settings.verbose ? "true" : "false") << '\n';
    out << "persist_interval_ms = " << settings.persist_interval_ms << '\n';
    return out.str();
}

std::string core_settings_value(const Settings& settings)
{
    return "mode=" + std::string(to_string(settings.mode)) +
           ";sample_bytes=" + std::to_string(settings.memory_sample_bytes) +
           ";time_hz=" + std::to_string(settings.time_hz) +
           ";persist_ms=" + std::to_string(settings.persist_interval_ms) +
           ";on_unsupported=" + std::string(to_string(settings.on_unsupported));
}

}  // namespace sciagraph::launcher
