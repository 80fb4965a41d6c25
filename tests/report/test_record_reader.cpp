// tests/report/test_record_reader.cpp — live records good, cut anywhere, damaged, incompatible,
// and what they say of how their process ended.
#include "core/dump_format.h"
#include "dump_builder.h"
#include "dump_reader.h"
#include "dump_to_tree.h"
#include "record_builder.h"
#include "record_reader.h"
#include "tests/temp_dir.h"

#include <catch2/catch.hpp>
#include <climits>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>

using namespace sciagraph::report;
using sciagraph::record::Header;
using sciagraph::record::Kind;
using sciagraph::record::State;
using sciagraph::report::testing::RecordBuilder;
using sciagraph::report::testing::sample_record;

namespace {

DumpResult parse(const std::vector<unsigned char>& bytes)
{
    return parse_record(bytes.data(), bytes.size());
}

// The first `n` bytes in a buffer of exactly that size, so a read past it is a sanitizer error.
DumpResult parse_prefix(const std::vector<unsigned char>& bytes, size_t n)
{
    const std::unique_ptr<unsigned char[]> copy(new unsigned char[n == 0 ? 1 : n]);
    std::copy(bytes.begin(), bytes.begin() + static_cast<long>(n), copy.get());
    return parse_record(copy.get(), n);
}

// What build_trees and every renderer assume of a Dump.
bool trie_is_valid(const Dump& d)
{
    for (size_t i = 0; i < d.stacks.size(); ++i) {
        if (d.stacks[i].parent > i || d.stacks[i].frame >= d.frames.size()) {
            return false;
        }
    }
    for (const auto* samples : {&d.memory_peak, &d.time_cpu, &d.time_wait}) {
        for (const DumpSample& s : *samples) {
            if (s.stack == 0 || s.stack > d.stacks.size() || s.value == 0) {
                return false;
            }
        }
    }
    return true;
}

uint64_t total(const std::vector<DumpSample>& samples)
{
    uint64_t sum = 0;
    for (const DumpSample& s : samples) {
        sum += s.value;
    }
    return sum;
}

bool any_warning_has(const Dump& d, const std::string& text)
{
    for (const std::string& w : d.warnings) {
        if (w.find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace

TEST_CASE("record_reader: reads a record as the dump it stands for", "[report]")
{
    const auto bytes = sample_record().bytes();
    REQUIRE(looks_like_record(bytes.data(), bytes.size()));
    const DumpResult r = parse(bytes);
    REQUIRE(r.dump);
    const Dump& d = *r.dump;
    CHECK_FALSE(d.truncated);
    CHECK(d.warnings.empty());
    REQUIRE(d.frames.size() == 6);
    CHECK(d.frames[0].function == "<module>");
    CHECK(d.frames[2].file == "/usr/lib/python3.11/json/decoder.py");
    CHECK(d.frames[2].line == 337);
    CHECK(d.frames[4].kind == 1);
    REQUIRE(d.stacks.size() == 6);
    // Record frames count from 1, a Dump's from 0; stack ids are the same.
    CHECK(d.stacks[0].parent == 0);
    CHECK(d.stacks[0].frame == 0);
    CHECK(d.stacks[3].parent == 2);
    CHECK(d.stacks[3].frame == 3);
    CHECK(trie_is_valid(d));
    // Three snapshots: the last is in buffer 1. Stack 5's at_peak[1] is 1000.
    CHECK(d.memory_peak.size() == 4);
    CHECK(total(d.memory_peak) == 100001000);
    CHECK(total(d.time_cpu) == 1750000);
    CHECK(total(d.time_wait) == 850000);

    CHECK(d.meta_value("pid") == "100");
    CHECK(d.meta_value("ppid") == "1");
    CHECK(d.meta_value("final") == "0");
    CHECK(d.meta_value("status") == "ok");
    CHECK_FALSE(d.meta_value("disabled_reason"));
    CHECK(d.meta_value("peak_bytes") == "104857600");
    CHECK(d.meta_value("current_bytes") == "52428800");
    CHECK(d.meta_value("peak_sampled_bytes") == "100001000");
    CHECK(d.meta_value("memory_sample_interval_bytes") == "1048576");
    CHECK(d.meta_value("memory_samples") == "4321");
    CHECK(d.meta_value("wall_seconds") == "2.234567");
    CHECK(d.meta_value("cpu_seconds") == "1.750000");
    CHECK(d.meta_value("time_samples") == "250");
    CHECK(d.meta_value("time_failed_reads") == "2");
    CHECK(d.meta_value("sampler_cpu_seconds") == "0.010000");
    CHECK(d.meta_value("time_hz") == "100");
    CHECK(d.meta_value("mode") == "both");
    CHECK(d.meta_value("python_version") == "3.11.7");
    CHECK(d.meta_value("command") == "[\"python\",\"job.py\"]");
    CHECK(d.meta_value(sciagraph::dump::meta::kEnded) == sciagraph::dump::meta::kEndedKilled);
    CHECK(d.meta_value(kMetaFromRecord) == "1");

    Error error;
    const auto trees = build_trees(d, error);
    REQUIRE(trees);
    CHECK(trees->memory->total0(CallTree::kRoot) == 100001000);
    CHECK(trees->time->total0(CallTree::kRoot) == 1750000);
    CHECK(trees->time->total1(CallTree::kRoot) == 850000);
}

TEST_CASE("record_reader: the peak breakdown follows the generation and the totals", "[report]")
{
    auto b = sample_record();
    SECTION("an even generation: buffer 0")
    {
        b.header.snapshot_generation = 4;
        const DumpResult r = parse(b.bytes());
        REQUIRE(r.dump);
        CHECK(total(r.dump->memory_peak) == 70000001);
        CHECK(r.dump->meta_value("peak_sampled_bytes") == "80000000");
    }
    SECTION("died above the snapshot's total: the live column, negative values skipped")
    {
        b.header.live_bytes = b.header.snapshot_total[1];
        const DumpResult r = parse(b.bytes());
        REQUIRE(r.dump);
        CHECK(r.dump->memory_peak.size() == 3);
        CHECK(total(r.dump->memory_peak) == 52000000);
        CHECK(r.dump->meta_value("peak_sampled_bytes") == "52000000");
    }
    SECTION("no snapshot yet: the live column")
    {
        b.header.snapshot_generation = 0;
        const DumpResult r = parse(b.bytes());
        REQUIRE(r.dump);
        CHECK(total(r.dump->memory_peak) == 52000000);
        CHECK(r.dump->meta_value("peak_sampled_bytes") == "52000000");
        CHECK(total(r.dump->time_cpu) == 1750000);  // time does not depend on it
    }
    SECTION("no sampled bytes at all")
    {
        b.header.snapshot_generation = 0;
        for (uint32_t id = 1; id <= 6; ++id) {
            b.slot(id).live = 0;
        }
        const DumpResult r = parse(b.bytes());
        REQUIRE(r.dump);
        CHECK(r.dump->memory_peak.empty());
        CHECK(r.dump->meta_value("peak_sampled_bytes") == "0");
    }
    SECTION("negative totals read as 0")
    {
        b.header.peak_bytes = -5;
        b.header.live_bytes = -10;  // below the snapshot's total: the snapshot is the peak
        b.header.snapshot_total[1] = -7;
        const DumpResult r = parse(b.bytes());
        REQUIRE(r.dump);
        CHECK(r.dump->meta_value("peak_bytes") == "0");
        CHECK(r.dump->meta_value("current_bytes") == "0");
        CHECK(r.dump->meta_value("peak_sampled_bytes") == "0");
    }
    SECTION("a clock that went back gives 0 wall seconds")
    {
        b.header.updated_monotonic_ns = 5;
        const DumpResult r = parse(b.bytes());
        REQUIRE(r.dump);
        CHECK(r.dump->meta_value("wall_seconds") == "0.000000");
    }
}

TEST_CASE("record_reader: the job's columns are each stack's part above its fork base", "[report]")
{
    auto b = sample_record();
    SECTION("a fork child: only what it added counts")
    {
        b.slot(1).live = 5000;
        b.slot(1).fork_base = 3000;
        b.slot(2).live = 100;
        b.slot(2).fork_base = 400;  // freed some of what it inherited: no part, not negative
        b.slot(3).at_job_peak = 777;
        b.header.job_fork_base = 1000;
        b.header.live_bytes = 1500;
        b.header.peak_bytes = 900;
        const DumpResult r = parse(b.bytes());
        REQUIRE(r.dump);
        const Dump& d = *r.dump;
        CHECK(std::count_if(d.job_live.begin(), d.job_live.end(),
                            [](const auto& s) { return s.stack == 1 && s.value == 2000; }) == 1);
        CHECK(std::none_of(d.job_live.begin(), d.job_live.end(),
                           [](const auto& s) { return s.stack == 2; }));
        REQUIRE(d.job_peak.size() == 1);
        CHECK(d.job_peak[0].value == 777);
        CHECK(d.meta_value("job_fork_base_bytes") == "1000");
        REQUIRE(d.timeline.size() == 1);
        CHECK(d.timeline[0].part == 500);
        CHECK(d.timeline[0].high == 500);  // the peak was below the base: the part is the high
    }
    SECTION("damaged counters far apart read without overflow")
    {
        // Found by fuzzing: live 1 over a base of INT64_MIN overflowed a signed subtraction.
        b.slot(1).live = 1;
        b.slot(1).fork_base = INT64_MIN;
        b.slot(2).live = INT64_MAX;
        b.slot(2).fork_base = INT64_MIN;
        b.header.job_fork_base = INT64_MIN;
        b.header.live_bytes = INT64_MAX;
        b.header.peak_bytes = INT64_MAX;
        const DumpResult r = parse(b.bytes());
        REQUIRE(r.dump);
        const Dump& d = *r.dump;
        for (const auto& s : d.job_live) {
            if (s.stack == 1) {
                CHECK(s.value == (1ull << 63) + 1);
            }
            if (s.stack == 2) {
                CHECK(s.value == UINT64_MAX);
            }
        }
        REQUIRE(d.timeline.size() == 1);
        CHECK(d.timeline[0].part == INT64_MAX);
        CHECK(d.timeline[0].high == INT64_MAX);
        CHECK(d.meta_value("job_fork_base_bytes") == "0");
    }
}

TEST_CASE("record_reader: stacks over several blocks", "[report]")
{
    RecordBuilder b;
    b.frame("recurse", "r.py", 3).frame("step", "r.py", 9);
    for (uint32_t id = 1; id <= 2500; ++id) {
        b.stack(id - 1, 1 + id % 2, {0, 0, 0, id == 2500 ? 77u : 0u, 0});
    }
    b.slot(1500).live = 4096;  // no snapshot taken: the live column is the peak
    const auto bytes = b.bytes();
    const DumpResult r = parse(bytes);
    REQUIRE(r.dump);
    CHECK(r.dump->warnings.empty());
    REQUIRE(r.dump->stacks.size() == 2500);
    CHECK(r.dump->stacks[2499].parent == 2499);
    CHECK(r.dump->stacks[1023].frame == 0);  // id 1024, the first of block 1: frame 1
    REQUIRE(r.dump->memory_peak.size() == 1);
    CHECK(r.dump->memory_peak[0].stack == 1500);
    REQUIRE(r.dump->time_cpu.size() == 1);
    CHECK(r.dump->time_cpu[0].stack == 2500);
    Error error;
    const auto trees = build_trees(*r.dump, error);
    REQUIRE(trees);
    CHECK(trees->time->total0(CallTree::kRoot) == 77);

    SECTION("stack_count short of the blocks: only the covered ids")
    {
        auto fewer = bytes;
        RecordBuilder::poke(fewer, offsetof(Header, stack_count), uint32_t{1200});
        const DumpResult f = parse(fewer);
        REQUIRE(f.dump);
        CHECK(f.dump->stacks.size() == 1200);
        CHECK(f.dump->memory_peak.empty());  // stack 1500's bytes are past it
        CHECK(f.dump->time_cpu.empty());
        CHECK(f.dump->warnings.empty());
    }
    SECTION("stack_count past the blocks: the rest dropped, with a warning")
    {
        auto more = bytes;
        RecordBuilder::poke(more, offsetof(Header, stack_count), uint32_t{0xFFFFFFFF});
        const DumpResult m = parse(more);
        REQUIRE(m.dump);
        // Three blocks hold ids up to 3071; 2501 on were never written (frame 0).
        CHECK(m.dump->stacks.size() == 2500);
        CHECK(any_warning_has(*m.dump, "past the stack blocks"));
        CHECK(any_warning_has(*m.dump, "stack 2501 (parent 0, frame 0 of 2)"));
        CHECK(trie_is_valid(*m.dump));
    }
}

TEST_CASE("record_reader: a block out of its place ends the log there", "[report]")
{
    RecordBuilder b;
    b.frame("f", "a.py", 1).stack(0, 1, {0, 0, 0, 5, 0});
    std::vector<unsigned char> block;
    RecordBuilder::put(block, sciagraph::record::kStacksPerBlock * 2);  // block 2 where 1 is due
    RecordBuilder::put(block, sciagraph::record::kStacksPerBlock);
    block.resize(sciagraph::record::kStackBlockPayload);
    b.record(Kind::StackBlock, block).frame("g", "a.py", 2);
    const DumpResult r = parse(b.bytes());
    REQUIRE(r.dump);
    CHECK(r.dump->frames.size() == 1);  // the frame after the bad block is not read
    CHECK(r.dump->stacks.size() == 1);
    CHECK(any_warning_has(*r.dump, "was due"));
}

TEST_CASE("record_reader: a stack that breaks the trie ends the valid stacks", "[report]")
{
    auto b = sample_record();
    std::string expect;
    SECTION("a forward parent")
    {
        b.slot(4).parent = 5;
        expect = "parent 5";
    }
    SECTION("its own id as parent")
    {
        b.slot(4).parent = 4;
        expect = "parent 4";
    }
    SECTION("an unknown frame")
    {
        b.slot(4).frame = 9;
        expect = "frame 9 of 6";
    }
    SECTION("frame 0: a slot never written")
    {
        b.slot(4).frame = 0;
        expect = "frame 0";
    }
    const DumpResult r = parse(b.bytes());
    REQUIRE(r.dump);
    CHECK(r.dump->stacks.size() == 3);
    CHECK(any_warning_has(*r.dump, "stack 4 ("));
    CHECK(any_warning_has(*r.dump, expect));
    CHECK(any_warning_has(*r.dump, "2 stacks after it were dropped"));
    CHECK(trie_is_valid(*r.dump));
    Error error;
    CHECK(build_trees(*r.dump, error));
}

TEST_CASE("record_reader: how the process ended", "[report]")
{
    auto b = sample_record();
    SECTION("killed while recording")
    {
        b.header.state = static_cast<uint32_t>(State::Recording);
        CHECK(parse(b.bytes()).dump->meta_value("ended") == "killed while recording");
    }
    SECTION("reached _exit with a status")
    {
        b.header.state = static_cast<uint32_t>(State::Exited);
        b.header.has_exit_status = 1;
        b.header.exit_status = 3;
        CHECK(parse(b.bytes()).dump->meta_value("ended") == "exit 3");
    }
    SECTION("reached exit without one")
    {
        b.header.state = static_cast<uint32_t>(State::Exited);
        b.header.exit_status = 3;  // not valid without has_exit_status
        CHECK(parse(b.bytes()).dump->meta_value("ended") == "exit");
    }
    SECTION("a state of a newer writer")
    {
        b.header.state = 7;
        const DumpResult r = parse(b.bytes());
        REQUIRE(r.dump);
        CHECK_FALSE(r.dump->meta_value("ended"));
        CHECK(any_warning_has(*r.dump, "state 7"));
    }
}

TEST_CASE("record_reader: a disabled profile says why", "[report]")
{
    auto b = sample_record();
    SECTION("a reason")
    {
        const char reason[] = "stack table full";
        std::memcpy(b.header.disabled_reason, reason, sizeof reason);
        const DumpResult r = parse(b.bytes());
        REQUIRE(r.dump);
        CHECK(r.dump->meta_value("status") == "disabled");
        CHECK(r.dump->meta_value("disabled_reason") == "stack table full");
    }
    SECTION("a reason with no NUL is cut at its field's end")
    {
        std::memset(b.header.disabled_reason, 'x', sizeof b.header.disabled_reason);
        const DumpResult r = parse(b.bytes());
        REQUIRE(r.dump);
        CHECK(r.dump->meta_value("status") == "disabled");
        CHECK(r.dump->meta_value("disabled_reason") == std::string(256, 'x'));
    }
}

TEST_CASE("record_reader: meta records, and kinds of newer writers skipped", "[report]")
{
    RecordBuilder b(42, 7);
    b.meta("mode", "memory");
    b.record(static_cast<Kind>(99), {1, 2, 3});  // padded to 8: the next record still lines up
    b.meta("python_version", "3.13.1").meta("pid", "999");
    b.frame("f", "a.py", 1).stack(0, 1);
    const DumpResult r = parse(b.bytes());
    REQUIRE(r.dump);
    CHECK(r.dump->warnings.empty());
    CHECK(r.dump->meta_value("mode") == "memory");
    CHECK(r.dump->meta_value("python_version") == "3.13.1");
    CHECK(r.dump->meta_value("pid") == "42");  // the header's own fields win
    CHECK(r.dump->stacks.size() == 1);
}

TEST_CASE("record_reader: damage inside the log keeps what came before", "[report]")
{
    RecordBuilder b;
    b.frame("f", "a.py", 1).stack(0, 1, {0, 0, 0, 5, 0});
    std::string expect;
    SECTION("a size past log_end, never allocated")
    {
        b.head_only(Kind::Meta, 0xFFFFFFF0);
        expect = "runs past the log's end";
    }
    SECTION("a meta record whose strings do not fit")
    {
        std::vector<unsigned char> p;
        RecordBuilder::put(p, uint32_t{0x7FFFFFFF});
        b.record(Kind::Meta, p);
        expect = "does not match its size";
    }
    SECTION("a frame id out of order")
    {
        b.frame("g", "a.py", 2, 0, 5);
        expect = "frame id 5 where 2 was due";
    }
    SECTION("a frame with bytes left over")
    {
        std::vector<unsigned char> p;
        for (uint32_t v : {2u, 1u, 0u, 0u, 0u, 0u}) {
            RecordBuilder::put(p, v);
        }
        b.record(Kind::Frame, p);
        expect = "does not match its size";
    }
    b.meta("mode", "time");  // after the damage: not read
    const DumpResult r = parse(b.bytes());
    REQUIRE(r.dump);
    CHECK_FALSE(r.dump->truncated);
    CHECK(any_warning_has(*r.dump, expect));
    CHECK(r.dump->frames.size() == 1);
    CHECK(r.dump->stacks.size() == 1);
    CHECK(r.dump->time_cpu.size() == 1);
    CHECK_FALSE(r.dump->meta_value("mode"));
}

TEST_CASE("record_reader: log_end cutting a record, and a file longer than its log", "[report]")
{
    auto b = sample_record();
    b.pad_to = 1 << 17;  // the core's file is longer than its log; the rest is zeros
    const auto padded = b.bytes();
    const DumpResult whole = parse(padded);
    REQUIRE(whole.dump);
    CHECK_FALSE(whole.dump->truncated);
    CHECK(whole.dump->stacks.size() == 6);

    // log_end 4 bytes short of the stack block's end: the frames before it are kept, no stack.
    uint64_t log_end = 0;
    std::memcpy(&log_end, padded.data() + offsetof(Header, log_end), sizeof log_end);
    auto cut = padded;
    RecordBuilder::poke(cut, offsetof(Header, log_end), log_end - 4);
    const DumpResult r = parse(cut);
    REQUIRE(r.dump);
    CHECK_FALSE(r.dump->truncated);
    CHECK(r.dump->frames.size() == 6);
    CHECK(r.dump->stacks.empty());
    CHECK(any_warning_has(*r.dump, "runs past the log's end"));
    CHECK(any_warning_has(*r.dump, "past the stack blocks"));
}

TEST_CASE("record_reader: refuses what is not a usable record", "[report]")
{
    const auto good = sample_record().bytes();
    CHECK(parse({}).error.status == ExitStatus::Unreadable);
    CHECK(parse({'S', 'C', 'I', 'A', 'G', 'R'}).error.status == ExitStatus::Corrupt);
    CHECK(parse_prefix(good, sizeof(Header) - 1).error.status == ExitStatus::Corrupt);
    auto bad_magic = good;
    bad_magic[7] = 'X';
    CHECK(parse(bad_magic).error.status == ExitStatus::Corrupt);
    for (uint32_t version : {0u, 1u, 3u, 0xFFFFFFFFu}) {
        auto v = good;
        RecordBuilder::poke(v, offsetof(Header, version), version);
        const DumpResult r = parse(v);
        CHECK(r.error.status == ExitStatus::Incompatible);
        CHECK(r.error.message.find("version " + std::to_string(version)) != std::string::npos);
    }
    for (uint32_t header_size : {0u, uint32_t{sizeof(Header) - 8}, 4097u}) {
        auto h = good;
        RecordBuilder::poke(h, offsetof(Header, header_size), header_size);
        CHECK(parse(h).error.status == ExitStatus::Corrupt);
    }
    auto huge = good;
    RecordBuilder::poke(huge, offsetof(Header, log_end), sciagraph::record::kMaxLogBytes + 8);
    CHECK(parse(huge).error.status == ExitStatus::Corrupt);
}

TEST_CASE("record_reader: tells records from dumps by their magic", "[report]")
{
    const auto record = sample_record().bytes();
    const auto dump = sciagraph::report::testing::sample_dump().bytes();
    CHECK(looks_like_record(record.data(), record.size()));
    CHECK(looks_like_record(record.data(), 6));
    CHECK_FALSE(looks_like_record(record.data(), 5));  // "SCIAG" starts a dump too
    CHECK_FALSE(looks_like_record(dump.data(), dump.size()));
    CHECK_FALSE(looks_like_dump(record.data(), record.size()));
}

TEST_CASE("record_reader: read_dump_file reads records whatever their name", "[report]")
{
    sciagraph::testing::TempDir dir;
    const std::string bytes = sample_record(5).str();
    for (const char* name : {"5.sgrec", "5.sgdump", "5"}) {
        std::ofstream(dir.path / name, std::ios::binary) << bytes;
        const DumpResult r = read_dump_file(dir.path / name);
        REQUIRE(r.dump);
        CHECK(r.dump->meta_value("record") == "1");
    }
    std::ofstream(dir.path / "6.sgrec", std::ios::binary) << "SCIA";
    const DumpResult short_record = read_dump_file(dir.path / "6.sgrec");
    CHECK(short_record.error.status == ExitStatus::Corrupt);
    CHECK(short_record.error.message.find("6.sgrec: not a sciagraph record") == 0);
}

TEST_CASE("record_reader: any cut reads or fails cleanly", "[report]")
{
    const auto bytes = sample_record().bytes();
    size_t last_stacks = 0;
    for (size_t cut = 0; cut <= bytes.size(); ++cut) {
        const DumpResult r = parse_prefix(bytes, cut);
        INFO("cut at " << cut);
        if (cut < sizeof(Header)) {
            REQUIRE_FALSE(r.dump);
            CHECK(r.error.status != ExitStatus::Ok);
            continue;
        }
        REQUIRE(r.dump);  // the header alone is a (small) profile
        CHECK(r.dump->truncated == (cut < bytes.size()));
        CHECK(r.dump->meta_value("peak_bytes") == "104857600");
        CHECK(trie_is_valid(*r.dump));
        CHECK(r.dump->stacks.size() >= last_stacks);  // a longer file never reads less
        last_stacks = r.dump->stacks.size();
        Error error;
        CHECK(build_trees(*r.dump, error));
    }
    CHECK(last_stacks == 6);
}

TEST_CASE("record_reader: any damage reads or fails cleanly", "[report]")
{
    auto b = sample_record();
    b.pad_to = sciagraph::record::kHeaderBytes + 52000;
    const auto bytes = b.bytes();
    rc::prop("flips", [&] {
        auto damaged = bytes;
        const auto flips = *rc::gen::inRange(1, 8);
        for (int i = 0; i < flips; ++i) {
            // Mostly in the header's fields and the log's heads, where a flip changes structure.
            const size_t at = *rc::gen::oneOf(rc::gen::inRange<size_t>(0, sizeof(Header)),
                                              rc::gen::inRange<size_t>(0, damaged.size()));
            damaged[at] ^= static_cast<unsigned char>(1u << *rc::gen::inRange(0, 8));
        }
        const DumpResult r = parse(damaged);
        RC_ASSERT(r.dump.has_value() != (r.error.status != ExitStatus::Ok));
        if (r.dump) {
            RC_ASSERT(trie_is_valid(*r.dump));
            Error error;
            RC_ASSERT(build_trees(*r.dump, error).has_value());
        }
    });
    rc::prop("random log", [] {
        RecordBuilder head;
        auto file = head.bytes();
        const auto log =
            *rc::gen::container<std::vector<unsigned char>>(rc::gen::arbitrary<unsigned char>());
        file.insert(file.end(), log.begin(), log.end());
        RecordBuilder::poke(file, offsetof(Header, log_end), uint64_t{log.size()});
        RecordBuilder::poke(file, offsetof(Header, stack_count), *rc::gen::arbitrary<uint32_t>());
        const DumpResult r = parse(file);
        RC_ASSERT(r.dump.has_value());
        RC_ASSERT(trie_is_valid(*r.dump));
    });
}
