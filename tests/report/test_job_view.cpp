// The job view (report/model/job_view.h, report/write/timeline_svg.h): the job's peak from the
// page, the stacks of the processes that answered its last request under their process frames, the
// bands.
#include "../temp_dir.h"
#include "core/job_format.h"
#include "dump_builder.h"
#include "dump_reader.h"
#include "folded_writer.h"
#include "job_view.h"
#include "report/report.h"
#include "run_merge.h"
#include "timeline_svg.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <cstring>
#include <fstream>

using namespace sciagraph;
using namespace sciagraph::report;
using sciagraph::report::testing::DumpBuilder;

namespace {

constexpr int64_t kMB = 1000 * 1000;
constexpr int64_t kS = 1'000'000'000;

// A process of the job: one stack `main (job.py:line)` holding `job_bytes` at the job's peak.
Dump process(long pid,
             uint64_t answered,
             int64_t job_bytes,
             std::vector<DumpBuilder::Point> points,
             int64_t start_ns,
             const std::string& ended = "exit")
{
    DumpBuilder b;
    b.meta({{"pid", std::to_string(pid)},
            {"ppid", "1"},
            {"mode", "both"},
            {"command", "[\"/usr/bin/python3\", \"/srv/job.py\", \"--fast\"]"},
            {"job_generation", std::to_string(answered)},
            {"start_monotonic_ns", std::to_string(start_ns)},
            {"end_monotonic_ns", std::to_string(points.empty() ? start_ns : points.back().at_ns)},
            {"ended", ended}});
    b.frames({{"main", "job.py", static_cast<uint32_t>(pid % 100), 0}});
    b.stacks({{0, 0}});
    b.samples(sciagraph::dump::Metric::JobPeakBytes, {{1, static_cast<uint64_t>(job_bytes)}});
    b.samples(sciagraph::dump::Metric::TimeCpuMicros, {{1, 1000}});
    b.timeline(points);
    b.end();
    DumpResult r = parse_dump(b.bytes().data(), b.bytes().size());
    REQUIRE(r.dump);
    return std::move(*r.dump);
}

JobPageFacts page(int64_t high, uint64_t high_ns, uint64_t generation)
{
    JobPageFacts f;
    f.start_monotonic_ns = kS;
    f.high = high;
    f.high_monotonic_ns = high_ns;
    f.generation = generation;
    f.request_monotonic_ns = high_ns + 1000;
    return f;
}

}  // namespace

TEST_CASE("job view: the dump's timeline and job-peak column are read back", "[report][job]")
{
    const Dump d = process(7, 3, 42 * kMB, {{2 * kS, 5, 9, kS}, {3 * kS, 0, 5, 2 * kS}}, kS);
    REQUIRE(d.timeline.size() == 2);
    CHECK(d.timeline[0].monotonic_ns == 2 * kS);
    CHECK(d.timeline[0].part == 5);
    CHECK(d.timeline[0].high == 9);
    CHECK(d.timeline[0].since_ns == kS);
    REQUIRE(d.job_peak.size() == 1);
    CHECK(d.job_peak[0].value == 42 * kMB);

    // A timeline section whose length does not match its count is damage.
    DumpBuilder b;
    b.meta({{"pid", "1"}});
    std::vector<unsigned char> bad;
    DumpBuilder::u32(bad, 3);
    DumpBuilder::u64(bad, 1);
    b.section(sciagraph::dump::SectionKind::Timeline, bad).end();
    CHECK(parse_dump(b.bytes().data(), b.bytes().size()).error.status == ExitStatus::Corrupt);
}

TEST_CASE("job view: the processes that answered the last request make the job's peak",
          "[report][job]")
{
    JobView view(page(300 * kMB, 3 * kS, 4));
    view.add_process(process(10, 4, 100 * kMB, {{5 * kS, 0, 100 * kMB, kS}}, kS), 10, "");
    view.add_process(process(11, 4, 200 * kMB, {{4 * kS, 0, 200 * kMB, 2 * kS}}, 2 * kS), 11,
                     "children/11/index.html");
    // Answered an older request only: it had left the total by the last one.
    view.add_process(process(12, 2, 900 * kMB, {{kS + 5, 0, 900 * kMB, kS}}, kS), 12, "x");
    view.finish();
    REQUIRE(view.peak_bytes());
    CHECK(*view.peak_bytes() == 300 * kMB);
    CHECK(*view.peak_seconds() == Approx(2.0));
    const std::string folded = render_folded(view.peak_tree(), FoldedMetric::First);
    CHECK(folded == "python3 job.py [pid 10];main (job.py:10) 100000000\n"
                    "python3 job.py [pid 11];main (job.py:11) 200000000\n");
    CHECK(view.time_tree().total0(0) == 3000);
}

TEST_CASE("job view: a process killed after the last request counts as it died", "[report][job]")
{
    // Its dump is a record: job_live is its part as it left it.
    Dump killed =
        process(20, 1, 0, {{9 * kS, 50 * kMB, 50 * kMB, kS}}, kS, "killed while recording");
    killed.job_live.push_back({1, static_cast<uint64_t>(50 * kMB)});
    JobView view(page(50 * kMB, 2 * kS, 2));
    view.add_process(killed, 20, "");
    view.finish();
    CHECK(render_folded(view.peak_tree(), FoldedMetric::First) ==
          "python3 job.py [pid 20];main (job.py:20) 50000000\n");
}

TEST_CASE("job view: a job killed at its high has the stacks its killed processes died with",
          "[report][job]")
{
    // The last request (generation 2, at 1.5 s) was for an early, small high; the job then rose
    // to 200 MB at 3 s and was cancelled at 4 s with no fall in between: no request for it.
    JobPageFacts killed_at_high = page(200 * kMB, 3 * kS, 2);
    killed_at_high.request_monotonic_ns = kS + kS / 2;
    killed_at_high.rising = true;
    auto killed = [](long pid, int64_t bytes, int64_t start_ns, int64_t end_ns) {
        Dump d = process(pid, 2, 2 * kMB, {{end_ns, bytes, bytes, start_ns}}, start_ns,
                         "killed while recording");
        d.job_live.push_back({1, static_cast<uint64_t>(bytes)});
        return d;
    };
    JobView view(killed_at_high);
    view.add_process(killed(40, 120 * kMB, kS, 4 * kS), 40, "");
    // Its record's last refresh came a tick before the high, as it died right after it.
    view.add_process(killed(41, 80 * kMB, kS, 3 * kS - 5'000'000), 41, "");
    // Killed before the high (a worker terminated at 2 s): nothing of it at the high.
    view.add_process(killed(42, 500 * kMB, kS, 2 * kS), 42, "");
    // Ended normally before the high, having answered the old request: not at the high either.
    view.add_process(process(43, 2, 900 * kMB, {{2 * kS, 0, 900 * kMB, kS}}, kS), 43, "");
    view.finish();
    REQUIRE(view.peak_bytes());
    CHECK(*view.peak_bytes() == 200 * kMB);
    CHECK(render_folded(view.peak_tree(), FoldedMetric::First) ==
          "python3 job.py [pid 40];main (job.py:40) 120000000\n"
          "python3 job.py [pid 41];main (job.py:41) 80000000\n");
}

TEST_CASE("job view: without a page the peak comes from the timelines", "[report][job]")
{
    JobView view(std::nullopt);
    // A: 100 MB from 1 s to 5 s. B: 200 MB over (2 s, 3 s], 50 MB spike within (3 s, 3.01 s].
    view.add_process(process(30, 0, 0,
                             {{kS, 100 * kMB, 100 * kMB, kS}, {5 * kS, 0, 100 * kMB, 5 * kS - 10}},
                             kS),
                     30, "");
    view.add_process(process(31, 0, 0,
                             {{3 * kS, 200 * kMB, 200 * kMB, 2 * kS},
                              {3 * kS + 10'000'000, 0, 250 * kMB, 3 * kS}},
                             2 * kS),
                     31, "");
    view.finish();
    REQUIRE(view.peak_bytes());
    CHECK(*view.peak_bytes() == 350 * kMB);      // A's 100 and B's spike to 250
    CHECK(*view.peak_seconds() == Approx(2.0));  // from the job's first process start
    CHECK(view.peak_tree().size() == 3);         // the root and the two process frames, no stacks
}

TEST_CASE("job view: steps of a band add up to its values", "[report][job]")
{
    rc::check([](const std::vector<std::pair<uint16_t, uint16_t>>& raw) {
        JobBand band;
        band.start_ns = 0;
        int64_t t = 0;
        for (const auto& [part, bump] : raw) {
            const int64_t since = t + 10;
            t += 20;
            band.points.push_back({t, part, int64_t{part} + bump % 7, since});
        }
        int64_t last_end = 0;
        int64_t highest = 0;
        for_each_step(band, [&](int64_t from, int64_t to, int64_t bytes) {
            RC_ASSERT(from >= last_end);
            RC_ASSERT(to > from);
            RC_ASSERT(bytes > 0);
            last_end = to;
            highest = std::max(highest, bytes);
        });
        int64_t expected = 0;
        for (const auto& p : band.points) {
            expected = std::max({expected, p.high, p.part});
        }
        RC_ASSERT(highest == expected);
    });
}

TEST_CASE("job view: the timeline is well-formed SVG with a band per process", "[report][job]")
{
    JobView view(page(300 * kMB, 3 * kS, 1));
    view.add_process(process(40, 1, 100 * kMB, {{5 * kS, 0, 100 * kMB, kS}}, kS), 40, "");
    view.add_process(process(41, 1, 200 * kMB, {{4 * kS, 0, 200 * kMB, 2 * kS}}, 2 * kS), 41,
                     "children/41/index.html");
    // Processes past the 24 largest share one band.
    for (long pid = 100; pid < 160; ++pid) {
        view.add_process(process(pid, 1, kMB, {{4 * kS, 0, kMB, 3 * kS}}, 3 * kS), pid, "");
    }
    view.finish();
    const std::string svg = render_timeline_svg(view);
    CHECK(svg.rfind("<svg", 0) == 0);
    CHECK(svg.find("</svg>") != std::string::npos);
    CHECK(svg.find("python3 job.py [pid 41]") != std::string::npos);
    CHECK(svg.find("href=\"children/41/index.html\"") != std::string::npos);
    CHECK(svg.find("smaller processes") != std::string::npos);
    CHECK(svg.find("job peak") != std::string::npos);
    size_t bands = 0;
    for (size_t at = svg.find("class=\"band\""); at != std::string::npos;
         at = svg.find("class=\"band\"", at + 1)) {
        ++bands;
    }
    CHECK(bands == 25);
}

TEST_CASE("job view: the timeline stacks what was held at once, not each band's highest",
          "[report][job]")
{
    // A hands 100 MB over to B within a few microseconds, far inside one of the chart's
    // columns: the job never held more than 100 MB, and the chart's scale must not say 200.
    JobView view(std::nullopt);
    view.add_process(
        process(1, 0, 0, {{kS, 100 * kMB, 100 * kMB, kS}, {2 * kS, 0, 100 * kMB, 2 * kS - 1}}, kS),
        1, "");
    view.add_process(process(2, 0, 0,
                             {{2 * kS + 5000, 100 * kMB, 100 * kMB, 2 * kS + 4000},
                              {3 * kS, 0, 100 * kMB, 3 * kS - 1}},
                             2 * kS),
                     2, "");
    view.finish();
    REQUIRE(view.peak_bytes());
    CHECK(*view.peak_bytes() == 100 * kMB);
    const std::string svg = render_timeline_svg(view);
    // The y axis: "0 B", then steps up to the scale's top (108% of the highest column).
    double highest_label_mib = 0;
    for (size_t at = svg.find(" MiB</text>"); at != std::string::npos;
         at = svg.find(" MiB</text>", at + 1)) {
        const size_t start = svg.rfind('>', at) + 1;
        highest_label_mib = std::max(highest_label_mib, std::stod(svg.substr(start, at - start)));
    }
    CHECK(highest_label_mib > 50);
    CHECK(highest_label_mib < 110);
}

TEST_CASE("job view: short command names", "[report][job]")
{
    CHECK(short_command({"/usr/bin/python3", "-u", "/srv/job.py", "x"}) == "python3 job.py");
    CHECK(short_command({"python3.14", "-c", "pass"}) == "python3.14 -c");
    CHECK(short_command({"python3", "-m", "pytest"}) == "python3 -m pytest");
    CHECK(short_command({"/bin/sh", "/tmp/run.sh"}) == "sh run.sh");
    CHECK(short_command({}) == "?");
    CHECK(short_command({std::string(100, 'p')}).size() == 48);
}

TEST_CASE("job view: a run's directory gets the job's files and summary fields", "[report][job]")
{
    sciagraph::testing::TempDir dir;
    std::filesystem::create_directories(dir.path / "run/raw");
    {
        std::vector<char> bytes(sciagraph::job::kPageBytes, 0);
        sciagraph::job::Page p{};
        std::memcpy(p.magic, sciagraph::job::kMagic, sizeof p.magic);
        p.version = sciagraph::job::kFormatVersion;
        p.page_size = sizeof p;
        p.start_monotonic_ns = kS;
        p.high = 300 * kMB;
        p.high_monotonic_ns = 3 * kS;
        p.generation = 1;
        std::memcpy(bytes.data(), &p, sizeof p);
        std::ofstream(dir.path / "run/raw" / sciagraph::job::kFileName, std::ios::binary)
            .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    auto write_dump = [&](long pid, long ppid, int64_t bytes) {
        DumpBuilder b;
        b.meta({{"pid", std::to_string(pid)},
                {"ppid", std::to_string(ppid)},
                {"mode", "both"},
                {"status", "ok"},
                {"final", "1"},
                {"peak_bytes", std::to_string(bytes)},
                {"job_generation", "1"},
                {"start_monotonic_ns", std::to_string(kS)},
                {"end_monotonic_ns", std::to_string(5 * kS)},
                {"command", "[\"python3\", \"j.py\"]"}});
        b.frames({{"main", "j.py", static_cast<uint32_t>(pid), 0}});
        b.stacks({{0, 0}});
        b.samples(sciagraph::dump::Metric::MemoryPeakBytes, {{1, static_cast<uint64_t>(bytes)}});
        b.samples(sciagraph::dump::Metric::JobPeakBytes, {{1, static_cast<uint64_t>(bytes)}});
        b.timeline({{2 * kS, bytes, bytes, kS}, {5 * kS, 0, bytes, 5 * kS - 1}});
        b.end();
        std::ofstream(dir.path / "run/raw" / (std::to_string(pid) + ".sgdump"), std::ios::binary)
            .write(reinterpret_cast<const char*>(b.bytes().data()),
                   static_cast<std::streamsize>(b.bytes().size()));
    };
    write_dump(50, 1, 100 * kMB);
    write_dump(51, 50, 200 * kMB);
    const Outcome o = render_path(dir.path / "run", dir.path / "out", {});
    REQUIRE(o.ok);
    for (const char* name : {"job-peak.folded", "job-peak.svg", "memory-timeline.svg",
                             "job-time.svg", "job-time-cpu.folded", "job-time-wait.folded"}) {
        CHECK(std::filesystem::exists(dir.path / "out" / name));
    }
    std::ifstream in(dir.path / "out/summary.json");
    const nlohmann::json s = nlohmann::json::parse(in);
    CHECK(s["job_peak_bytes"] == 300 * kMB);
    CHECK(s["job_peak_seconds"] == Approx(2.0));
    std::ifstream html(dir.path / "out/index.html");
    const std::string text((std::istreambuf_iterator<char>(html)),
                           std::istreambuf_iterator<char>());
    CHECK(text.find("Job peak memory") != std::string::npos);
    CHECK(text.find("Job peak: every process") != std::string::npos);
}

TEST_CASE("job view: merged runs put each run on the wall clock under its host's frame",
          "[report][job]")
{
    // Two hosts whose monotonic clocks mean nothing to each other: run A started at wall 1000 s
    // (its monotonic 1 s), run B at wall 1002 s (its monotonic 500 s).
    JobPageFacts a = page(100 * kMB, 2 * kS, 1);
    a.start_realtime_ns = 1000 * kS;
    a.host = "node-a";
    JobPageFacts b = page(200 * kMB, 501 * kS, 1);
    b.start_monotonic_ns = 500 * kS;
    b.start_realtime_ns = 1002 * kS;
    b.host = "node-b";
    const RunOrigin in_a{&a, "node-a", 999 * kS};
    const RunOrigin in_b{&b, "node-b", 502 * kS};
    JobView view = JobView::merged();
    // A holds 100 MB from its 1 s to 5 s (wall 1000-1004); B 200 MB from its 500 s to 503 s
    // (wall 1002-1005): together 300 MB at wall 1002 s, 2 s after the first start.
    view.add_process(process(10, 1, 100 * kMB,
                             {{kS + 1, 100 * kMB, 100 * kMB, kS}, {5 * kS, 0, 0, 5 * kS - 1}}, kS),
                     10, "a/index.html", &in_a);
    view.add_process(
        process(10, 1, 200 * kMB,
                {{500 * kS + 1, 200 * kMB, 200 * kMB, 500 * kS}, {503 * kS, 0, 0, 503 * kS - 1}},
                500 * kS),
        10, "b/index.html", &in_b);
    view.finish();
    CHECK(view.is_merged());
    CHECK(view.has_page());
    REQUIRE(view.peak_bytes());
    CHECK(*view.peak_bytes() == 300 * kMB);
    CHECK(*view.peak_seconds() == Approx(2.0));
    CHECK(view.origin_ns() == 1000 * kS);
    CHECK(render_folded(view.peak_tree(), FoldedMetric::First) ==
          "node-a;python3 job.py [pid 10];main (job.py:10) 100000000\n"
          "node-b;python3 job.py [pid 10];main (job.py:10) 200000000\n");
    CHECK(render_folded(view.time_tree(), FoldedMetric::First) ==
          "node-a;python3 job.py [pid 10];main (job.py:10) 1000\n"
          "node-b;python3 job.py [pid 10];main (job.py:10) 1000\n");
    REQUIRE(view.bands().size() == 2);
    CHECK(view.bands()[0].label == "node-a: python3 job.py [pid 10]");
    CHECK(view.bands()[1].start_ns == 1002 * kS);
    const std::string svg = render_timeline_svg(view);
    CHECK(svg.find("node-b: python3 job.py [pid 10]") != std::string::npos);
}

TEST_CASE("job view: a merged run without a page is in the graphs, not on the timeline",
          "[report][job]")
{
    const RunOrigin unplaced{nullptr, "old-host", 0};
    JobView view = JobView::merged();
    view.add_process(process(3, 0, 0, {{2 * kS, 5 * kMB, 5 * kMB, kS}}, kS), 3, "", &unplaced);
    view.finish();
    CHECK(view.bands().empty());
    CHECK(view.time_tree().total0(0) == 1000);
    CHECK(render_folded(view.peak_tree(), FoldedMetric::First).empty());
}

TEST_CASE("job view: damaged clocks and sizes neither overflow nor throw", "[report][job]")
{
    rc::prop("any timeline values", [](int64_t t0, int64_t t1, int64_t part, int64_t shift) {
        JobPageFacts p = page(5, 0, 1);
        const RunOrigin origin{&p, "h", shift};
        JobView view = JobView::merged();
        const Dump d = process(1, 1, 1, {{t0, part, part, t0 / 2}, {t1, part, INT64_MAX, t0}}, t0);
        view.add_process(d, 1, "", &origin);
        view.add_process(d, 2, "", &origin);
        view.finish();
        (void)render_timeline_svg(view);
        RC_ASSERT(view.peak_bytes().value_or(0) >= 0);
    });
}

TEST_CASE("run merge: run directories are found below a folder, not below a run", "[report][job]")
{
    sciagraph::testing::TempDir dir;
    namespace fs = std::filesystem;
    for (const char* run : {"job/0/raw", "job/1/raw", "job/1/children/7/raw", "deep/a/b/c/raw",
                            "too/a/b/c/d/e/f/raw"}) {
        fs::create_directories(dir.path / run);
    }
    fs::create_directories(dir.path / "empty/x");
    std::vector<std::string> found;
    for (const fs::path& p : find_run_dirs(dir.path)) {
        found.push_back(fs::relative(p, dir.path).generic_string());
    }
    CHECK(found == std::vector<std::string>{"deep/a/b/c", "job/0", "job/1"});
    CHECK(find_run_dirs(dir.path / "job/0") == std::vector<fs::path>{dir.path / "job/0"});
    CHECK(find_run_dirs(dir.path / "empty").empty());
    CHECK(find_run_dirs(dir.path / "missing").empty());
}
