// tests/report/test_source_lines.cpp — frames shown with their line of code: which names are
// read, from which file, when a file counts as gone or changed, the caps, the cache, and that
// a line never breaks the HTML, SVG or JSON it is written into.
#include "dump_builder.h"
#include "report/read/source_lines.h"
#include "report/report.h"
#include "report/write/svg.h"
#include "report/write/text.h"
#include "tests/temp_dir.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include <sys/stat.h>

using namespace sciagraph::report;
using sciagraph::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string line_of(SourceFiles& files,
                    const std::string& file,
                    uint32_t line,
                    const SourceContext& context = {})
{
    return files.line({file, line}, context);
}

// The data the viewer reads from an index.html.
nlohmann::json page_data(const fs::path& html)
{
    const std::string text = read(html);
    const std::string open = "<script type=\"application/json\" id=\"sciagraph-data\">";
    const size_t at = text.find(open) + open.size();
    return nlohmann::json::parse(text.substr(at, text.find("</script>", at) - at));
}

}  // namespace

TEST_CASE("parse_frame_location: file and line of Python frames only", "[source]")
{
    const auto at = parse_frame_location("load (/srv/job.py:12)");
    REQUIRE(at);
    CHECK(at->file == "/srv/job.py");
    CHECK(at->line == 12);
    const auto odd = parse_frame_location("f (/home/me/x (copy)/a.py:7)");
    REQUIRE(odd);
    CHECK(odd->file == "/home/me/x (copy)/a.py");
    CHECK(odd->line == 7);
    CHECK_FALSE(parse_frame_location("[native thread]"));
    CHECK_FALSE(parse_frame_location("_find_and_load (<frozen importlib._bootstrap>:1178)"));
    CHECK_FALSE(parse_frame_location("<module> (<string>:1)"));
    CHECK_FALSE(parse_frame_location("f (job.py:0)"));
    CHECK_FALSE(parse_frame_location("f (job.py:x1)"));
    CHECK_FALSE(parse_frame_location("f (job.py)"));
    CHECK_FALSE(parse_frame_location("f (job.py:99999999999)"));
}

TEST_CASE("SourceFiles: the line of a present file, stripped; none past its end", "[source]")
{
    TempDir dir;
    const fs::path job = dir.file("job.py", "import numpy\n\n    data = numpy.ones(10)  \r\nlast");
    SourceFiles files;
    CHECK(line_of(files, job.string(), 1) == "import numpy");
    CHECK(line_of(files, job.string(), 2).empty());
    CHECK(line_of(files, job.string(), 3) == "data = numpy.ones(10)");
    CHECK(line_of(files, job.string(), 4) == "last");
    CHECK(line_of(files, job.string(), 5).empty());
    CHECK(files.files_opened() == 1);  // one read for every line of the file
}

TEST_CASE("SourceFiles: missing, unreadable, binary, special and large files give no line",
          "[source]")
{
    TempDir dir;
    SourceFiles files;
    CHECK(line_of(files, (dir.path / "gone.py").string(), 1).empty());
    CHECK(line_of(files, dir.path.string(), 1).empty());  // a directory
    const fs::path binary = dir.file("mod.so", std::string("ELF\0\1\2\nx = 1\n", 13));
    CHECK(line_of(files, binary.string(), 2).empty());
    const fs::path big = dir.file("big.py", std::string(SourceFiles::kMaxFileBytes + 1, 'x'));
    CHECK(line_of(files, big.string(), 1).empty());
    const fs::path fifo = dir.path / "pipe.py";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(line_of(files, fifo.string(), 1).empty());  // and no hang opening it
    if (::geteuid() != 0) {                           // root reads a mode-0 file anyway
        const fs::path secret = dir.file("secret.py", "x = 1\n", 0);
        CHECK(line_of(files, secret.string(), 1).empty());
    }
}

TEST_CASE("SourceFiles: a file modified after the process started gives no line", "[source]")
{
    TempDir dir;
    const fs::path job = dir.file("job.py", "x = 1\n");
    const auto modified = fs::last_write_time(job);
    SourceFiles files;
    SourceContext before_edit;
    before_edit.started = modified + std::chrono::minutes(1);
    CHECK(line_of(files, job.string(), 1, before_edit) == "x = 1");
    SourceContext after_edit;
    after_edit.started = modified - std::chrono::minutes(1);
    CHECK(line_of(files, job.string(), 1, after_edit).empty());
    // Within the slack the start is not known better: the file still counts as unchanged.
    SourceContext just_before;
    just_before.started = modified - std::chrono::milliseconds(200);
    CHECK(line_of(files, job.string(), 1, just_before) == "x = 1");
}

TEST_CASE("SourceFiles: relative names start from the job's directory, or are not read", "[source]")
{
    TempDir dir;
    fs::create_directories(dir.path / "pkg");
    dir.file("pkg/mod.py", "def f():\n    return [0] * 10\n");
    SourceFiles files;
    SourceContext context;
    context.cwd = dir.path;
    CHECK(line_of(files, "pkg/mod.py", 2, context) == "return [0] * 10");
    CHECK(line_of(files, "pkg/mod.py", 2).empty());  // no directory known
}

TEST_CASE("SourceFiles: long lines are cut, control characters and bad UTF-8 cleaned", "[source]")
{
    TempDir dir;
    const std::string long_line = "x = '" + std::string(400, 'a') + "'";
    const fs::path job =
        dir.file("job.py", long_line + "\n\ty =\t'\x01\xff'\n" + "z = '\xc3\xa9t\xc3\xa9'\n");
    SourceFiles files;
    const std::string cut = line_of(files, job.string(), 1);
    CHECK(cut.size() == SourceFiles::kMaxLineChars + 3);  // 200 characters and "…" (3 bytes)
    CHECK(cut.ends_with("\xE2\x80\xA6"));
    CHECK(line_of(files, job.string(), 2) == "y = '\xEF\xBF\xBD'");
    CHECK(line_of(files, job.string(), 3) == "z = '\xc3\xa9t\xc3\xa9'");
    CHECK(clean_source_line("\xc3\xa9\xc3\xa9\xc3\xa9", 2) == "\xc3\xa9\xc3\xa9\xE2\x80\xA6");
}

TEST_CASE("FrameSources: each name looked up once, through the shared cache", "[source]")
{
    TempDir dir;
    const fs::path job = dir.file("job.py", "a = 1\nb = 2\n");
    CallTree tree;
    const uint32_t a = tree.intern("<module> (" + job.string() + ":1)");
    const uint32_t b = tree.intern("<module> (" + job.string() + ":2)");
    const uint32_t pseudo = tree.intern("[native thread]");
    tree.add_self(tree.child(tree.child(CallTree::kRoot, a), b), 5);
    tree.finish();
    SourceFiles files;
    FrameSources sources(tree, files, {});
    CHECK(sources.line(a) == "a = 1");
    CHECK(sources.line(b) == "b = 2");
    CHECK(sources.line(pseudo).empty());
    CHECK(sources.line(12345).empty());
    FrameSources other(tree, files, {});  // another process's tree: the file is not read again
    CHECK(other.line(b) == "b = 2");
    CHECK(files.files_opened() == 1);
}

TEST_CASE("render_svg: the line goes into the frame's title, escaped", "[source]")
{
    TempDir dir;
    const fs::path job = dir.file("job.py", "s = \"<b>&'x'</b>\" ]]> </title>\n");
    CallTree tree;
    tree.add_self(tree.child(CallTree::kRoot, tree.intern("<module> (" + job.string() + ":1)")),
                  100);
    tree.finish();
    SourceFiles files;
    FrameSources sources(tree, files, {});
    Graph graph{GraphKind::MemoryPeak, &tree, "Memory", "", false, &sources};
    const std::string svg = render_svg(graph, 0.1);
    CHECK(svg.find("s = &quot;&lt;b&gt;&amp;&#39;x&#39;&lt;/b&gt;&quot; ]]&gt; &lt;/title&gt;\n") !=
          std::string::npos);
    CHECK(svg.find("</b>") == std::string::npos);
}

TEST_CASE("render_path: a dump's frames get their lines in index.html and the SVG, not in the "
          "folded file",
          "[source]")
{
    TempDir dir;
    const fs::path src = dir.path / "src";
    fs::create_directories(src / "pkg");
    dir.file("src/job.py", "import pkg.mod\n\nrows = pkg.mod.load('</script><script>x')\n");
    dir.file("src/pkg/mod.py", "def load(name):\n    return [name] * 1_000_000\n");
    sciagraph::report::testing::DumpBuilder b;
    b.meta({{"pid", "7"},
            {"ppid", "1"},
            {"status", "ok"},
            {"final", "1"},
            {"peak_bytes", "8000000"},
            {"wall_seconds", "0.5"},
            {"cwd", src.string()},
            {"command", "[\"python\",\"job.py\"]"}});
    b.frames({{"<module>", (src / "job.py").string(), 3, 0}, {"load", "pkg/mod.py", 2, 0}});
    b.stacks({{0, 0}, {1, 1}});
    b.samples(sciagraph::dump::Metric::MemoryPeakBytes, {{2, 8000000}});
    b.end();
    const fs::path dump = dir.path / "7.sgdump";
    std::ofstream(dump, std::ios::binary) << b.str();
    // The dump was written after the sources: they count as unchanged.
    fs::last_write_time(dump, fs::last_write_time(src / "job.py") + std::chrono::seconds(5));
    const fs::path out = dir.path / "out";
    const Outcome o = render_path(dump, out, {});
    REQUIRE(o.ok);

    const nlohmann::json data = page_data(out / "index.html");
    const nlohmann::json& memory = data["graphs"][0];
    const auto& names = memory["names"];
    const auto& source = memory["source"];
    REQUIRE(names.size() == source.size());
    std::map<std::string, std::string> by_name;
    for (size_t i = 0; i < names.size(); ++i) {
        by_name[names[i]] = source[i];
    }
    CHECK(by_name["load (pkg/mod.py:2)"] == "return [name] * 1_000_000");
    CHECK(by_name["<module> (" + (src / "job.py").string() + ":3)"] ==
          "rows = pkg.mod.load('</script><script>x')");
    CHECK(read(out / "index.html").find("</script><script>x") == std::string::npos);
    CHECK(read(out / "memory-peak.svg").find("return [name] * 1_000_000") != std::string::npos);
    const std::string folded = read(out / "memory-peak.folded");
    CHECK(folded == "<module> (" + (src / "job.py").string() + ":3);load (pkg/mod.py:2) 8000000\n");

    SECTION("without source lines the report is as before")
    {
        RenderOptions options;
        options.source_lines = false;
        const fs::path plain = dir.path / "plain";
        REQUIRE(render_path(dump, plain, options).ok);
        CHECK_FALSE(page_data(plain / "index.html")["graphs"][0].contains("source"));
        CHECK(read(plain / "memory-peak.svg").find("1_000_000") == std::string::npos);
        CHECK(read(plain / "memory-peak.folded") == folded);
    }
    SECTION("sources edited after the run are not shown")
    {
        fs::last_write_time(src / "pkg/mod.py",
                            fs::last_write_time(dump) + std::chrono::minutes(10));
        const fs::path later = dir.path / "later";
        REQUIRE(render_path(dump, later, {}).ok);
        CHECK(read(later / "memory-peak.svg").find("1_000_000") == std::string::npos);
        CHECK(read(later / "memory-peak.svg").find("rows = pkg.mod.load") != std::string::npos);
    }
}
