// tests/report/test_diff.cpp — `sciagraph report --diff`: two trees compared stack by stack
// (added, removed, grown, shrunk), the difffolded output, the table of changes, the inputs it
// accepts and refuses (kinds that do not match), determinism.
#include "diff.h"
#include "diff_json.h"
#include "dump_builder.h"
#include "folded_reader.h"
#include "record_builder.h"
#include "report/report.h"
#include "tests/temp_dir.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace sciagraph::report;
using sciagraph::report::testing::DumpBuilder;
using sciagraph::report::testing::sample_dump;
using sciagraph::report::testing::sample_record;
using sciagraph::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<CallTree> folded_tree(const std::string& text)
{
    auto owned = std::make_shared<std::string>(text);
    FoldedResult r = parse_folded(*owned, owned);
    REQUIRE(r.tree);
    return std::move(r.tree);
}

std::string diff_folded(const std::string& before, const std::string& after)
{
    const auto b = folded_tree(before);
    const auto a = folded_tree(after);
    return render_diff_folded(*diff_trees(*b, *a));
}

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

// A dump of `mode` whose line job.py:10 holds `bytes` at the peak (memory) and `micros` of CPU
// (time), under <module>.
std::string job_dump(long pid, const std::string& mode, uint64_t bytes, uint64_t micros = 0)
{
    using sciagraph::dump::Metric;
    DumpBuilder b;
    b.meta({{"pid", std::to_string(pid)}, {"ppid", "1"}, {"mode", mode}, {"final", "1"}});
    b.frames({{"<module>", "job.py", 1, 0}, {"grow", "job.py", 10, 0}});
    b.stacks({{0, 0}, {1, 1}});
    if (mode != "time") {
        b.samples(Metric::MemoryPeakBytes, {{2, bytes}, {1, 1000}});
    }
    if (mode != "memory") {
        b.samples(Metric::TimeCpuMicros, {{2, micros}});
        b.samples(Metric::TimeWaitMicros, {{1, 500}});
    }
    b.end();
    return b.str();
}

}  // namespace

TEST_CASE("diff: added, removed, grown, shrunk and unchanged stacks", "[report][diff]")
{
    const std::string before = "main;load 100\n"
                               "main;parse 50\n"
                               "main;gone 7\n"
                               "main;same 3\n";
    const std::string after = "main;load 300\n"
                              "main;parse 20\n"
                              "main;new;deeper 9\n"
                              "main;same 3\n";
    // One line per stack of either input, 0 where a side lacks it; children in name order.
    CHECK(diff_folded(before, after) == "main;gone 7 0\n"
                                        "main;load 100 300\n"
                                        "main;new;deeper 0 9\n"
                                        "main;parse 50 20\n"
                                        "main;same 3 3\n");

    const auto b = folded_tree(before);
    const auto a = folded_tree(after);
    const auto diff = diff_trees(*b, *a);
    CHECK(diff->total0(CallTree::kRoot) == 160);
    CHECK(diff->total1(CallTree::kRoot) == 332);

    const std::vector<DiffChange> changes = largest_changes(*diff, 10);
    REQUIRE(changes.size() == 4);  // "same" did not change
    CHECK(diff->node_name(changes[0].node) == "load");
    CHECK(changes[0].grew());
    CHECK(changes[0].magnitude() == 200);
    CHECK(diff->node_name(changes[1].node) == "parse");
    CHECK_FALSE(changes[1].grew());
    CHECK(changes[1].magnitude() == 30);
    CHECK(diff->node_name(changes[2].node) == "deeper");
    CHECK(changes[2].before == 0);
    CHECK(diff->node_name(changes[3].node) == "gone");
    CHECK(changes[3].after == 0);
    CHECK(largest_changes(*diff, 1).size() == 1);
}

TEST_CASE("diff: a stack with self value inside a longer one keeps its own line", "[report][diff]")
{
    CHECK(diff_folded("a 5\na;b 1\n", "a;b 4\n") == "a 5 0\na;b 1 4\n");
    // Identical inputs: every line the same on both sides, no change listed.
    const auto t = folded_tree("x;y 2\nx 1\n");
    const auto same = diff_trees(*t, *t);
    CHECK(render_diff_folded(*same) == "x 1 1\nx;y 2 2\n");
    CHECK(largest_changes(*same, 10).empty());
}

TEST_CASE("diff: time is CPU and waiting together", "[report][diff]")
{
    auto b = std::make_unique<CallTree>();
    b->add_self(b->child(CallTree::kRoot, b->intern("f (a.py:1)")), 10, 5);
    b->finish();
    auto a = std::make_unique<CallTree>();
    a->add_self(a->child(CallTree::kRoot, a->intern("f (a.py:1)")), 30, 1);
    a->finish();
    CHECK(render_diff_folded(*diff_trees(*b, *a)) == "f (a.py:1) 15 31\n");
}

TEST_CASE("diff: output does not depend on the order of the input lines", "[report][diff]")
{
    const std::string x = diff_folded("b;c 1\na 2\nb 3\n", "a 5\nz;y 1\n");
    const std::string y = diff_folded("b 3\na 2\nb;c 1\n", "z;y 1\na 5\n");
    CHECK(x == y);
    CHECK(x == "a 2 5\nb 3 0\nb;c 1 0\nz;y 0 1\n");
}

TEST_CASE("diff: the graph JSON is drawn on AFTER and lists the changes", "[report][diff]")
{
    const auto b = folded_tree("m;gone 40\nm;kept 10\n");
    const auto a = folded_tree("m;kept 30\n");
    const auto diff = diff_trees(*b, *a);
    std::string out;
    append_diff_graph_json(out, {GraphKind::MemoryPeak, diff.get(), "t", "s"}, 0, 10);
    const auto j = nlohmann::json::parse(out);
    CHECK(j["kind"] == "diff");
    CHECK(j["value_kind"] == "memory");
    CHECK(j["total"] == 30);
    CHECK(j["before_total"] == 50);
    // all, m, kept: "gone" has no width in AFTER.
    CHECK(j["total_value"] == nlohmann::json::array({30, 30, 30}));
    CHECK(j["before"] == nlohmann::json::array({50, 50, 10}));
    REQUIRE(j["changes"]["count"] == 2);
    CHECK(j["changes"]["before"] == nlohmann::json::array({40, 10}));
    CHECK(j["changes"]["after"] == nlohmann::json::array({0, 30}));
    const auto& names = j["names"];
    std::string first_stack;
    for (const auto& n : j["changes"]["stack"][0]) {
        first_stack += names[n.get<size_t>()].get<std::string>() + ";";
    }
    CHECK(first_stack == "m;gone;");
}

TEST_CASE("render_diff: two memory runs give memory-peak.diff.folded and a page", "[report][diff]")
{
    TempDir dir;
    write(dir.path / "r1/raw/10.sgdump", job_dump(10, "memory", 20 << 20));
    write(dir.path / "r1/summary.json", R"({"root_pid": 10})");
    write(dir.path / "r2/raw/20.sgdump", job_dump(20, "memory", 60 << 20));
    write(dir.path / "r2/raw/21.sgdump", job_dump(21, "memory", 1 << 20));  // a child
    write(dir.path / "r2/summary.json", R"({"root_pid": 20})");
    const Outcome o = render_diff(dir.path / "r1", dir.path / "r2", dir.path / "d", {});
    REQUIRE(o.ok);
    CHECK(read(dir.path / "d/memory-peak.diff.folded") ==
          "<module> (job.py:1) 1000 1000\n"
          "<module> (job.py:1);grow (job.py:10) 20971520 62914560\n");
    CHECK_FALSE(fs::exists(dir.path / "d/time.diff.folded"));  // neither side has time
    const std::string html = read(dir.path / "d/index.html");
    CHECK(html.find("\"kind\":\"diff\"") != std::string::npos);
    CHECK(html.find("<script src") == std::string::npos);  // self-contained
    // The child of r2 is not compared, and the page says so.
    REQUIRE(o.warnings.size() == 1);
    CHECK(o.warnings[0].find("only the root process") != std::string::npos);

    // Byte for byte the same the second time.
    REQUIRE(render_diff(dir.path / "r1", dir.path / "r2", dir.path / "d2", {}).ok);
    CHECK(read(dir.path / "d2/memory-peak.diff.folded") ==
          read(dir.path / "d/memory-peak.diff.folded"));
    CHECK(read(dir.path / "d2/index.html") == html);
}

TEST_CASE("render_diff: only what both inputs have is compared", "[report][diff]")
{
    TempDir dir;
    write(dir.path / "both.sgdump", job_dump(1, "both", 100, 2000));
    write(dir.path / "time.sgdump", job_dump(2, "time", 0, 5000));
    write(dir.path / "mem.sgdump", job_dump(3, "memory", 300));

    const Outcome t =
        render_diff(dir.path / "both.sgdump", dir.path / "time.sgdump", dir.path / "t", {});
    REQUIRE(t.ok);
    CHECK(read(dir.path / "t/time.diff.folded") == "<module> (job.py:1) 500 500\n"
                                                   "<module> (job.py:1);grow (job.py:10) 2000 "
                                                   "5000\n");
    CHECK_FALSE(fs::exists(dir.path / "t/memory-peak.diff.folded"));

    // A live record reads as a dump (sample_record has memory and time).
    write(dir.path / "7.sgrec", sample_record(7, 1).str());
    const Outcome r =
        render_diff(dir.path / "7.sgrec", dir.path / "both.sgdump", dir.path / "r", {});
    REQUIRE(r.ok);
    CHECK(fs::exists(dir.path / "r/memory-peak.diff.folded"));
    CHECK(fs::exists(dir.path / "r/time.diff.folded"));
}

TEST_CASE("render_diff: memory against time is refused with its own status", "[report][diff]")
{
    TempDir dir;
    write(dir.path / "time.sgdump", job_dump(2, "time", 0, 5000));
    write(dir.path / "mem.sgdump", job_dump(3, "memory", 300));
    const Outcome o =
        render_diff(dir.path / "mem.sgdump", dir.path / "time.sgdump", dir.path / "out", {});
    CHECK_FALSE(o.ok);
    CHECK(o.exit_status == static_cast<int>(ExitStatus::Mismatch));
    CHECK(o.error.find('\n') == std::string::npos);
    CHECK(o.error.find("memory only") != std::string::npos);
    CHECK(o.error.find("time only") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.path / "out"));

    // Folded files that say what they hold: sciagraph's names.
    write(dir.path / "memory-peak.folded", "a 1\n");
    write(dir.path / "time-cpu.folded", "a 1\n");
    CHECK(render_diff(dir.path / "memory-peak.folded", dir.path / "time-cpu.folded",
                      dir.path / "out", {})
              .exit_status == 7);
    // A folded file of unknown unit against a profile of both kinds: cannot tell which.
    write(dir.path / "perf.folded", "a 1\n");
    write(dir.path / "both.sgdump", job_dump(1, "both", 100, 2000));
    CHECK(render_diff(dir.path / "perf.folded", dir.path / "both.sgdump", dir.path / "out", {})
              .exit_status == 7);
    // ... but against one kind, it is that kind.
    const Outcome m =
        render_diff(dir.path / "perf.folded", dir.path / "mem.sgdump", dir.path / "m", {});
    REQUIRE(m.ok);
    CHECK(fs::exists(dir.path / "m/memory-peak.diff.folded"));
}

TEST_CASE("render_diff: two folded files of any tool", "[report][diff]")
{
    TempDir dir;
    write(dir.path / "a.folded", "main;f 10\nmain;g 5\n");
    write(dir.path / "b.folded", "main;f 4\nmain;h 1\n");
    const Outcome o = render_diff(dir.path / "a.folded", dir.path / "b.folded", dir.path / "d", {});
    REQUIRE(o.ok);
    CHECK(read(dir.path / "d/stacks.diff.folded") == "main;f 10 4\nmain;g 5 0\nmain;h 0 1\n");
    // The output reads back as flamegraph.pl reads it: the AFTER column is the width.
    const auto back = folded_tree(read(dir.path / "d/stacks.diff.folded"));
    CHECK(back->total0(CallTree::kRoot) == 5);
}

TEST_CASE("render_diff: missing, empty and corrupt inputs get one line and their status",
          "[report][diff]")
{
    TempDir dir;
    write(dir.path / "good.sgdump", job_dump(1, "memory", 100));
    write(dir.path / "empty.folded", "");
    write(dir.path / "bad.sgdump", "SCIAGRAPH garbage that is no dump");
    write(dir.path / "nothing.folded", "no values here\nat all\n");
    fs::create_directories(dir.path / "emptydir");
    const fs::path good = dir.path / "good.sgdump";
    struct Case {
        fs::path before, after;
        ExitStatus status;
    } cases[] = {
        {dir.path / "missing", good, ExitStatus::MissingInput},
        {good, dir.path / "missing", ExitStatus::MissingInput},
        {good, dir.path / "emptydir", ExitStatus::MissingInput},
        {good, dir.path / "empty.folded", ExitStatus::Unreadable},
        {dir.path / "bad.sgdump", good, ExitStatus::Corrupt},
        {good, dir.path / "nothing.folded", ExitStatus::Corrupt},
        {{}, good, ExitStatus::MissingInput},
    };
    for (const Case& c : cases) {
        INFO(c.before.string() << " vs " << c.after.string());
        const Outcome o = render_diff(c.before, c.after, dir.path / "out", {});
        CHECK_FALSE(o.ok);
        CHECK(o.exit_status == static_cast<int>(c.status));
        CHECK_FALSE(o.error.empty());
        CHECK(o.error.find('\n') == std::string::npos);
    }
    // The bad input is named once, by the path given.
    const Outcome o = render_diff(dir.path / "bad.sgdump", good, dir.path / "out", {});
    CHECK(o.error.rfind((dir.path / "bad.sgdump").string() + ": ", 0) == 0);
    CHECK(o.error.find("bad.sgdump", 1 + o.error.find("bad.sgdump")) == std::string::npos);
}
