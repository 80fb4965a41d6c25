// tests/report/test_render.cpp — the API: render_run and render_path on good and bad input,
// summary.json, file layout, exit statuses, determinism.
#include "dump_builder.h"
#include "record_builder.h"
#include "report/read/mapped_file.h"
#include "report/read/profile_list.h"
#include "report/report.h"
#include "tests/temp_dir.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <sstream>

using namespace sciagraph::report;
using sciagraph::report::testing::DumpBuilder;
using sciagraph::report::testing::sample_dump;
using sciagraph::report::testing::sample_record;
namespace fs = std::filesystem;

namespace {

using sciagraph::testing::TempDir;

void write(const fs::path& path, const std::string& bytes)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string read(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

RunInfo run_info(long root)
{
    RunInfo info;
    info.command = {"python", "job.py"};
    info.exit_code = 137;
    info.signal = 9;
    info.wall_seconds = 3.5;
    info.cpu_seconds = 2.25;
    info.root_pid = root;
    info.version = "9.9.9";
    return info;
}

const char* const kProcessFiles[] = {"index.html",
                                     "memory-peak.svg",
                                     "time.svg",
                                     "memory-peak.folded",
                                     "time-cpu.folded",
                                     "time-wait.folded",
                                     "profile.speedscope.json",
                                     "profile.json"};

}  // namespace

TEST_CASE("render_run: root and children with summary.json", "[report]")
{
    TempDir dir;
    write(dir.path / "raw/100.sgdump", sample_dump(100, 1).str());
    write(dir.path / "raw/101.sgdump", sample_dump(101, 100, false).str());
    write(dir.path / "raw/102.sgdump", "garbage");
    const Outcome o = render_run(dir.path, dir.path / "raw", run_info(100), {});
    REQUIRE(o.ok);
    CHECK(o.peak_bytes == 104857600ull);
    for (const char* f : kProcessFiles) {
        CHECK(fs::exists(dir.path / f));
        CHECK(fs::exists(dir.path / "children/101" / f));
    }
    CHECK_FALSE(fs::exists(dir.path / "children/102"));
    const auto s = nlohmann::json::parse(read(dir.path / "summary.json"));
    CHECK(s["peak_bytes"] == 104857600);
    CHECK(s["wall_seconds"] == 3.5);
    CHECK(s["cpu_seconds"] == 2.25);
    CHECK(s["exit_code"] == 137);
    CHECK(s["signal"] == 9);
    CHECK(s["command"] == nlohmann::json::array({"python", "job.py"}));
    CHECK(s["version"] == "9.9.9");
    REQUIRE(s["processes"].size() == 3);
    const auto& root = s["processes"][0];
    for (const char* key :
         {"pid", "ppid", "peak_bytes", "python_version", "status", "disabled_reason", "dump",
          "truncated", "time_samples", "time_failed_reads", "sampler_cpu_seconds",
          "memory_sample_interval_bytes", "dir"}) {
        CHECK(root.contains(key));
    }
    CHECK(root["pid"] == 100);
    CHECK(root["dir"] == ".");
    CHECK(root["dump"] == "raw/100.sgdump");
    CHECK(root["truncated"] == false);
    CHECK(s["processes"][1]["pid"] == 101);
    CHECK(s["processes"][1]["truncated"] == true);
    CHECK(s["processes"][1]["dir"] == "children/101");
    CHECK(s["processes"][2]["status"] == "corrupt");
    CHECK(s["processes"][2]["dir"].is_null());
    CHECK(s["warnings"].size() >= 2);
    // The root's page links to the child's.
    CHECK(read(dir.path / "index.html").find("children/101/index.html") != std::string::npos);
    CHECK(read(dir.path / "children/101/index.html").find("../../index.html") != std::string::npos);
}

namespace {
// The pids of the table of processes embedded in a page.
std::vector<long> table_pids(const std::string& html)
{
    const std::string start = "<script type=\"application/json\" id=\"sciagraph-data\">";
    const size_t from = html.find(start);
    const size_t to = html.find("</script>", from);
    REQUIRE(from != std::string::npos);
    REQUIRE(to != std::string::npos);
    const auto data =
        nlohmann::json::parse(html.substr(from + start.size(), to - from - start.size()));
    std::vector<long> pids;
    for (const auto& p : data["page"]["processes"]) {
        pids.push_back(p["pid"].get<long>());
    }
    return pids;
}
}  // namespace

TEST_CASE("render_run: a child's page lists its neighbourhood, the root's page every process",
          "[report]")
{
    TempDir dir;
    write(dir.path / "raw/100.sgdump", sample_dump(100, 1).str());
    for (long pid : {101, 102, 104}) {
        write(dir.path / ("raw/" + std::to_string(pid) + ".sgdump"), sample_dump(pid, 100).str());
    }
    write(dir.path / "raw/103.sgdump", sample_dump(103, 101).str());
    const Outcome o = render_run(dir.path, dir.path / "raw", run_info(100), {});
    REQUIRE(o.ok);
    CHECK(table_pids(read(dir.path / "index.html")) == std::vector<long>{100, 101, 102, 103, 104});
    // The root, itself and its child; not its siblings.
    CHECK(table_pids(read(dir.path / "children/101/index.html")) ==
          std::vector<long>{100, 101, 103});
    // The root, its parent and itself.
    CHECK(table_pids(read(dir.path / "children/103/index.html")) ==
          std::vector<long>{100, 101, 103});
    CHECK(table_pids(read(dir.path / "children/102/index.html")) == std::vector<long>{100, 102});
    CHECK(read(dir.path / "children/102/index.html").find("\"processes_total\":5") !=
          std::string::npos);
}

TEST_CASE("render_run: a root without a dump is reported, children still render", "[report]")
{
    TempDir dir;
    write(dir.path / "raw/101.sgdump", sample_dump(101, 100).str());
    const Outcome o = render_run(dir.path, dir.path / "raw", run_info(100), {});
    REQUIRE(o.ok);
    CHECK_FALSE(o.peak_bytes);
    const auto s = nlohmann::json::parse(read(dir.path / "summary.json"));
    CHECK(s["processes"][0]["pid"] == 100);
    CHECK(s["processes"][0]["status"] == "no dump");
    CHECK(s["peak_bytes"].is_null());
    CHECK(fs::exists(dir.path / "children/101/index.html"));
}

TEST_CASE("render_run: output is byte-for-byte deterministic", "[report]")
{
    TempDir a, b;
    for (const TempDir* d : {&a, &b}) {
        write(d->path / "raw/100.sgdump", sample_dump(100, 1).str());
        REQUIRE(render_run(d->path, d->path / "raw", run_info(100), {}).ok);
    }
    for (const char* f : kProcessFiles) {
        CHECK(read(a.path / f) == read(b.path / f));
    }
}

TEST_CASE("render_path: formats can be chosen", "[report]")
{
    TempDir dir;
    write(dir.path / "in.sgdump", sample_dump(7, 1).str());
    RenderOptions options;
    options.formats = {Format::Folded, Format::Speedscope};
    REQUIRE(render_path(dir.path / "in.sgdump", dir.path / "out", options).ok);
    CHECK(fs::exists(dir.path / "out/memory-peak.folded"));
    CHECK(fs::exists(dir.path / "out/profile.speedscope.json"));
    CHECK_FALSE(fs::exists(dir.path / "out/index.html"));
    CHECK(parse_format("svg") == Format::Svg);
    CHECK_FALSE(parse_format("png"));
}

TEST_CASE("render_path: renders a folded file, a dump and a run directory again", "[report]")
{
    TempDir dir;
    write(dir.path / "stacks.txt", "main;work 10\nmain;idle 5\nbad line\n");
    const Outcome folded = render_path(dir.path / "stacks.txt", dir.path / "f", {});
    REQUIRE(folded.ok);
    CHECK(folded.warnings.size() == 1);
    CHECK(fs::exists(dir.path / "f/flamegraph.svg"));
    CHECK(read(dir.path / "f/stacks.folded") == "main;idle 5\nmain;work 10\n");

    write(dir.path / "run/raw/100.sgdump", sample_dump(100, 1).str());
    write(dir.path / "run/raw/101.sgdump", sample_dump(101, 100).str());
    REQUIRE(render_run(dir.path / "run", dir.path / "run/raw", run_info(100), {}).ok);
    const Outcome again = render_path(dir.path / "run", dir.path / "again", {});
    REQUIRE(again.ok);
    CHECK(again.peak_bytes == 104857600ull);
    CHECK(fs::exists(dir.path / "again/children/101/time.svg"));
    const auto s = nlohmann::json::parse(read(dir.path / "again/summary.json"));
    CHECK(s["exit_code"] == 137);  // read back from the run's summary.json
    CHECK(s["processes"][0]["dump"] == "../run/raw/100.sgdump");

    // A truncated dump renders, with a warning.
    write(dir.path / "cut.sgdump", sample_dump(5, 1, false).str());
    const Outcome cut = render_path(dir.path / "cut.sgdump", dir.path / "c", {});
    REQUIRE(cut.ok);
    REQUIRE_FALSE(cut.warnings.empty());
    CHECK(cut.warnings[0].find("truncated") != std::string::npos);
}

TEST_CASE("render_path: every bad input gets one line and its own status", "[report]")
{
    TempDir dir;
    auto status = [&](const fs::path& input) {
        const Outcome o = render_path(input, dir.path / "out", {});
        CHECK_FALSE(o.ok);
        CHECK_FALSE(o.error.empty());
        CHECK(o.error.find('\n') == std::string::npos);
        return o.exit_status;
    };
    CHECK(status(dir.path / "missing") == 2);
    CHECK(status("") == 2);
    fs::create_directories(dir.path / "empty-dir");
    CHECK(status(dir.path / "empty-dir") == 2);
    write(dir.path / "empty", "");
    CHECK(status(dir.path / "empty") == 3);
    write(dir.path / "garbage", std::string("\x01\x02\x00\x03 binary", 12));
    CHECK(status(dir.path / "garbage") == 4);
    write(dir.path / "text", "just some words\n");
    CHECK(status(dir.path / "text") == 4);
    auto flipped = sample_dump().str();
    flipped[flipped.size() / 2] ^= 0x10;
    write(dir.path / "flipped.sgdump", flipped);
    CHECK(status(dir.path / "flipped.sgdump") == 4);
    write(dir.path / "v2.sgdump", DumpBuilder(2).end().str());
    CHECK(status(dir.path / "v2.sgdump") == 5);
    write(dir.path / "short.sgdump", sample_dump().str().substr(0, 20));
    CHECK(status(dir.path / "short.sgdump") == 4);
    write(dir.path / "brokenrun/raw/1.sgdump", "SCIAGDMPxx");
    CHECK(status(dir.path / "brokenrun") == 4);

    write(dir.path / "ok.folded", "a;b 1\n");
    write(dir.path / "file", "x");
    const Outcome o = render_path(dir.path / "ok.folded", dir.path / "file/sub", {});
    CHECK(o.exit_status == 6);
}

TEST_CASE("pick_profiles: one file per process, the record unless the dump is final", "[report]")
{
    const std::vector<fs::path> files = {"/r/3.sgrec",      "/r/1.sgdump",    "/r/2.sgdump",
                                         "/r/2.sgrec",      "/r/4.sgrec",     "/r/4.sgdump",
                                         "/r/summary.json", "/r/5.sgdump.tmp"};
    std::vector<fs::path> asked;
    const auto picked = pick_profiles(files, [&](const fs::path& dump) {
        asked.push_back(dump);
        return dump == "/r/4.sgdump";
    });
    CHECK(picked ==
          std::vector<fs::path>{"/r/1.sgdump", "/r/2.sgrec", "/r/3.sgrec", "/r/4.sgdump"});
    // Only a dump with a record beside it is read.
    CHECK(asked == std::vector<fs::path>{"/r/2.sgdump", "/r/4.sgdump"});
}

TEST_CASE("list_profiles: a dump's final flag decides against its record", "[report]")
{
    TempDir dir;
    const std::string record = sample_record().str();
    write(dir.path / "10.sgdump", sample_dump(10, 1).str());  // final
    write(dir.path / "10.sgrec", record);
    write(dir.path / "11.sgdump", DumpBuilder().meta({{"pid", "11"}, {"final", "0"}}).end().str());
    write(dir.path / "11.sgrec", record);
    write(dir.path / "12.sgrec", record);
    write(dir.path / "13.sgdump", "garbage");  // unreadable: not final
    write(dir.path / "13.sgrec", record);
    write(dir.path / "14.sgdump", sample_dump(14, 1, false).str());
    CHECK(list_profiles(dir.path) ==
          std::vector<fs::path>{dir.path / "10.sgdump", dir.path / "11.sgrec",
                                dir.path / "12.sgrec", dir.path / "13.sgrec",
                                dir.path / "14.sgdump"});
    CHECK(list_profiles(dir.path / "missing").empty());
}

TEST_CASE("render_run: processes that died render from their live records", "[report]")
{
    TempDir dir;
    write(dir.path / "raw/100.sgrec", sample_record(100, 1).str());  // the root, killed
    write(dir.path / "raw/101.sgdump", sample_dump(101, 100).str());
    auto exited = sample_record(102, 100);
    exited.header.state = static_cast<uint32_t>(sciagraph::record::State::Exited);
    exited.header.has_exit_status = 1;
    exited.header.exit_status = 3;
    write(dir.path / "raw/102.sgrec", exited.str());
    const Outcome o = render_run(dir.path, dir.path / "raw", run_info(100), {});
    REQUIRE(o.ok);
    CHECK(o.peak_bytes == 104857600ull);
    for (const char* f : kProcessFiles) {
        CHECK(fs::exists(dir.path / f));
        CHECK(fs::exists(dir.path / "children/102" / f));
    }
    const auto s = nlohmann::json::parse(read(dir.path / "summary.json"));
    REQUIRE(s["processes"].size() == 3);
    const auto& root = s["processes"][0];
    CHECK(root["dump"] == "raw/100.sgrec");
    CHECK(root["ended"] == "killed by signal 9 (SIGKILL) while recording");
    CHECK(root["from_record"] == true);
    CHECK(root["final"] == false);
    CHECK(root["status"] == "ok");
    CHECK(root["peak_bytes"] == 104857600);
    CHECK(root["dir"] == ".");
    CHECK(s["processes"][1]["ended"].is_null());  // a dump of a core that did not say
    CHECK(s["processes"][1]["from_record"] == false);
    CHECK(s["processes"][2]["ended"] == "exit 3");
    const std::string recovered = "pid 100: profile recovered from its live record (the process "
                                  "ended without writing its final dump)";
    CHECK(std::find(s["warnings"].begin(), s["warnings"].end(), recovered) != s["warnings"].end());
    const std::string page = read(dir.path / "index.html");
    CHECK(page.find("\"Ended\"") != std::string::npos);
    CHECK(page.find("killed by signal 9 (SIGKILL) while recording") != std::string::npos);
    CHECK(page.find("profile recovered from its live record") != std::string::npos);
    CHECK(read(dir.path / "children/102/index.html").find("exit 3") != std::string::npos);

    // Rendered again, the signal comes back from summary.json.
    const Outcome again = render_path(dir.path, dir.path / "again", {});
    REQUIRE(again.ok);
    const auto s2 = nlohmann::json::parse(read(dir.path / "again/summary.json"));
    CHECK(s2["processes"][0]["ended"] == "killed by signal 9 (SIGKILL) while recording");
}

TEST_CASE("render_path: renders a lone live record", "[report]")
{
    TempDir dir;
    write(dir.path / "123.sgrec", sample_record(123, 1).str());
    const Outcome o = render_path(dir.path / "123.sgrec", dir.path / "out", {});
    REQUIRE(o.ok);
    CHECK(fs::exists(dir.path / "out/memory-peak.svg"));
    const auto s = nlohmann::json::parse(read(dir.path / "out/summary.json"));
    CHECK(s["root_pid"] == 123);
    CHECK(s["command"] == nlohmann::json::array({"python", "job.py"}));
    CHECK(s["processes"][0]["ended"] == "killed while recording");  // no signal known
    CHECK(s["processes"][0]["from_record"] == true);

    // A directory of records alone, and a record too damaged to read.
    write(dir.path / "run/raw/5.sgrec", sample_record(5, 1).str());
    REQUIRE(render_path(dir.path / "run", dir.path / "out2", {}).ok);
    auto v9 = sample_record().bytes();
    v9[offsetof(sciagraph::record::Header, version)] = 9;
    write(dir.path / "v9.sgrec", std::string(v9.begin(), v9.end()));
    const Outcome bad = render_path(dir.path / "v9.sgrec", dir.path / "out3", {});
    CHECK(bad.exit_status == 5);
    write(dir.path / "short.sgrec", "SCIAGREC");
    CHECK(render_path(dir.path / "short.sgrec", dir.path / "out4", {}).exit_status == 4);
}

TEST_CASE("write_file: a link planted at the temporary name is not written through", "[report]")
{
    TempDir dir;
    const fs::path victim = dir.path / "victim.txt";
    std::ofstream(victim) << "precious\n";
    const fs::path target = dir.path / "index.html";
    fs::create_hard_link(victim, target.string() + ".tmp");
    Error error;
    REQUIRE(write_file(target, "<html></html>\n", error));
    std::ifstream in(victim);
    std::stringstream kept;
    kept << in.rdbuf();
    CHECK(kept.str() == "precious\n");
    std::ifstream written(target);
    std::stringstream page;
    page << written.rdbuf();
    CHECK(page.str() == "<html></html>\n");
}
