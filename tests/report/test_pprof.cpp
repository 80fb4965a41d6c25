// tests/report/test_pprof.cpp — the pprof export (report/write/pprof.h), read back by a small
// protobuf decoder written here from profile.proto: the string table, the sample types, each
// type's stacks and values against the folded files of the same tree, and the links between
// samples, locations and functions.
#include "dump_builder.h"
#include "dump_to_tree.h"
#include "folded_reader.h"
#include "folded_writer.h"
#include "pprof.h"
#include "report/report.h"
#include "sample_trees.h"
#include "tests/temp_dir.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <zlib.h>

using namespace sciagraph::report;
using sciagraph::report::testing::sample_trees;
namespace fs = std::filesystem;

namespace {

// --- a protobuf reader: varints and length-delimited fields, as profile.proto uses them -------

struct Field {
    uint32_t number = 0;
    uint32_t wire = 0;
    uint64_t varint = 0;
    std::string_view bytes;
};

uint64_t read_varint(std::string_view& in)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        REQUIRE(!in.empty());
        const auto b = static_cast<unsigned char>(in.front());
        in.remove_prefix(1);
        v |= static_cast<uint64_t>(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            return v;
        }
    }
    FAIL("varint longer than 10 bytes");
    return 0;
}

std::vector<Field> read_fields(std::string_view in)
{
    std::vector<Field> fields;
    while (!in.empty()) {
        const uint64_t key = read_varint(in);
        Field f;
        f.number = static_cast<uint32_t>(key >> 3);
        f.wire = static_cast<uint32_t>(key & 7);
        REQUIRE(f.number > 0);
        if (f.wire == 0) {
            f.varint = read_varint(in);
        } else {
            REQUIRE(f.wire == 2);  // the only other wire type profile.proto needs
            const uint64_t size = read_varint(in);
            REQUIRE(size <= in.size());
            f.bytes = in.substr(0, size);
            in.remove_prefix(size);
        }
        fields.push_back(f);
    }
    return fields;
}

// A repeated varint field, packed or not.
void append_repeated(const Field& f, std::vector<uint64_t>& out)
{
    if (f.wire == 0) {
        out.push_back(f.varint);
        return;
    }
    std::string_view packed = f.bytes;
    while (!packed.empty()) {
        out.push_back(read_varint(packed));
    }
}

struct Decoded {
    std::vector<std::string> strings;
    std::vector<std::pair<uint64_t, uint64_t>> sample_types;  // (type, unit) string indices
    struct Sample {
        std::vector<uint64_t> locations;  // leaf first
        std::vector<uint64_t> values;
    };
    std::vector<Sample> samples;
    struct Line {
        uint64_t function = 0;
        uint64_t line = 0;
    };
    std::vector<std::pair<uint64_t, std::vector<Line>>> locations;  // (id, lines)
    std::vector<uint64_t> location_mappings;                        // each location's
    struct Mapping {
        uint64_t id = 0, has_functions = 0, has_filenames = 0, has_line_numbers = 0;
    };
    std::vector<Mapping> mappings;
    struct Function {
        uint64_t id = 0, name = 0, system_name = 0, filename = 0, start_line = 0;
    };
    std::vector<Function> functions;
    uint64_t time_nanos = 0, duration_nanos = 0, period = 0, default_sample_type = 0;
    std::pair<uint64_t, uint64_t> period_type{0, 0};
    std::vector<uint64_t> comments;

    const std::string& str(uint64_t i) const
    {
        REQUIRE(i < strings.size());
        return strings[i];
    }
    size_t type_index(const std::string& type) const
    {
        for (size_t i = 0; i < sample_types.size(); ++i) {
            if (str(sample_types[i].first) == type) {
                return i;
            }
        }
        FAIL("no sample type " << type);
        return 0;
    }
};

Decoded decode(std::string_view message)
{
    Decoded d;
    for (const Field& f : read_fields(message)) {
        switch (f.number) {
        case 1: {
            std::pair<uint64_t, uint64_t> t{0, 0};
            for (const Field& g : read_fields(f.bytes)) {
                (g.number == 1 ? t.first : t.second) = g.varint;
            }
            d.sample_types.push_back(t);
            break;
        }
        case 2: {
            Decoded::Sample s;
            for (const Field& g : read_fields(f.bytes)) {
                REQUIRE((g.number == 1 || g.number == 2));
                append_repeated(g, g.number == 1 ? s.locations : s.values);
            }
            d.samples.push_back(s);
            break;
        }
        case 3: {
            Decoded::Mapping m;
            for (const Field& g : read_fields(f.bytes)) {
                REQUIRE((g.number == 1 || (g.number >= 7 && g.number <= 9)));
                (g.number == 1   ? m.id
                 : g.number == 7 ? m.has_functions
                 : g.number == 8 ? m.has_filenames
                                 : m.has_line_numbers) = g.varint;
            }
            d.mappings.push_back(m);
            break;
        }
        case 4: {
            std::pair<uint64_t, std::vector<Decoded::Line>> l;
            uint64_t mapping = 0;
            for (const Field& g : read_fields(f.bytes)) {
                if (g.number == 1) {
                    l.first = g.varint;
                } else if (g.number == 2) {
                    mapping = g.varint;
                } else {
                    REQUIRE(g.number == 4);
                    Decoded::Line line;
                    for (const Field& h : read_fields(g.bytes)) {
                        (h.number == 1 ? line.function : line.line) = h.varint;
                    }
                    l.second.push_back(line);
                }
            }
            d.locations.push_back(l);
            d.location_mappings.push_back(mapping);
            break;
        }
        case 5: {
            Decoded::Function fn;
            for (const Field& g : read_fields(f.bytes)) {
                uint64_t* slot[] = {nullptr,         &fn.id,       &fn.name,
                                    &fn.system_name, &fn.filename, &fn.start_line};
                REQUIRE(g.number <= 5);
                *slot[g.number] = g.varint;
            }
            d.functions.push_back(fn);
            break;
        }
        case 6:
            d.strings.emplace_back(f.bytes);
            break;
        case 9:
            d.time_nanos = f.varint;
            break;
        case 10:
            d.duration_nanos = f.varint;
            break;
        case 11:
            for (const Field& g : read_fields(f.bytes)) {
                (g.number == 1 ? d.period_type.first : d.period_type.second) = g.varint;
            }
            break;
        case 12:
            d.period = f.varint;
            break;
        case 13:
            append_repeated(f, d.comments);
            break;
        case 14:
            d.default_sample_type = f.varint;
            break;
        default:
            FAIL("unexpected field " << f.number);
        }
    }
    return d;
}

// What pprof's CheckValid requires, and what this export promises beyond it: "" first, ids
// nonzero and unique, every sample's values one per type, every id resolvable, one line per
// location, one symbolised mapping. Returns each location's frame as the folded files name it.
std::map<uint64_t, std::string> check_valid(const Decoded& d)
{
    REQUIRE_FALSE(d.strings.empty());
    CHECK(d.strings[0].empty());
    REQUIRE(d.mappings.size() == 1);
    CHECK(d.mappings[0].id == 1);
    CHECK(d.mappings[0].has_functions == 1);
    CHECK(d.mappings[0].has_filenames == 1);
    CHECK(d.mappings[0].has_line_numbers == 1);
    for (const uint64_t m : d.location_mappings) {
        CHECK(m == 1);
    }
    std::map<uint64_t, const Decoded::Function*> functions;
    for (const auto& f : d.functions) {
        CHECK(f.id != 0);
        CHECK(functions.emplace(f.id, &f).second);
        CHECK(f.system_name == 0);  // see pprof.h
        CHECK(f.start_line == 0);
        CHECK(f.filename < d.strings.size());
    }
    std::map<uint64_t, std::string> frame_of;
    for (const auto& [id, lines] : d.locations) {
        CHECK(id != 0);
        REQUIRE(lines.size() == 1);
        const auto fn = functions.find(lines[0].function);
        REQUIRE(fn != functions.end());
        std::string frame = d.str(fn->second->name);
        if (fn->second->filename != 0) {
            frame += " (" + d.str(fn->second->filename) + ":" + std::to_string(lines[0].line) + ")";
        } else {
            CHECK(lines[0].line == 0);  // a pseudo-frame
        }
        CHECK(frame_of.emplace(id, frame).second);
    }
    for (const auto& s : d.samples) {
        CHECK(s.values.size() == d.sample_types.size());
        CHECK_FALSE(s.locations.empty());
        for (const uint64_t l : s.locations) {
            CHECK(frame_of.count(l) == 1);
        }
    }
    return frame_of;
}

// One sample type's stacks as folded text, lines sorted (folded files come in tree order).
std::string folded_of(const Decoded& d, const std::string& type, uint64_t divide = 1)
{
    const auto frame_of = check_valid(d);
    const size_t index = d.type_index(type);
    std::map<std::string, uint64_t> stacks;
    for (const auto& s : d.samples) {
        if (s.values[index] == 0) {
            continue;
        }
        std::string stack;
        for (auto it = s.locations.rbegin(); it != s.locations.rend(); ++it) {
            stack += stack.empty() ? "" : ";";
            stack += frame_of.at(*it);
        }
        CHECK(s.values[index] % divide == 0);
        stacks[stack] += s.values[index] / divide;
    }
    std::string out;
    for (const auto& [stack, value] : stacks) {
        out += stack + " " + std::to_string(value) + "\n";
    }
    return out;
}

std::string sorted_lines(const std::string& text)
{
    std::multiset<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.insert(line + "\n");
    }
    std::string out;
    for (const auto& l : lines) {
        out += l;
    }
    return out;
}

uint64_t total_of(const Decoded& d, const std::string& type)
{
    uint64_t sum = 0;
    for (const auto& s : d.samples) {
        sum += s.values[d.type_index(type)];
    }
    return sum;
}

std::string gunzip(const std::string& data)
{
    z_stream z{};
    REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    std::string out;
    char buffer[65536];
    int status = Z_OK;
    while (status == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(buffer);
        z.avail_out = sizeof buffer;
        status = inflate(&z, Z_NO_FLUSH);
        out.append(buffer, sizeof buffer - z.avail_out);
    }
    inflateEnd(&z);
    REQUIRE(status == Z_STREAM_END);
    CHECK(z.avail_in == 0);
    return out;
}

std::unique_ptr<CallTree> tree_of(const std::string& folded)
{
    auto text = std::make_shared<std::string>(folded);
    FoldedResult r = parse_folded(*text, text);
    REQUIRE(r.tree);
    return std::move(r.tree);
}

std::string read(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("pprof: memory and time of a dump, as their folded files say", "[report][pprof]")
{
    const DumpTrees trees = sample_trees();
    PprofInput in;
    in.memory = trees.memory.get();
    in.time = trees.time.get();
    in.memory_interval_bytes = 1048576;
    in.time_hz = 100;
    in.time_nanos = 1700000000123456789;
    in.duration_nanos = 2500000000;
    in.comments = {"sciagraph 9.9.9", "pid 100: python job.py"};
    const Decoded d = decode(encode_pprof(in));

    REQUIRE(d.sample_types.size() == 3);
    CHECK(d.str(d.sample_types[0].first) == "inuse_space");
    CHECK(d.str(d.sample_types[0].second) == "bytes");
    CHECK(d.str(d.sample_types[1].first) == "cpu");
    CHECK(d.str(d.sample_types[1].second) == "nanoseconds");
    CHECK(d.str(d.sample_types[2].first) == "wait");
    CHECK(d.str(d.sample_types[2].second) == "nanoseconds");
    CHECK(d.str(d.default_sample_type) == "inuse_space");
    CHECK(d.str(d.period_type.first) == "space");
    CHECK(d.str(d.period_type.second) == "bytes");
    CHECK(d.period == 1048576);
    CHECK(d.time_nanos == 1700000000123456789u);
    CHECK(d.duration_nanos == 2500000000u);
    REQUIRE(d.comments.size() == 2);
    CHECK(d.str(d.comments[1]) == "pid 100: python job.py");

    CHECK(total_of(d, "inuse_space") == trees.memory->total0(CallTree::kRoot));
    CHECK(total_of(d, "cpu") == trees.time->total0(CallTree::kRoot) * 1000);
    CHECK(total_of(d, "wait") == trees.time->total1(CallTree::kRoot) * 1000);
    CHECK(folded_of(d, "inuse_space") ==
          sorted_lines(render_folded(*trees.memory, FoldedMetric::First)));
    CHECK(folded_of(d, "cpu", 1000) ==
          sorted_lines(render_folded(*trees.time, FoldedMetric::First)));
    CHECK(folded_of(d, "wait", 1000) ==
          sorted_lines(render_folded(*trees.time, FoldedMetric::Second)));

    // One location per distinct frame, one function per (function, file): memory and time share
    // them. The sample dump has 6 frames, `load` and `<module>` of job.py among them.
    CHECK(d.locations.size() == 6);
    CHECK(d.functions.size() == 6);
    const auto pseudo = std::find_if(d.functions.begin(), d.functions.end(), [&](const auto& f) {
        return d.str(f.name) == "[no Python frame]";
    });
    REQUIRE(pseudo != d.functions.end());
    CHECK(pseudo->filename == 0);
    const auto parse = std::find_if(d.functions.begin(), d.functions.end(),
                                    [&](const auto& f) { return d.str(f.name) == "parse"; });
    REQUIRE(parse != d.functions.end());
    CHECK(d.str(parse->filename) == "/usr/lib/python3.11/json/decoder.py");
}

TEST_CASE("pprof: a time-only profile has the CPU period, a folded input counts samples",
          "[report][pprof]")
{
    const DumpTrees trees = sample_trees();
    PprofInput in;
    in.time = trees.time.get();
    in.time_hz = 250;
    const Decoded d = decode(encode_pprof(in));
    REQUIRE(d.sample_types.size() == 2);
    CHECK(d.str(d.default_sample_type) == "cpu");
    CHECK(d.str(d.period_type.first) == "cpu");
    CHECK(d.str(d.period_type.second) == "nanoseconds");
    CHECK(d.period == 4000000);
    CHECK(d.time_nanos == 0);  // unknown: left out
    CHECK(d.comments.empty());
    check_valid(d);

    const auto t = tree_of("main;work 10\nmain;idle 5\nmain 1\n");
    PprofInput folded;
    folded.samples = t.get();
    const Decoded f = decode(encode_pprof(folded));
    REQUIRE(f.sample_types.size() == 1);
    CHECK(f.str(f.sample_types[0].first) == "samples");
    CHECK(f.str(f.sample_types[0].second) == "count");
    CHECK(f.str(f.default_sample_type) == "samples");
    CHECK(folded_of(f, "samples") == "main 1\nmain;idle 5\nmain;work 10\n");

    // Nothing at all: a valid, empty profile.
    const Decoded empty = decode(encode_pprof({}));
    CHECK(empty.strings == std::vector<std::string>{""});
    CHECK(empty.samples.empty());
    check_valid(empty);
}

TEST_CASE("pprof: gzip framing, deterministic, reads back", "[report][pprof]")
{
    const DumpTrees trees = sample_trees();
    PprofInput in;
    in.memory = trees.memory.get();
    in.time = trees.time.get();
    const std::string gz = render_pprof(in);
    REQUIRE(gz.size() > 18);
    CHECK(static_cast<unsigned char>(gz[0]) == 0x1f);
    CHECK(static_cast<unsigned char>(gz[1]) == 0x8b);
    CHECK(gz.substr(4, 4) == std::string(4, '\0'));  // no time stamp
    CHECK(render_pprof(in) == gz);
    CHECK(gunzip(gz) == encode_pprof(in));
    // A larger input than one deflate buffer's worth.
    std::string big(3 << 20, 'x');
    for (size_t i = 0; i < big.size(); i += 7) {
        big[i] = static_cast<char>(i * 31);
    }
    CHECK(gunzip(gzip_compress(big)) == big);
    CHECK(gunzip(gzip_compress("")).empty());
}

TEST_CASE("pprof: any tree reads back as its folded stacks", "[report][pprof]")
{
    const char* const names[] = {"main (job.py:1)",    "f (job.py:10)",   "f (lib.py:10)",
                                 "f (job.py:11)",      "[native thread]", "g (a (b):3)",
                                 "python3 x [pid 12]", "h (x.py:0)"};
    rc::prop("totals per type and stacks equal the tree's", [&] {
        const auto lines = *rc::gen::container<std::vector<std::pair<std::vector<int>, uint32_t>>>(
            rc::gen::pair(rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 8)),
                          rc::gen::inRange<uint32_t>(0, 1000000)));
        std::string text;
        for (const auto& [frames, value] : lines) {
            if (frames.empty()) {
                continue;
            }
            std::string stack;
            for (const int f : frames) {
                stack += stack.empty() ? "" : ";";  // not ";" + name: GCC 12 warns (-Wrestrict)
                stack += names[f];
            }
            text += stack + " " + std::to_string(value) + "\n";
        }
        auto source = std::make_shared<std::string>(text);
        FoldedResult r = parse_folded(*source, source);
        RC_PRE(static_cast<bool>(r.tree));
        PprofInput in;
        in.memory = r.tree.get();
        in.time = r.tree.get();
        const Decoded d = decode(encode_pprof(in));
        RC_ASSERT(total_of(d, "inuse_space") == r.tree->weight(CallTree::kRoot));
        RC_ASSERT(total_of(d, "cpu") == r.tree->total0(CallTree::kRoot) * 1000);
        RC_ASSERT(folded_of(d, "inuse_space") ==
                  sorted_lines(render_folded(*r.tree, FoldedMetric::Both)));
        std::set<uint64_t> ids;
        for (const auto& [id, lines_of] : d.locations) {
            RC_ASSERT(ids.insert(id).second);
        }
    });
}

TEST_CASE("render_path: profile.pb.gz only when asked for", "[report][pprof]")
{
    sciagraph::testing::TempDir dir;
    {
        std::ofstream(dir.path / "in.sgdump", std::ios::binary) << testing::sample_dump(7, 1).str();
    }
    REQUIRE(render_path(dir.path / "in.sgdump", dir.path / "all", {}).ok);
    CHECK(fs::exists(dir.path / "all/index.html"));
    CHECK_FALSE(fs::exists(dir.path / "all/profile.pb.gz"));

    RenderOptions options;
    options.formats = {Format::Pprof};
    REQUIRE(render_path(dir.path / "in.sgdump", dir.path / "pprof", options).ok);
    CHECK_FALSE(fs::exists(dir.path / "pprof/index.html"));
    const Decoded d = decode(gunzip(read(dir.path / "pprof/profile.pb.gz")));
    CHECK(d.sample_types.size() == 3);  // the sample dump's mode is "both"
    CHECK(total_of(d, "inuse_space") == 100001000);
    CHECK(total_of(d, "cpu") == 1750000000);
    CHECK(total_of(d, "wait") == 850000000);
    CHECK(d.period == 1048576);
    CHECK(parse_format("pprof") == Format::Pprof);
}
