// bench/render/render_bench.cpp — times report::render_path on one input for one format,
// as `sciagraph report INPUT -o OUT --format FORMAT` would run it. SCIAGRAPH_BENCH_SOURCE_LINES=0
// renders without reading the frames' source lines, to see what they cost.
#include "report/report.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s INPUT OUTDIR FORMAT [MIN_WIDTH_PX]\n", argv[0]);
        return 2;
    }
    sciagraph::report::RenderOptions options;
    const auto format = sciagraph::report::parse_format(argv[3]);
    if (!format) {
        std::fprintf(stderr, "unknown format %s\n", argv[3]);
        return 2;
    }
    options.formats = {*format};
    if (argc > 4) {
        options.min_width_px = std::stod(argv[4]);
    }
    if (const char* lines = std::getenv("SCIAGRAPH_BENCH_SOURCE_LINES")) {
        options.source_lines = std::string(lines) != "0";
    }
    const auto start = std::chrono::steady_clock::now();
    const auto outcome = sciagraph::report::render_path(argv[1], argv[2], options);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s: %.3f s%s%s\n", argv[3], seconds,
                outcome.ok ? "" : " FAILED: ", outcome.error.c_str());
    return outcome.ok ? 0 : outcome.exit_status;
}
