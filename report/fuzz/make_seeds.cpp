// report/fuzz/make_seeds.cpp — writes the fuzzer's seed corpus: real-shaped dumps made with the
// tests' dump writer (complete, cut short, with unknown sections, several sections per kind),
// so the fuzzer starts from valid structure instead of discovering CRCs by chance.
#include "tests/report/dump_builder.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

using sciagraph::report::testing::DumpBuilder;
using sciagraph::report::testing::sample_dump;

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    auto save = [&](const std::string& name, const std::string& bytes) {
        std::ofstream(dir / name, std::ios::binary) << bytes;
    };
    save("complete.sgdump", sample_dump().str());
    save("no-end.sgdump", sample_dump(7, 1, false).str());
    const std::string full = sample_dump().str();
    save("cut.sgdump", full.substr(0, full.size() * 2 / 3));

    DumpBuilder several;
    several.meta({{"pid", "5"}, {"status", "disabled"}, {"disabled_reason", "table full"}});
    several.frames({{"a", "x.py", 1, 0}, {"[native thread]", "", 0, 1}});
    several.stacks({{0, 0}, {1, 1}});
    several.frames({{"b", "y.py", 2, 0}});
    several.stacks({{2, 2}, {0, 1}});
    several.samples(sciagraph::dump::Metric::TimeCpuMicros, {{3, 10}, {4, 5}});
    several.samples(sciagraph::dump::Metric::TimeCpuMicros, {{3, 1}});
    several.section(static_cast<sciagraph::dump::SectionKind>(42), {1, 2, 3, 4});
    several.samples(sciagraph::dump::Metric::MemoryPeakBytes, {{1, 4096}});
    several.end();
    save("several-sections.sgdump", several.str());

    DumpBuilder deep;
    std::vector<std::pair<uint32_t, uint32_t>> chain;
    for (uint32_t i = 0; i < 300; ++i) {
        chain.emplace_back(i, i % 2);
    }
    deep.frames({{"recurse", "r.py", 3, 0}, {"step", "r.py", 9, 0}}).stacks(chain);
    deep.samples(sciagraph::dump::Metric::TimeWaitMicros, {{300, 99}}).end();
    save("deep.sgdump", deep.str());
    return 0;
}
