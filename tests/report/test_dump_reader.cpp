// tests/report/test_dump_reader.cpp — dumps good, cut short, damaged and incompatible.
#include "dump_builder.h"
#include "dump_reader.h"
#include "dump_to_tree.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

using namespace sciagraph::report;
using sciagraph::dump::Metric;
using sciagraph::dump::SectionKind;
using sciagraph::report::testing::DumpBuilder;
using sciagraph::report::testing::sample_dump;

namespace {

DumpResult parse(const std::vector<unsigned char>& bytes)
{
    return parse_dump(bytes.data(), bytes.size());
}

// The byte offset where each section ends (after its CRC).
std::vector<size_t> section_ends(const std::vector<unsigned char>& bytes)
{
    std::vector<size_t> ends;
    size_t offset = 16;
    while (offset + 16 <= bytes.size()) {
        uint64_t length = 0;
        for (int i = 0; i < 8; ++i) {
            length |= static_cast<uint64_t>(bytes[offset + 8 + i]) << (8 * i);
        }
        offset += 16 + length + 4;
        ends.push_back(offset);
    }
    return ends;
}

}  // namespace

TEST_CASE("dump_reader: reads a complete dump", "[report]")
{
    const DumpResult r = parse(sample_dump().bytes());
    REQUIRE(r.dump);
    CHECK_FALSE(r.dump->truncated);
    CHECK(r.dump->frames.size() == 6);
    CHECK(r.dump->stacks.size() == 6);
    CHECK(r.dump->memory_peak.size() == 4);
    CHECK(r.dump->time_cpu.size() == 3);
    CHECK(r.dump->time_wait.size() == 2);
    CHECK(r.dump->meta_number("peak_bytes") == 104857600.0);
    CHECK(r.dump->meta_value("python_version") == "3.11.7");
    CHECK_FALSE(r.dump->meta_value("nope"));
}

TEST_CASE("dump_reader: a dump cut at a section boundary is read as truncated", "[report]")
{
    const auto bytes = sample_dump(100, 1, false).bytes();  // no End section
    const DumpResult r = parse(bytes);
    REQUIRE(r.dump);
    CHECK(r.dump->truncated);
    CHECK(r.dump->time_wait.size() == 2);
}

TEST_CASE("dump_reader: a dump cut inside a section keeps the sections before it", "[report]")
{
    const auto bytes = sample_dump().bytes();
    const auto ends = section_ends(bytes);
    REQUIRE(ends.size() == 7);  // meta, frames, stacks, 3 samples, end
    // Cut inside the CPU samples: memory samples were complete and are kept.
    std::vector<unsigned char> cut(bytes.begin(), bytes.begin() + static_cast<long>(ends[4] - 3));
    const DumpResult r = parse(cut);
    REQUIRE(r.dump);
    CHECK(r.dump->truncated);
    CHECK(r.dump->memory_peak.size() == 4);
    CHECK(r.dump->time_cpu.empty());
}

TEST_CASE("dump_reader: refuses what is not a usable dump", "[report]")
{
    CHECK(parse({}).error.status == ExitStatus::Unreadable);
    CHECK(parse({'S', 'C', 'I', 'A'}).error.status == ExitStatus::Corrupt);
    auto garbage = sample_dump().bytes();
    garbage[0] = 'X';
    CHECK(parse(garbage).error.status == ExitStatus::Corrupt);
    CHECK(parse(DumpBuilder(2).end().bytes()).error.status == ExitStatus::Incompatible);
    CHECK(parse(DumpBuilder(0xFFFFFFFF).end().bytes()).error.status == ExitStatus::Incompatible);
    // Header only, no section at all.
    CHECK(parse(DumpBuilder().bytes()).error.status == ExitStatus::Corrupt);
}

TEST_CASE("dump_reader: absurd lengths and counts are refused without allocating", "[report]")
{
    DumpBuilder huge;
    std::vector<unsigned char> header;
    DumpBuilder::u32(header, static_cast<uint32_t>(SectionKind::Frames));
    DumpBuilder::u32(header, 0);
    DumpBuilder::u64(header, 1ull << 40);
    huge.raw(header);
    CHECK(parse(huge.bytes()).error.status == ExitStatus::Corrupt);

    // A count of 4 billion frames in a 4-byte payload.
    std::vector<unsigned char> payload;
    DumpBuilder::u32(payload, 0xFFFFFFFF);
    const auto r = parse(DumpBuilder().section(SectionKind::Frames, payload).end().bytes());
    CHECK(r.error.status == ExitStatus::Corrupt);

    // A string length past the payload.
    std::vector<unsigned char> meta;
    DumpBuilder::u32(meta, 1);
    DumpBuilder::u32(meta, 0x7FFFFFFF);
    CHECK(parse(DumpBuilder().section(SectionKind::Meta, meta).end().bytes()).error.status ==
          ExitStatus::Corrupt);
}

TEST_CASE("dump_reader: checksums catch damaged sections", "[report]")
{
    auto b = DumpBuilder();
    b.meta({{"pid", "1"}});
    b.section(SectionKind::Frames, {0, 0, 0, 0}, /*bad_crc=*/true).end();
    const DumpResult r = parse(b.bytes());
    CHECK(r.error.status == ExitStatus::Corrupt);
    CHECK(r.error.message.find("checksum") != std::string::npos);
}

TEST_CASE("dump_reader: ids that point nowhere are refused", "[report]")
{
    auto frames_missing = DumpBuilder();
    frames_missing.frames({{"f", "a.py", 1, 0}}).stacks({{0, 5}}).end();
    CHECK(parse(frames_missing.bytes()).error.status == ExitStatus::Corrupt);
    auto stack_missing = DumpBuilder();
    stack_missing.frames({{"f", "a.py", 1, 0}}).stacks({{0, 0}});
    stack_missing.samples(Metric::MemoryPeakBytes, {{9, 1}}).end();
    CHECK(parse(stack_missing.bytes()).error.status == ExitStatus::Corrupt);
}

TEST_CASE("dump_reader: unknown sections and metrics of newer writers are skipped", "[report]")
{
    auto b = sample_dump(100, 1, false);
    b.section(static_cast<SectionKind>(99), {1, 2, 3});
    b.samples(static_cast<Metric>(77), {{1, 5}});
    b.end();
    const DumpResult r = parse(b.bytes());
    REQUIRE(r.dump);
    CHECK_FALSE(r.dump->truncated);
}

TEST_CASE("dump_to_tree: a looping stack table is refused, a good one builds", "[report]")
{
    auto loop = DumpBuilder();
    loop.frames({{"f", "a.py", 1, 0}}).stacks({{2, 0}, {1, 0}}).end();
    const DumpResult r = parse(loop.bytes());
    REQUIRE(r.dump);
    Error error;
    CHECK_FALSE(build_trees(*r.dump, error));
    CHECK(error.status == ExitStatus::Corrupt);

    const DumpResult good = parse(sample_dump().bytes());
    const auto trees = build_trees(*good.dump, error);
    REQUIRE(trees);
    CHECK(trees->memory->total0(CallTree::kRoot) == 100001000);
    CHECK(trees->time->total0(CallTree::kRoot) == 1750000);
    CHECK(trees->time->total1(CallTree::kRoot) == 850000);
}

TEST_CASE("dump_reader: any truncation reads or fails cleanly", "[report]")
{
    const auto bytes = sample_dump().bytes();
    const auto ends = section_ends(bytes);
    for (size_t cut = 0; cut <= bytes.size(); ++cut) {
        const std::vector<unsigned char> part(bytes.begin(),
                                              bytes.begin() + static_cast<long>(cut));
        const DumpResult r = parse(part);
        INFO("cut at " << cut);
        if (cut == bytes.size()) {
            REQUIRE(r.dump);
            CHECK_FALSE(r.dump->truncated);
        } else if (cut >= ends[0]) {
            REQUIRE(r.dump);  // at least the meta section is whole
            CHECK(r.dump->truncated);
        } else {
            CHECK_FALSE(r.dump);
        }
        if (r.dump) {
            Error error;
            CHECK(build_trees(*r.dump, error));
        }
    }
}

TEST_CASE("dump_reader: any byte flip reads or fails cleanly, and CRCs catch payload flips",
          "[report]")
{
    const auto bytes = sample_dump().bytes();
    const auto ends = section_ends(bytes);
    rc::prop("flip", [&] {
        const size_t at = *rc::gen::inRange<size_t>(0, bytes.size());
        const int bit = *rc::gen::inRange(0, 8);
        auto flipped = bytes;
        flipped[at] ^= static_cast<unsigned char>(1u << bit);
        const DumpResult r = parse(flipped);
        RC_ASSERT((r.dump.has_value()) != (r.error.status != ExitStatus::Ok));
        if (r.dump) {
            Error error;
            build_trees(*r.dump, error);  // must not crash either
        }
        // A flip inside a payload or its CRC is always caught.
        size_t start = 16;
        for (size_t end : ends) {
            if (at >= start + 16 && at < end) {
                RC_ASSERT(!r.dump);
            }
            start = end;
        }
    });
}

TEST_CASE("dump_reader: random bytes after a valid header never crash", "[report]")
{
    rc::prop("garbage", [] {
        auto bytes = DumpBuilder().bytes();
        const auto tail =
            *rc::gen::container<std::vector<unsigned char>>(rc::gen::arbitrary<unsigned char>());
        bytes.insert(bytes.end(), tail.begin(), tail.end());
        const DumpResult r = parse(bytes);
        RC_ASSERT(r.dump.has_value() || r.error.status != ExitStatus::Ok);
    });
}
