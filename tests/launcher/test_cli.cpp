// tests/launcher/test_cli.cpp
#include "cli.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace sciagraph::launcher;
using Action = ParsedCli::Action;

TEST_CASE("cli: run splits options from the command at --", "[launcher]")
{
    const auto parsed = parse_cli({"run", "-o", "out", "--mode", "memory", "-q", "--", "python3",
                                   "-q", "--mode", "x", "--", "y"});
    REQUIRE(parsed.action == Action::Run);
    CHECK(parsed.run.command ==
          std::vector<std::string>{"python3", "-q", "--mode", "x", "--", "y"});
    CHECK(std::get<std::string>(parsed.run.cli.at("output")) == "out");
    CHECK(std::get<std::string>(parsed.run.cli.at("mode")) == "memory");
    CHECK(std::get<bool>(parsed.run.cli.at("quiet")));
    CHECK_FALSE(std::get<bool>(parsed.run.cli.at("verbose")));
}

TEST_CASE("cli: run without -- takes the first non-option as the command", "[launcher]")
{
    const auto parsed = parse_cli({"run", "--time-hz", "50", "python3", "-u", "job.py", "--", "a"});
    REQUIRE(parsed.action == Action::Run);
    CHECK(parsed.run.command == std::vector<std::string>{"python3", "-u", "job.py", "--", "a"});
    CHECK(std::get<std::int64_t>(parsed.run.cli.at("time_hz")) == 50);
}

TEST_CASE("cli: --exact, --config and every value option", "[launcher]")
{
    const auto parsed =
        parse_cli({"run", "--exact", "--config", "c.toml", "--on-unsupported", "run-unprofiled",
                   "--persist-interval-ms", "500", "-v", "--", "true"});
    REQUIRE(parsed.action == Action::Run);
    CHECK(std::get<std::int64_t>(parsed.run.cli.at("memory_sample_bytes")) == 1);
    CHECK(parsed.run.config == "c.toml");
    CHECK(std::get<std::string>(parsed.run.cli.at("on_unsupported")) == "run-unprofiled");
    CHECK(std::get<std::int64_t>(parsed.run.cli.at("persist_interval_ms")) == 500);
    CHECK(std::get<bool>(parsed.run.cli.at("verbose")));
    CHECK(parsed.run.cli.count("time_hz") == 0);  // not given: lower layers decide
}

TEST_CASE("cli: run usage errors exit 125 with one line", "[launcher]")
{
    auto check_refused = [](std::vector<std::string> args, const std::string& start) {
        const auto parsed = parse_cli(args);
        CHECK(parsed.action == Action::Exit);
        CHECK(parsed.exit_status == 125);
        CHECK(parsed.error.rfind(start, 0) == 0);
        CHECK(parsed.error.find('\n') == std::string::npos);
    };
    check_refused({"run", "--time-hz", "0", "--", "true"},
                  "option --time-hz: expected an integer from 1 to 1000, got 0");
    check_refused({"run", "--mode", "space", "--", "true"}, "option --mode: expected one of");
    check_refused({"run", "--bogus", "--", "true"}, "run: unknown option --bogus");
    check_refused({"run", "-o", "x"}, "run: no COMMAND given");
    check_refused({"run", "-q", "-v", "--", "true"}, "run: ");
    check_refused({"run", "--exact", "--memory-sample-bytes", "8", "--", "true"}, "run: ");
}

TEST_CASE("cli: help and version go to stdout with status 0", "[launcher]")
{
    const auto help = parse_cli({"--help"});
    CHECK(help.action == Action::Exit);
    CHECK(help.exit_status == 0);
    CHECK(help.out.find("report") != std::string::npos);
    const auto run_help = parse_cli({"run", "--help"});
    CHECK(run_help.exit_status == 0);
    CHECK(run_help.out.find("--memory-sample-bytes") != std::string::npos);
    CHECK(run_help.out.find("SCIAGRAPH_") != std::string::npos);
    const auto version = parse_cli({"--version"});
    CHECK(version.exit_status == 0);
    CHECK(version.out.rfind("sciagraph ", 0) == 0);
}

TEST_CASE("cli: report and debug subcommands", "[launcher]")
{
    const auto report = parse_cli({"report", "run-dir", "-o", "out", "--format", "svg", "--format",
                                   "json", "--title", "T", "--min-width", "0.5"});
    REQUIRE(report.action == Action::Report);
    CHECK(report.report.paths == std::vector<std::string>{"run-dir"});
    CHECK(report.report.output == "out");
    CHECK(report.report.formats == std::vector<std::string>{"svg", "json"});
    CHECK(report.report.title == "T");
    CHECK(report.report.min_width == 0.5);
    CHECK(parse_cli({"report"}).exit_status == 2);
    CHECK(parse_cli({}).exit_status == 2);

    const auto diff = parse_cli({"report", "--diff", "run1", "run2", "-o", "d"});
    REQUIRE(diff.action == Action::Report);
    CHECK(diff.report.diff == std::vector<std::string>{"run1", "run2"});
    CHECK(diff.report.paths.empty());
    CHECK(diff.report.output == "d");
    CHECK(parse_cli({"report", "--diff", "run1"}).exit_status == 2);
    CHECK(parse_cli({"report", "--diff", "a", "b", "c"}).exit_status == 2);
    CHECK(parse_cli({"report", "x", "--diff", "a", "b"}).exit_status == 2);
    CHECK(parse_cli({"debug", "failpoints"}).action == Action::DebugFailpoints);

    std::ostringstream out;
    CHECK(run_debug_failpoints(out) == 0);
    CHECK(out.str().find("startup-check\n") != std::string::npos);
    CHECK(out.str().find("dump-write\n") != std::string::npos);
}

TEST_CASE("cli: report's default output directory", "[launcher]")
{
    CHECK(default_report_dir("/tmp") == "/tmp");
    CHECK(default_report_dir("/x/123.sgdump") == "/x/123.sgdump.report");
    CHECK(default_report_dir("flame.folded") == "flame.folded.report");
    // A diff never goes into a run directory, whose index.html it would replace.
    CHECK(default_diff_dir("runs/after") == "runs/after.diff");
    CHECK(default_diff_dir("runs/after/") == "runs/after.diff");
    CHECK(default_diff_dir("b.folded") == "b.folded.diff");
}

TEST_CASE("cli: sciagraph-python stands where python stands", "[launcher]")
{
    CHECK(python_stand_in_args("/opt/sg/bin/sciagraph-python", {"-m", "pyspark.daemon"},
                               "/usr/bin/python3") ==
          std::vector<std::string>{"run", "--", "/usr/bin/python3", "-m", "pyspark.daemon"});
    CHECK(python_stand_in_args("sciagraph-python", {}, "python3") ==
          std::vector<std::string>{"run", "--", "python3"});
    CHECK_FALSE(python_stand_in_args("/usr/bin/sciagraph", {"run"}, "python3"));
    CHECK_FALSE(python_stand_in_args("sciagraph-python3", {}, "python3"));
    // What the stand-in makes parses as a run whose command is the interpreter and its args.
    const auto parsed = parse_cli(*python_stand_in_args("sciagraph-python", {"-c", "1"}, "py"));
    REQUIRE(parsed.action == ParsedCli::Action::Run);
    CHECK(parsed.run.command == std::vector<std::string>{"py", "-c", "1"});
}
