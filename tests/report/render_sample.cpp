// tests/report/render_sample.cpp — renders a small three-process run from the tests' dump and
// record writers (one child died: its live record stands in for its dump) into DIR, for the
// browser check (html_check.sh) and for looking at. The root imports a package through
// importlib's frames and allocates on lines of DIR/src/job.py, so its report has an import
// machinery frame to unfold and source lines to show. With --diff, also DIR/diff/: what
// changed from process 101's dump to a changed one (`sciagraph report --diff`).
#include "dump_builder.h"
#include "record_builder.h"
#include "report/report.h"

#include <cstdio>
#include <fstream>
#include <string>

namespace {

sciagraph::report::testing::DumpBuilder root_dump(const std::filesystem::path& src)
{
    using sciagraph::dump::Metric;
    sciagraph::report::testing::DumpBuilder b;
    b.meta({{"pid", "100"},
            {"ppid", "1"},
            {"python_version", "3.11.2"},
            {"mode", "both"},
            {"status", "ok"},
            {"final", "1"},
            {"peak_bytes", "104857600"},
            {"memory_sample_interval_bytes", "262144"},
            {"wall_seconds", "2.5"},
            {"cpu_seconds", "1.75"},
            {"cwd", src.string()},
            {"command", "[\"python\",\"job.py\"]"}});
    const std::string boot = "<frozen importlib._bootstrap>";
    const std::string external = "<frozen importlib._bootstrap_external>";
    b.frames({{"<module>", "job.py", 1, 0},
              {"_find_and_load", boot, 1178, 0},
              {"_load_unlocked", boot, 690, 0},
              {"exec_module", external, 940, 0},
              {"_call_with_frames_removed", boot, 241, 0},
              {"<module>", "tables.py", 2, 0},
              {"<module>", "job.py", 4, 0},
              {"build", "job.py", 8, 0},
              {"get_data", external, 1131, 0},
              {"[no Python frame]", "", 0, 1},
              {"build", "job.py", 9, 0}});
    // 1 job:1, 2-5 its import machinery, 6 tables.py:2, 7 job:4, 8 build:8, 9 get_data,
    // 10 [no Python frame], 11 build:9 (called from tables.py)
    b.stacks(
        {{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {0, 6}, {7, 7}, {4, 8}, {0, 9}, {6, 10}});
    b.samples(Metric::MemoryPeakBytes,
              {{8, 60000000}, {11, 30000000}, {9, 4000000}, {6, 1000000}, {10, 1000}});
    b.samples(Metric::TimeCpuMicros, {{8, 1000000}, {11, 500000}, {9, 250000}});
    b.samples(Metric::TimeWaitMicros, {{7, 750000}});
    b.end();
    return b;
}

}  // namespace

int main(int argc, char** argv)
{
    const bool diff = argc == 3 && std::string(argv[2]) == "--diff";
    if (argc != 2 && !diff) {
        std::fprintf(stderr, "usage: %s DIR [--diff]\n", argv[0]);
        return 2;
    }
    namespace fs = std::filesystem;
    using sciagraph::report::testing::sample_dump;
    const fs::path dir = argv[1];
    fs::create_directories(dir / "raw");
    fs::create_directories(dir / "src");
    std::ofstream(dir / "src/job.py")
        << "import tables\n\n\nrows = build(10)\n\n\ndef build(n):\n"
           "    return [bytearray(1 << 20) for _ in range(n)]  # <b>\n"
           "    return [0] * n\n";
    std::ofstream(dir / "src/tables.py") << "from job import build\nTABLE = build(3)\n";
    // Written before the job "started" (2.5 s of wall time before its dump), as a real job's.
    for (const char* name : {"src/job.py", "src/tables.py"}) {
        fs::last_write_time(dir / name, fs::file_time_type::clock::now() - std::chrono::hours(1));
    }
    std::ofstream(dir / "raw/100.sgdump", std::ios::binary)
        << root_dump(fs::absolute(dir / "src")).str();
    std::ofstream(dir / "raw/101.sgdump", std::ios::binary) << sample_dump(101, 100).str();
    std::ofstream(dir / "raw/102.sgrec", std::ios::binary)
        << sciagraph::report::testing::sample_record(102, 100).str();
    sciagraph::report::RunInfo info;
    info.command = {"python", "job.py"};
    info.wall_seconds = 2.6;
    info.cpu_seconds = 1.8;
    info.root_pid = 100;
    info.version = "test";
    const auto outcome = sciagraph::report::render_run(dir, dir / "raw", info, {});
    if (!outcome.ok) {
        std::fprintf(stderr, "render_sample: %s\n", outcome.error.c_str());
        return 1;
    }
    if (diff) {
        std::ofstream(dir / "changed.sgdump", std::ios::binary)
            << sample_dump(100, 1, true, true).str();
        const auto d = sciagraph::report::render_diff(dir / "raw/101.sgdump",
                                                      dir / "changed.sgdump", dir / "diff", {});
        if (!d.ok) {
            std::fprintf(stderr, "render_sample: %s\n", d.error.c_str());
            return 1;
        }
    }
    return 0;
}
