// tests/report/test_formats.cpp — each output format on its own: folded, SVG, speedscope, JSON,
// HTML.
#include "dump_builder.h"
#include "dump_to_tree.h"
#include "folded_reader.h"
#include "folded_writer.h"
#include "html.h"
#include "json_out.h"
#include "sample_trees.h"
#include "speedscope.h"
#include "svg.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>

using namespace sciagraph::report;
using sciagraph::report::testing::sample_trees;

namespace {

std::unique_ptr<CallTree> tree_of(const std::string& folded)
{
    auto text = std::make_shared<std::string>(folded);
    FoldedResult r = parse_folded(*text, text);
    REQUIRE(r.tree);
    return std::move(r.tree);
}

size_t count(const std::string& text, const std::string& what)
{
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("folded_writer: one sorted line per stack with a value, round trip", "[report]")
{
    const auto t = tree_of("b;x 2\na 1\na;y 3\nb;x 4\nc;z 0\n");
    CHECK(render_folded(*t, FoldedMetric::Both) == "a 1\na;y 3\nb;x 6\n");
    const auto again = tree_of(render_folded(*t, FoldedMetric::Both));
    CHECK(render_folded(*again, FoldedMetric::Both) == "a 1\na;y 3\nb;x 6\n");
}

TEST_CASE("folded_writer: dump frames follow the contract", "[report]")
{
    const DumpTrees trees = sample_trees();
    const std::string cpu = render_folded(*trees.time, FoldedMetric::First);
    const std::string wait = render_folded(*trees.time, FoldedMetric::Second);
    CHECK(cpu.find("<module> (job.py:1);load (job.py:10);parse "
                   "(/usr/lib/python3.11/json/decoder.py:337) 1000000\n") != std::string::npos);
    CHECK(wait == "<module> (job.py:1);load (job.py:10);read_csv "
                  "(/venv/lib/python3.11/site-packages/pandas/io/parsers.py:912) 100000\n"
                  "<module> (job.py:1);sleep <&> \"x\" (job.py:20) 750000\n");
    const std::string memory = render_folded(*trees.memory, FoldedMetric::First);
    CHECK(memory.find("[no Python frame] 1000\n") != std::string::npos);
    // Every line: frames, one space, an integer.
    const std::regex line("[^;\n]+(;[^;\n]+)* [0-9]+");
    for (const std::string& text : {cpu, wait, memory}) {
        size_t start = 0;
        for (size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
            CHECK(std::regex_match(text.substr(start, nl - start), line));
            start = nl + 1;
        }
    }
}

TEST_CASE("svg: well-formed frames, escaped names, pruned share stated", "[report]")
{
    const auto t = tree_of("main;<lambda> & \"q\" 11990\nmain;tiny 5\nother 5\n");
    const Graph g{GraphKind::Samples, t.get(), "A <title>", "sub & title"};
    const std::string svg = render_svg(g, 1.0);
    CHECK(svg.rfind("<?xml", 0) == 0);
    CHECK(svg.find("&lt;lambda&gt; &amp; &quot;q&quot;") != std::string::npos);
    CHECK(svg.find("<lambda>") == std::string::npos);
    CHECK(svg.find("A &lt;title&gt;") != std::string::npos);
    CHECK(svg.find("not drawn: 0.08%") != std::string::npos);
    CHECK(svg.find("tiny") == std::string::npos);
    CHECK(count(svg, "<g>") == 3);  // all, main, <lambda>
    CHECK(count(svg, "<g") == count(svg, "</g>"));
    CHECK(count(svg, "<text ") == count(svg, "</text>"));
    CHECK(svg.find("]]>") == svg.rfind("]]>"));  // the script's CDATA closes once
}

TEST_CASE("svg: time graph colours by CPU share", "[report]")
{
    const DumpTrees trees = sample_trees();
    const std::string svg = render_svg({GraphKind::Time, trees.time.get(), "Time", ""}, 0.1);
    CHECK(svg.find("fill=\"#4e8fd6\"") != std::string::npos);  // sleep: all waiting
    CHECK(svg.find("fill=\"#f0782d\"") != std::string::npos);  // parse: all CPU
    CHECK(svg.find("waiting") != std::string::npos);           // legend
}

TEST_CASE("speedscope: valid sampled profiles with shared, unique frames", "[report]")
{
    const DumpTrees trees = sample_trees();
    const std::string text = render_speedscope("t", "sciagraph@test",
                                               {{"memory", trees.memory.get(), 0, "bytes"},
                                                {"cpu", trees.time.get(), 0, "microseconds"},
                                                {"wait", trees.time.get(), 1, "microseconds"}});
    const auto j = nlohmann::json::parse(text);
    CHECK(j["$schema"] == "https://www.speedscope.app/file-format-schema.json");
    const auto& frames = j["shared"]["frames"];
    std::set<std::string> names;
    for (const auto& f : frames) {
        REQUIRE(f["name"].is_string());
        names.insert(f["name"].get<std::string>());
    }
    CHECK(names.size() == frames.size());
    REQUIRE(j["profiles"].size() == 3);
    const std::set<std::string> units{"none",         "nanoseconds", "microseconds",
                                      "milliseconds", "seconds",     "bytes"};
    for (const auto& p : j["profiles"]) {
        CHECK(p["type"] == "sampled");
        CHECK(units.count(p["unit"].get<std::string>()) == 1);
        REQUIRE(p["samples"].size() == p["weights"].size());
        uint64_t sum = 0;
        for (const auto& w : p["weights"]) {
            sum += w.get<uint64_t>();
        }
        CHECK(p["endValue"].get<uint64_t>() == sum);
        CHECK(p["startValue"] == 0);
        for (const auto& s : p["samples"]) {
            for (const auto& i : s) {
                CHECK(i.get<size_t>() < frames.size());
            }
        }
    }
    CHECK(j["profiles"][0]["endValue"] == 100001000);
    // A Python frame carries its file and line too.
    bool found = false;
    for (const auto& f : frames) {
        found = found || (f.contains("file") && f["file"] == "job.py" && f["line"] == 10);
    }
    CHECK(found);
}

TEST_CASE("json_out: columnar tree that scripts can rebuild", "[report]")
{
    const auto t = tree_of("a;b 2\na;c 3\nd 5\n");
    std::string out;
    append_graph_json(out, {GraphKind::Samples, t.get(), "t", ""}, 0, 10);
    const auto j = nlohmann::json::parse(out);
    CHECK(j["total"] == 10);
    const auto& names = j["names"];
    std::vector<std::string> order;
    for (const auto& n : j["name"]) {
        order.push_back(names[n.get<size_t>()]);
    }
    CHECK(order == std::vector<std::string>{"all", "a", "b", "c", "d"});
    CHECK(j["parent"] == nlohmann::json::array({0, 0, 1, 1, 0}));
    CHECK(j["total_value"] == nlohmann::json::array({10, 5, 2, 3, 5}));
    CHECK(j["self_value"] == nlohmann::json::array({0, 0, 2, 3, 5}));
    CHECK(j["top"]["count"] == 3);
}

TEST_CASE("html: self-contained page with its data embedded and parseable", "[report]")
{
    const DumpTrees trees = sample_trees();
    nlohmann::json page = {{"title", "job </script><b>"}, {"fields", nlohmann::json::array()}};
    const std::string html = render_html(page,
                                         {{GraphKind::MemoryPeak, trees.memory.get(), "Memory", ""},
                                          {GraphKind::Time, trees.time.get(), "Time", ""}},
                                         0.1);
    CHECK(html.find("{{") == std::string::npos);
    CHECK(html.find("/*{{") == std::string::npos);
    CHECK(html.find("<title>job &lt;/script&gt;&lt;b&gt;</title>") != std::string::npos);
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("src=") == std::string::npos);  // nothing loaded from elsewhere
    const std::string open = "<script type=\"application/json\" id=\"sciagraph-data\">";
    const size_t start = html.find(open);
    REQUIRE(start != std::string::npos);
    const size_t end = html.find("</script>", start);
    const auto data =
        nlohmann::json::parse(html.substr(start + open.size(), end - start - open.size()));
    CHECK(data["page"]["title"] == "job </script><b>");
    CHECK(data["graphs"].size() == 2);
    CHECK(data["graphs"][1]["kind"] == "time");
    CHECK(data["graphs"][1].contains("cpu"));
}

TEST_CASE("html: a run's table of processes, serialised once, is the page's own", "[report]")
{
    const DumpTrees trees = sample_trees();
    const nlohmann::json processes = {{{"pid", 7}, {"href", "</script>"}}, {{"pid", 8}}};
    const std::string html =
        render_html({{"title", "t"}}, {{GraphKind::MemoryPeak, trees.memory.get(), "M", ""}}, 0.1,
                    processes.dump());
    const std::string open = "<script type=\"application/json\" id=\"sciagraph-data\">";
    const size_t start = html.find(open);
    REQUIRE(start != std::string::npos);
    const size_t end = html.find("</script>", start);
    const auto data =
        nlohmann::json::parse(html.substr(start + open.size(), end - start - open.size()));
    CHECK(data["page"]["title"] == "t");
    CHECK(data["page"]["processes"] == processes);
}
