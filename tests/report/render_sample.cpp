// tests/report/render_sample.cpp — renders a small three-process run from the tests' dump and
// record writers (one child died: its live record stands in for its dump) into DIR, for the
// browser check (html_check.sh) and for looking at.
#include "dump_builder.h"
#include "record_builder.h"
#include "report/report.h"

#include <cstdio>
#include <fstream>

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    namespace fs = std::filesystem;
    using sciagraph::report::testing::sample_dump;
    const fs::path dir = argv[1];
    fs::create_directories(dir / "raw");
    std::ofstream(dir / "raw/100.sgdump", std::ios::binary) << sample_dump(100, 1).str();
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
    return 0;
}
