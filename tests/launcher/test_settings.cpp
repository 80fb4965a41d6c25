// tests/launcher/test_settings.cpp
#include "settings.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <cstdlib>
#include <fstream>

#include <unistd.h>

using namespace sciagraph::launcher;

namespace {

std::string refusal(const std::function<void()>& action)
{
    try {
        action();
    } catch (const SettingsError& error) {
        return error.what();
    }
    return "(accepted)";
}

struct TempFile {
    std::filesystem::path path;
    explicit TempFile(const std::string& text)
    {
        char name[] = "/tmp/sciagraph-test-XXXXXX";
        int fd = ::mkstemp(name);
        ::close(fd);
        path = name;
        std::ofstream(path) << text;
    }
    ~TempFile() { std::filesystem::remove(path); }
};

}  // namespace

TEST_CASE("settings: defaults", "[launcher]")
{
    const Settings settings = resolve({});
    CHECK(settings.output.empty());
    CHECK(settings.mode == Mode::Both);
    CHECK(settings.memory_sample_bytes == 262144);
    CHECK(settings.time_hz == 100);
    CHECK(settings.on_unsupported == OnUnsupported::Fail);
    CHECK_FALSE(settings.quiet);
    CHECK_FALSE(settings.verbose);
    CHECK(settings.persist_interval_ms == 1000);
    CHECK(core_settings_value(settings) ==
          "mode=both;sample_bytes=262144;time_hz=100;persist_ms=1000;on_unsupported=fail");
}

TEST_CASE("settings: precedence is defaults < file < environment < command line", "[launcher]")
{
    TempFile file("time_hz = 10\nmode = \"memory\"\npersist_interval_ms = 200\nquiet = true\n");
    const EnvMap env = {{"SCIAGRAPH_CONFIG", file.path.string()},
                        {"SCIAGRAPH_TIME_HZ", "20"},
                        {"SCIAGRAPH_MODE", "time"}};
    SettingsLayer cli;
    set_from_text(cli, "time_hz", "30", "option --time-hz");

    const Settings all = load_settings(cli, std::nullopt, env);
    CHECK(all.time_hz == 30);               // command line beats environment
    CHECK(all.mode == Mode::Time);          // environment beats file
    CHECK(all.persist_interval_ms == 200);  // file beats default
    CHECK(all.quiet);
    CHECK(all.memory_sample_bytes == 262144);  // default

    const Settings no_cli = load_settings({}, std::nullopt, env);
    CHECK(no_cli.time_hz == 20);

    const Settings file_only = load_settings({}, std::nullopt, {{"SCIAGRAPH_CONFIG", file.path}});
    CHECK(file_only.time_hz == 10);
    CHECK(file_only.mode == Mode::Memory);
}

TEST_CASE("settings: --config beats SCIAGRAPH_CONFIG; empty variables count as unset", "[launcher]")
{
    TempFile from_env("time_hz = 10\n");
    TempFile from_cli("time_hz = 11\n");
    const EnvMap env = {{"SCIAGRAPH_CONFIG", from_env.path}, {"SCIAGRAPH_MODE", ""}};
    CHECK(load_settings({}, from_cli.path.string(), env).time_hz == 11);
    CHECK(load_settings({}, std::nullopt, env).mode == Mode::Both);
}

TEST_CASE("settings: refusals name the source, the key and what was expected", "[launcher]")
{
    CHECK(refusal([] { layer_from_toml("time_hz = 5000\n", "config file /etc/x.toml"); }) ==
          "config file /etc/x.toml: key 'time_hz': expected an integer from 1 to 1000, got 5000");
    CHECK(refusal([] { layer_from_toml("mode = 3\n", "config file a.toml"); }) ==
          "config file a.toml: key 'mode': expected one of memory, time, both, got an integer");
    CHECK(refusal([] { layer_from_toml("quiet = \"yes\"\n", "config file a.toml"); }) ==
          "config file a.toml: key 'quiet': expected true or false, got a string");
    CHECK(refusal([] {
              layer_from_toml("colour = 1\n", "config file a.toml");
          }).starts_with("config file a.toml: unknown key 'colour' (known keys: output, mode,"));
    CHECK(refusal([] {
              layer_from_toml("[run]\nmode = \"time\"\n", "config file a.toml");
          }).starts_with("config file a.toml: unknown key 'run'"));
    CHECK(refusal([] {
              layer_from_toml("mode = \n", "config file a.toml");
          }).starts_with("config file a.toml: line 1, column "));
    CHECK(refusal([] {
              layer_from_env({{"SCIAGRAPH_MEMORY_SAMPLE_BYTES", "12k"}});
          }) == "environment variable SCIAGRAPH_MEMORY_SAMPLE_BYTES: expected an integer from 1 to "
                "1073741824, got '12k'");
    CHECK(refusal([] {
              layer_from_env({{"SCIAGRAPH_ON_UNSUPPORTED", "ignore"}});
          }) ==
          "environment variable SCIAGRAPH_ON_UNSUPPORTED: expected one of fail, run-unprofiled, "
          "got 'ignore'");
    CHECK(refusal([] {
              SettingsLayer layer;
              set_from_text(layer, "persist_interval_ms", "99", "option --persist-interval-ms");
          }) == "option --persist-interval-ms: expected an integer from 100 to 60000, got 99");
    CHECK(refusal([] {
              SettingsLayer layer;
              set_from_text(layer, "time_hz", "99999999999999999999999", "option --time-hz");
          }).starts_with("option --time-hz: expected an integer"));
    CHECK(refusal([] {
              load_settings({}, std::string("/nonexistent/x.toml"), {});
          }).starts_with("config file /nonexistent/x.toml: cannot be read"));
}

TEST_CASE("settings: booleans from text, unknown SCIAGRAPH_ variables left alone", "[launcher]")
{
    for (const char* yes : {"1", "true", "YES", "on"}) {
        const auto layer = layer_from_env({{"SCIAGRAPH_QUIET", yes}});
        CHECK(resolve({&layer}).quiet);
    }
    const auto layer = layer_from_env({{"SCIAGRAPH_VERBOSE", "off"},
                                       {"SCIAGRAPH_FAILPOINTS", "all"},
                                       {"SCIAGRAPH_CORE_SETTINGS", "x"}});
    CHECK(layer.size() == 1);
    CHECK(env_var_for("memory_sample_bytes") == "SCIAGRAPH_MEMORY_SAMPLE_BYTES");
}

TEST_CASE("settings: the written config.toml reads back to the same settings", "[launcher]")
{
    rc::prop("to_toml round-trips", [] {
        Settings settings;
        settings.mode = *rc::gen::element(Mode::Memory, Mode::Time, Mode::Both);
        settings.memory_sample_bytes = *rc::gen::inRange<std::int64_t>(1, (1 << 30) + 1);
        settings.time_hz = *rc::gen::inRange<std::int64_t>(1, 1001);
        settings.persist_interval_ms = *rc::gen::inRange<std::int64_t>(100, 60001);
        settings.on_unsupported =
            *rc::gen::element(OnUnsupported::Fail, OnUnsupported::RunUnprofiled);
        settings.quiet = *rc::gen::arbitrary<bool>();
        settings.verbose = *rc::gen::arbitrary<bool>();
        // Pieces that need TOML escaping, and a multi-byte UTF-8 character.
        const auto pieces = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(
            rc::gen::element<std::string>("a", " ", "\"", "'", "\\", "\t", ":", "é", "/")));
        std::string output = "/tmp/";
        for (const auto& piece : pieces) {
            output += piece;
        }
        const auto layer = layer_from_toml(to_toml(settings, output), "config.toml");
        const Settings back = resolve({&layer});
        RC_ASSERT(back.output == output);
        RC_ASSERT(back.mode == settings.mode);
        RC_ASSERT(back.memory_sample_bytes == settings.memory_sample_bytes);
        RC_ASSERT(back.time_hz == settings.time_hz);
        RC_ASSERT(back.persist_interval_ms == settings.persist_interval_ms);
        RC_ASSERT(back.on_unsupported == settings.on_unsupported);
        RC_ASSERT(back.quiet == settings.quiet);
        RC_ASSERT(back.verbose == settings.verbose);
    });
}

TEST_CASE("settings: the shipped config/sciagraph.toml is valid and states the defaults",
          "[launcher]")
{
    const auto file = std::filesystem::path(SCIAGRAPH_SOURCE_DIR) / "config" / "sciagraph.toml";
    const auto layer = layer_from_toml_file(file);
    const Settings shipped = resolve({&layer});
    const Settings defaults;
    CHECK(shipped.mode == defaults.mode);
    CHECK(shipped.memory_sample_bytes == defaults.memory_sample_bytes);
    CHECK(shipped.time_hz == defaults.time_hz);
    CHECK(shipped.on_unsupported == defaults.on_unsupported);
    CHECK(shipped.persist_interval_ms == defaults.persist_interval_ms);
    CHECK(shipped.quiet == defaults.quiet);
    CHECK(shipped.verbose == defaults.verbose);
}
