// tests/launcher/test_output_template.cpp
#include "exit_codes.h"
#include "output_template.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <map>

using namespace sciagraph::launcher;

namespace {

TemplateValues values(std::map<std::string, std::string> env = {})
{
    TemplateValues v;
    v.host = "node7";
    v.pid = 4242;
    std::tm t{};
    t.tm_year = 126;
    t.tm_mon = 11;
    t.tm_mday = 7;
    t.tm_hour = 9;
    t.tm_min = 5;
    t.tm_sec = 3;
    t.tm_isdst = -1;
    v.time = std::mktime(&t);
    v.env = [env](const std::string& name) -> std::optional<std::string> {
        const auto found = env.find(name);
        return found == env.end() ? std::nullopt : std::optional(found->second);
    };
    return v;
}

std::string refusal(std::string_view text, const TemplateValues& v)
{
    try {
        return "(accepted: " + expand_output_template(text, v) + ")";
    } catch (const LaunchError& error) {
        CHECK(error.code() == ExitCode::CannotStart);
        return error.what();
    }
}

}  // namespace

TEST_CASE("output_template: each placeholder", "[launcher]")
{
    const auto v = values({{"SLURM_PROCID", "3"}, {"SLURM_JOB_ID", "981"}});
    CHECK(expand_output_template("runs/{host}", v) == "runs/node7");
    CHECK(expand_output_template("runs/{pid}", v) == "runs/4242");
    CHECK(expand_output_template("runs/{time}", v) == "runs/20261207-090503");
    CHECK(expand_output_template("/shared/{env:SLURM_JOB_ID}/{host}-{env:SLURM_PROCID}", v) ==
          "/shared/981/node7-3");
    CHECK(expand_output_template("{host}{pid}", v) == "node74242");
}

TEST_CASE("output_template: text without placeholders is kept as is", "[launcher]")
{
    const auto v = values();
    CHECK(expand_output_template("", v).empty());
    CHECK(expand_output_template("plain/dir name", v) == "plain/dir name");
    CHECK(expand_output_template("a{{b}}c", v) == "a{b}c");
    CHECK(expand_output_template("{{host}}", v) == "{host}");
}

TEST_CASE("output_template: refusals name the problem in one line", "[launcher]")
{
    const auto v = values({{"EMPTY", ""}, {"UP", "../../etc"}, {"HOME", "/home/u"}});
    CHECK(refusal("runs/{hostname}", v) ==
          "output path 'runs/{hostname}': unknown placeholder {hostname} (known: {host}, {pid}, "
          "{time}, {env:NAME}; {{ and }} for braces)");
    CHECK(refusal("runs/{env:SLURM_PROCID}", v) ==
          "output path 'runs/{env:SLURM_PROCID}': SLURM_PROCID is not set");
    CHECK(refusal("runs/{env:EMPTY}", v) == "output path 'runs/{env:EMPTY}': EMPTY is empty");
    CHECK(refusal("runs/{env:}", v) == "output path 'runs/{env:}': {env:} names no variable");
    CHECK(refusal("runs/{host", v) ==
          "output path 'runs/{host': a '{' without its '}' (write {{ for a brace)");
    CHECK(refusal("runs/host}", v) ==
          "output path 'runs/host}': a '}' without its '{' (write }} for a brace)");
    CHECK(refusal("runs/{env:UP}", v) ==
          "output path 'runs/{env:UP}': {env:UP} is '../../etc', which holds '..'");
    // A value may hold slashes (a path), and dots that are not a level of their own.
    CHECK(expand_output_template("{env:HOME}/runs", v) == "/home/u/runs");
    auto nameless = v;
    nameless.host = "";
    CHECK(refusal("{host}", nameless) == "output path '{host}': {host} is empty on this machine");
}

TEST_CASE("output_template: any text either expands or is refused, never throws otherwise",
          "[launcher]")
{
    rc::prop("expansion is total", [] {
        const auto text = *rc::gen::container<std::string>(rc::gen::element(
            'a', '/', '{', '}', ':', 'h', 'o', 's', 't', 'e', 'n', 'v', 'p', 'i', 'd', '.'));
        const auto v = values({{"h", "x"}, {"a", ".."}});
        try {
            const std::string out = expand_output_template(text, v);
            // Whatever was not a placeholder is copied: no brace survives unescaped.
            RC_ASSERT(out.size() <= text.size() * 8 + 32);
        } catch (const LaunchError& error) {
            RC_ASSERT(std::string(error.what()).rfind("output path '", 0) == 0);
        }
    });
}
