// report/write/pprof.cpp — see pprof.h. Field numbers are profile.proto's.
#include "pprof.h"

#include "text.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include <zlib.h>

namespace sciagraph::report {
namespace {

// profile.proto's field numbers.
namespace field {
// Profile
constexpr uint32_t kSampleType = 1;
constexpr uint32_t kSample = 2;
constexpr uint32_t kMapping = 3;
constexpr uint32_t kLocation = 4;
constexpr uint32_t kFunction = 5;
constexpr uint32_t kStringTable = 6;
constexpr uint32_t kTimeNanos = 9;
constexpr uint32_t kDurationNanos = 10;
constexpr uint32_t kPeriodType = 11;
constexpr uint32_t kPeriod = 12;
constexpr uint32_t kComment = 13;
constexpr uint32_t kDefaultSampleType = 14;
// ValueType
constexpr uint32_t kType = 1;
constexpr uint32_t kUnit = 2;
// Sample
constexpr uint32_t kLocationId = 1;
constexpr uint32_t kValue = 2;
// Mapping (kId = 1)
constexpr uint32_t kHasFunctions = 7;
constexpr uint32_t kHasFilenames = 8;
constexpr uint32_t kHasLineNumbers = 9;
// Location
constexpr uint32_t kId = 1;
constexpr uint32_t kMappingId = 2;
constexpr uint32_t kLine = 4;
// Line
constexpr uint32_t kFunctionId = 1;
constexpr uint32_t kLineNumber = 2;
// Function (kId = 1)
constexpr uint32_t kName = 2;
constexpr uint32_t kFilename = 4;
}  // namespace field

constexpr uint64_t kMappingId = 1;  // the one mapping, every location's

constexpr uint32_t kVarint = 0;
constexpr uint32_t kLengthDelimited = 2;

void put_varint(std::string& out, uint64_t v)
{
    while (v >= 0x80) {
        out += static_cast<char>((v & 0x7f) | 0x80);
        v >>= 7;
    }
    out += static_cast<char>(v);
}

void put_tag(std::string& out, uint32_t number, uint32_t wire_type)
{
    put_varint(out, (static_cast<uint64_t>(number) << 3) | wire_type);
}

// A scalar field; proto3 leaves a zero out (readers take a missing field as 0).
void put_uint(std::string& out, uint32_t number, uint64_t v)
{
    if (v != 0) {
        put_tag(out, number, kVarint);
        put_varint(out, v);
    }
}

// A string, bytes or embedded message field.
void put_bytes(std::string& out, uint32_t number, std::string_view bytes)
{
    put_tag(out, number, kLengthDelimited);
    put_varint(out, bytes.size());
    out.append(bytes.data(), bytes.size());
}

// A packed repeated varint field (proto3's encoding of repeated scalars), `scratch` reused.
template <typename It>
void put_packed(std::string& out, uint32_t number, It begin, It end, std::string& scratch)
{
    scratch.clear();
    for (It it = begin; it != end; ++it) {
        put_varint(scratch, static_cast<uint64_t>(*it));
    }
    if (!scratch.empty()) {
        put_bytes(out, number, scratch);
    }
}

// The string table: index 0 is "" (profile.proto requires it). The views must outlive the
// encoding: they point into the trees, the input and literals.
class Strings {
public:
    Strings() { index(""); }
    uint64_t index(std::string_view s)
    {
        const auto [it, added] = index_.try_emplace(s, order_.size());
        if (added) {
            order_.push_back(s);
        }
        return it->second;
    }
    void write(std::string& out) const
    {
        for (const std::string_view s : order_) {
            put_bytes(out, field::kStringTable, s);
        }
    }

private:
    std::unordered_map<std::string_view, uint64_t> index_;
    std::vector<std::string_view> order_;
};

struct ValueType {
    uint64_t type = 0;
    uint64_t unit = 0;
};

std::string value_type(ValueType v)
{
    std::string m;
    put_uint(m, field::kType, v.type);
    put_uint(m, field::kUnit, v.unit);
    return m;
}

// Locations and functions, each made once and given ids from 1 in order of first use.
class Frames {
public:
    explicit Frames(Strings& strings) : strings_(strings) {}

    // The location of a frame by its display name.
    uint64_t location(std::string_view name)
    {
        const auto [it, added] = locations_.try_emplace(name, locations_.size() + 1);
        if (!added) {
            return it->second;
        }
        const auto python = split_python_frame(name);
        const std::string_view function = python ? python->function : name;
        const std::string_view file = python ? python->file : std::string_view();
        const uint64_t function_id = this->function(function, file);
        std::string line;
        put_uint(line, field::kFunctionId, function_id);
        put_uint(line, field::kLineNumber, python ? python->line : 0);
        std::string m;
        put_uint(m, field::kId, it->second);
        put_uint(m, field::kMappingId, kMappingId);
        put_bytes(m, field::kLine, line);
        put_bytes(location_messages_, field::kLocation, m);
        return it->second;
    }

    void write(std::string& out) const
    {
        out += location_messages_;
        out += function_messages_;
    }

private:
    uint64_t function(std::string_view name, std::string_view file)
    {
        const uint64_t name_index = strings_.index(name);
        const uint64_t file_index = strings_.index(file);
        const auto [it, added] =
            functions_.try_emplace(name_index << 32 | file_index, functions_.size() + 1);
        if (added) {
            std::string m;
            put_uint(m, field::kId, it->second);
            put_uint(m, field::kName, name_index);
            put_uint(m, field::kFilename, file_index);
            put_bytes(function_messages_, field::kFunction, m);
        }
        return it->second;
    }

    Strings& strings_;
    std::unordered_map<std::string_view, uint64_t> locations_;
    std::unordered_map<uint64_t, uint64_t> functions_;  // name index << 32 | file index
    std::string location_messages_, function_messages_;
};

// One tree's stacks as samples: `values(node, out)` fills a node's values (all sample types);
// a node whose values are all 0 is no sample.
template <typename Values>
void put_samples(
    const CallTree& tree, Frames& frames, size_t types, Values values, std::string& out)
{
    std::vector<uint64_t> location_of_name(tree.name_count(), 0);
    std::vector<uint64_t> path;  // location ids, root first
    std::vector<int64_t> value(types);
    std::string sample, scratch;
    tree.visit_preorder([&](uint32_t node, uint32_t depth) {
        if (tree.weight(node) == 0) {
            return false;
        }
        uint64_t& location = location_of_name[tree.name_id(node)];
        if (location == 0) {
            location = frames.location(tree.node_name(node));
        }
        path.resize(depth - 1);
        path.push_back(location);
        std::fill(value.begin(), value.end(), 0);
        values(node, value);
        if (std::any_of(value.begin(), value.end(), [](int64_t v) { return v != 0; })) {
            sample.clear();
            put_packed(sample, field::kLocationId, path.rbegin(), path.rend(), scratch);
            put_packed(sample, field::kValue, value.begin(), value.end(), scratch);
            put_bytes(out, field::kSample, sample);
        }
        return true;
    });
}

int64_t as_value(uint64_t v, uint64_t scale = 1)
{
    return static_cast<int64_t>(std::min<uint64_t>(v, static_cast<uint64_t>(INT64_MAX) / scale) *
                                scale);
}

}  // namespace

std::string encode_pprof(const PprofInput& input)
{
    Strings strings;
    std::vector<ValueType> types;
    auto add_type = [&](std::string_view type, std::string_view unit) {
        types.push_back({strings.index(type), strings.index(unit)});
        return types.size() - 1;
    };
    size_t memory_index = 0, cpu_index = 0, wait_index = 0, samples_index = 0;
    if (input.memory) {
        memory_index = add_type("inuse_space", "bytes");
    }
    if (input.time) {
        cpu_index = add_type("cpu", "nanoseconds");
        wait_index = add_type("wait", "nanoseconds");
    }
    if (input.samples) {
        samples_index = add_type("samples", "count");
    }

    // The samples, the largest part, are written in place: no copy of them is made.
    std::string out;
    for (const ValueType& t : types) {
        put_bytes(out, field::kSampleType, value_type(t));
    }
    std::string& samples = out;
    Frames frames(strings);
    if (input.memory) {
        const CallTree& t = *input.memory;
        put_samples(
            t, frames, types.size(),
            [&](uint32_t n, std::vector<int64_t>& v) { v[memory_index] = as_value(t.self0(n)); },
            samples);
    }
    if (input.time) {
        const CallTree& t = *input.time;
        put_samples(
            t, frames, types.size(),
            [&](uint32_t n, std::vector<int64_t>& v) {
                v[cpu_index] = as_value(t.self0(n), 1000);
                v[wait_index] = as_value(t.self1(n), 1000);
            },
            samples);
    }
    if (input.samples) {
        const CallTree& t = *input.samples;
        put_samples(
            t, frames, types.size(),
            [&](uint32_t n, std::vector<int64_t>& v) {
                v[samples_index] = as_value(t.self0(n) + t.self1(n));
            },
            samples);
    }

    // The default type and the period are the first family's of memory, time, samples.
    uint64_t default_type = 0;
    ValueType period_type;
    uint64_t period = 0;
    if (input.memory) {
        default_type = types[memory_index].type;
        period_type = {strings.index("space"), strings.index("bytes")};
        period = input.memory_interval_bytes;
    } else if (input.time) {
        default_type = types[cpu_index].type;
        period_type = {strings.index("cpu"), strings.index("nanoseconds")};
        period = input.time_hz > 0 ? 1000000000 / input.time_hz : 0;
    } else if (input.samples) {
        default_type = types[samples_index].type;
        period_type = {strings.index("samples"), strings.index("count")};
        period = 1;
    }
    std::vector<uint64_t> comments;
    for (const std::string& c : input.comments) {
        comments.push_back(strings.index(c));
    }

    std::string mapping;
    put_uint(mapping, field::kId, kMappingId);
    put_uint(mapping, field::kHasFunctions, 1);
    put_uint(mapping, field::kHasFilenames, 1);
    put_uint(mapping, field::kHasLineNumbers, 1);
    put_bytes(out, field::kMapping, mapping);
    frames.write(out);
    strings.write(out);
    put_uint(out, field::kTimeNanos, static_cast<uint64_t>(std::max<int64_t>(input.time_nanos, 0)));
    put_uint(out, field::kDurationNanos,
             static_cast<uint64_t>(std::max<int64_t>(input.duration_nanos, 0)));
    if (period_type.type != 0) {
        put_bytes(out, field::kPeriodType, value_type(period_type));
    }
    put_uint(out, field::kPeriod, period);
    std::string scratch;
    put_packed(out, field::kComment, comments.begin(), comments.end(), scratch);
    put_uint(out, field::kDefaultSampleType, default_type);
    return out;
}

std::string gzip_compress(std::string_view data)
{
    z_stream z{};
    // windowBits 15 + 16: gzip framing. zlib's own header has no time stamp and no name, so the
    // same data always gives the same bytes.
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        throw std::runtime_error("zlib: deflateInit2 failed");
    }
    std::string out;
    out.resize(deflateBound(&z, data.size()));
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    size_t left = data.size();
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    int status = Z_OK;
    while (status == Z_OK) {
        // avail_in and avail_out are 32 bits: a larger profile goes in steps.
        const size_t step = std::min<size_t>(left, 1u << 30);
        z.avail_in = static_cast<uInt>(step);
        const size_t room =
            out.size() - static_cast<size_t>(z.next_out - reinterpret_cast<Bytef*>(out.data()));
        z.avail_out = static_cast<uInt>(std::min<size_t>(room, 1u << 30));
        status = deflate(&z, step == left ? Z_FINISH : Z_NO_FLUSH);
        left -= step - z.avail_in;
    }
    const size_t written = static_cast<size_t>(z.next_out - reinterpret_cast<Bytef*>(out.data()));
    deflateEnd(&z);
    if (status != Z_STREAM_END) {
        throw std::runtime_error("zlib: deflate failed");
    }
    out.resize(written);
    return out;
}

std::string render_pprof(const PprofInput& input)
{
    return gzip_compress(encode_pprof(input));
}

}  // namespace sciagraph::report
