// report/fuzz/make_seeds.cpp — writes the fuzzer's seed corpus: real-shaped dumps made with the
// tests' dump writer (complete, cut short, with unknown sections, several sections per kind),
// so the fuzzer starts from valid structure instead of discovering CRCs by chance; and live
// records made with the tests' record writer, for the record reader.
#include "tests/report/dump_builder.h"
#include "tests/report/record_builder.h"

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

    using sciagraph::report::testing::RecordBuilder;
    using sciagraph::report::testing::sample_record;
    const std::string record = sample_record().str();
    save("complete.sgrec", record);
    save("cut.sgrec", record.substr(0, record.size() * 9 / 10));
    auto rising = sample_record(8, 1);  // died above its last snapshot: the live column
    rising.header.live_bytes = rising.header.snapshot_total[1] + 1;
    rising.header.state = static_cast<uint32_t>(sciagraph::record::State::Exited);
    rising.meta("unknown", "kind").record(static_cast<sciagraph::record::Kind>(42), {1, 2, 3});
    save("rising.sgrec", rising.str());
    RecordBuilder blocks;
    blocks.frame("recurse", "r.py", 3).frame("[native thread]", "", 0, 1);
    for (uint32_t id = 1; id <= 1100; ++id) {
        blocks.stack(id - 1, 1 + id % 2, {1, 2, 3, id, 0});
    }
    save("two-blocks.sgrec", blocks.str());
    return 0;
}
