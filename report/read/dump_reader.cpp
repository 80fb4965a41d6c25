// report/read/dump_reader.cpp — see dump_reader.h.
#include "dump_reader.h"

#include "byte_cursor.h"
#include "core/dump_format.h"
#include "mapped_file.h"
#include "record_reader.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstring>
#include <exception>

namespace sciagraph::report {
namespace {

namespace fmt = sciagraph::dump;

Error corrupt(std::string what)
{
    return {ExitStatus::Corrupt, "corrupt dump: " + std::move(what)};
}

// Every record needs at least `min_record` bytes, so a count larger than the payload allows
// is damage, found before reserving anything.
bool count_fits(uint32_t count, size_t min_record, const Cursor& c)
{
    return static_cast<uint64_t>(count) * min_record <= c.left();
}

bool parse_meta(Cursor c, Dump& dump)
{
    const uint32_t count = c.u32();
    if (!count_fits(count, 8, c)) {
        return false;
    }
    for (uint32_t i = 0; i < count && !c.failed(); ++i) {
        std::string key = c.string();
        std::string value = c.string();
        dump.meta.emplace_back(std::move(key), std::move(value));
    }
    return !c.failed() && c.left() == 0;
}

bool parse_frames(Cursor c, Dump& dump)
{
    const uint32_t count = c.u32();
    if (!count_fits(count, 16, c)) {
        return false;
    }
    dump.frames.reserve(dump.frames.size() + count);
    for (uint32_t i = 0; i < count && !c.failed(); ++i) {
        DumpFrame f;
        f.function = c.string();
        f.file = c.string();
        f.line = c.u32();
        f.kind = c.u32();
        dump.frames.push_back(std::move(f));
    }
    return !c.failed() && c.left() == 0;
}

bool parse_stacks(Cursor c, Dump& dump)
{
    const uint32_t count = c.u32();
    if (!count_fits(count, 8, c) || c.left() != static_cast<uint64_t>(count) * 8) {
        return false;
    }
    dump.stacks.reserve(dump.stacks.size() + count);
    for (uint32_t i = 0; i < count; ++i) {
        DumpStack s;
        s.parent = c.u32();
        s.frame = c.u32();
        dump.stacks.push_back(s);
    }
    return !c.failed();
}

bool parse_samples(Cursor c, Dump& dump)
{
    const uint32_t metric = c.u32();
    const uint32_t count = c.u32();
    if (c.failed() || !count_fits(count, 12, c) || c.left() != static_cast<uint64_t>(count) * 12) {
        return false;
    }
    std::vector<DumpSample>* target = nullptr;
    switch (static_cast<fmt::Metric>(metric)) {
    case fmt::Metric::MemoryPeakBytes:
        target = &dump.memory_peak;
        break;
    case fmt::Metric::TimeCpuMicros:
        target = &dump.time_cpu;
        break;
    case fmt::Metric::TimeWaitMicros:
        target = &dump.time_wait;
        break;
    case fmt::Metric::JobPeakBytes:
        target = &dump.job_peak;
        break;
    default:
        return true;  // a metric of a newer writer: skipped, as the format intends
    }
    target->reserve(target->size() + count);
    for (uint32_t i = 0; i < count; ++i) {
        DumpSample s;
        s.stack = c.u32();
        s.value = c.u64();
        target->push_back(s);
    }
    return !c.failed();
}

bool parse_timeline(Cursor c, Dump& dump)
{
    const uint32_t count = c.u32();
    if (c.failed() || !count_fits(count, 32, c) || c.left() != static_cast<uint64_t>(count) * 32) {
        return false;
    }
    dump.timeline.reserve(dump.timeline.size() + count);
    for (uint32_t i = 0; i < count; ++i) {
        TimelinePoint p;
        p.monotonic_ns = static_cast<int64_t>(c.u64());
        p.part = static_cast<int64_t>(c.u64());
        p.high = static_cast<int64_t>(c.u64());
        p.since_ns = static_cast<int64_t>(c.u64());
        dump.timeline.push_back(p);
    }
    return !c.failed();
}

// Ids must point at something read: a dump whose ids do not resolve is damaged.
std::optional<Error> check_references(const Dump& dump)
{
    const size_t frames = dump.frames.size();
    const size_t stacks = dump.stacks.size();
    for (size_t i = 0; i < stacks; ++i) {
        if (dump.stacks[i].frame >= frames) {
            return corrupt("stack " + std::to_string(i + 1) + " names frame " +
                           std::to_string(dump.stacks[i].frame) + " of " + std::to_string(frames));
        }
        if (dump.stacks[i].parent > stacks) {
            return corrupt("stack " + std::to_string(i + 1) + " has parent " +
                           std::to_string(dump.stacks[i].parent) + " of " + std::to_string(stacks));
        }
    }
    for (const auto* samples :
         {&dump.memory_peak, &dump.time_cpu, &dump.time_wait, &dump.job_peak}) {
        for (const DumpSample& s : *samples) {
            if (s.stack > stacks) {
                return corrupt("a sample names stack " + std::to_string(s.stack) + " of " +
                               std::to_string(stacks));
            }
        }
    }
    return std::nullopt;
}

DumpResult parse(const unsigned char* data, size_t size)
{
    DumpResult result;
    if (size == 0) {
        result.error = {ExitStatus::Unreadable, "empty dump file"};
        return result;
    }
    if (size < sizeof(fmt::FileHeader)) {
        result.error = corrupt("shorter than its header (" + std::to_string(size) + " bytes)");
        return result;
    }
    if (std::memcmp(data, fmt::kMagic, sizeof(fmt::kMagic)) != 0) {
        result.error = {ExitStatus::Corrupt, "not a sciagraph dump (bad magic)"};
        return result;
    }
    Cursor header(data + 8, 8);
    const uint32_t version = header.u32();
    const uint32_t header_size = header.u32();
    if (version != fmt::kFormatVersion) {
        result.error = {ExitStatus::Incompatible,
                        "dump format version " + std::to_string(version) +
                            " is not supported (this sciagraph reads version " +
                            std::to_string(fmt::kFormatVersion) + ")"};
        return result;
    }
    if (header_size < sizeof(fmt::FileHeader) || header_size > size) {
        result.error = corrupt("header size " + std::to_string(header_size));
        return result;
    }

    Dump dump;
    size_t offset = header_size;
    bool ended = false;
    int index = 0;
    while (!ended) {
        const size_t left = size - offset;
        if (left < sizeof(fmt::SectionHeader)) {
            dump.truncated = true;  // no End section: the writer was stopped
            break;
        }
        Cursor h(data + offset, sizeof(fmt::SectionHeader));
        const uint32_t kind = h.u32();
        const uint32_t reserved = h.u32();
        const uint64_t length = h.u64();
        if (length > fmt::kMaxSectionBytes) {
            result.error = corrupt("section " + std::to_string(index) + " claims " +
                                   std::to_string(length) + " bytes");
            return result;
        }
        if (length + 4 > left - sizeof(fmt::SectionHeader)) {
            dump.truncated = true;  // cut short in this section
            break;
        }
        const unsigned char* payload = data + offset + sizeof(fmt::SectionHeader);
        const size_t n = static_cast<size_t>(length);
        Cursor crc_cursor(payload + n, 4);
        const uint32_t stored_crc = crc_cursor.u32();
        if (fmt::section_crc(data + offset, payload, n) != stored_crc) {
            result.error = corrupt("section " + std::to_string(index) + " at byte " +
                                   std::to_string(offset) + " fails its checksum");
            return result;
        }
        if (reserved != 0) {
            result.error = corrupt("section " + std::to_string(index) + " has reserved bits set");
            return result;
        }
        bool ok = true;
        switch (static_cast<fmt::SectionKind>(kind)) {
        case fmt::SectionKind::Meta:
            ok = parse_meta(Cursor(payload, n), dump);
            break;
        case fmt::SectionKind::Frames:
            ok = parse_frames(Cursor(payload, n), dump);
            break;
        case fmt::SectionKind::Stacks:
            ok = parse_stacks(Cursor(payload, n), dump);
            break;
        case fmt::SectionKind::Samples:
            ok = parse_samples(Cursor(payload, n), dump);
            break;
        case fmt::SectionKind::Timeline:
            ok = parse_timeline(Cursor(payload, n), dump);
            break;
        case fmt::SectionKind::End:
            ended = true;
            break;
        default:
            break;  // a section kind of a newer writer: skipped by its length
        }
        if (!ok) {
            result.error = corrupt("section " + std::to_string(index) + " (kind " +
                                   std::to_string(kind) + ") does not match its length");
            return result;
        }
        offset += sizeof(fmt::SectionHeader) + n + 4;
        ++index;
    }
    if (ended && offset != size) {
        dump.warnings.push_back(std::to_string(size - offset) +
                                " bytes after the end of the dump were ignored");
    }
    if (auto error = check_references(dump)) {
        result.error = *error;
        return result;
    }
    if (index == 0) {
        result.error = corrupt("no complete section (the file was cut short)");
        return result;
    }
    result.dump = std::move(dump);
    return result;
}

}  // namespace

std::optional<std::string> Dump::meta_value(const std::string& key) const
{
    for (auto it = meta.rbegin(); it != meta.rend(); ++it) {
        if (it->first == key) {
            return it->second;
        }
    }
    return std::nullopt;
}

std::optional<double> Dump::meta_number(const std::string& key) const
{
    const auto value = meta_value(key);
    if (!value || value->empty()) {
        return std::nullopt;
    }
    double number = 0;
    const char* begin = value->data();
    const char* end = begin + value->size();
    const auto [ptr, ec] = std::from_chars(begin, end, number);
    if (ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return number;
}

std::optional<int64_t> Dump::meta_integer(const std::string& key) const
{
    const auto value = meta_value(key);
    if (!value || value->empty()) {
        return std::nullopt;
    }
    int64_t number = 0;
    const char* end = value->data() + value->size();
    const auto [ptr, ec] = std::from_chars(value->data(), end, number);
    if (ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return number;
}

std::vector<std::string> Dump::command() const
{
    std::vector<std::string> argv;
    const auto text = meta_value(fmt::meta::kCommand);
    if (!text) {
        return argv;
    }
    const auto parsed = nlohmann::json::parse(*text, nullptr, false);
    if (!parsed.is_array()) {
        argv.push_back(*text);
        return argv;
    }
    for (const auto& arg : parsed) {
        argv.push_back(arg.is_string() ? arg.get<std::string>() : arg.dump());
    }
    return argv;
}

bool looks_like_dump(const unsigned char* data, size_t size)
{
    const size_t n = std::min(size, sizeof(fmt::kMagic));
    return n >= 4 && std::memcmp(data, fmt::kMagic, n) == 0;
}

DumpResult parse_dump(const unsigned char* data, size_t size)
{
    try {
        return parse(data, size);
    } catch (const std::exception& e) {  // allocation failure: lengths are capped, but be sure
        DumpResult result;
        result.error = {ExitStatus::Corrupt, std::string("cannot read dump: ") + e.what()};
        return result;
    }
}

DumpResult read_dump_file(const std::filesystem::path& path)
{
    Error error;
    auto file = MappedFile::open(path, error);
    if (!file) {
        return {std::nullopt, error};
    }
    const unsigned char* data = file->data();
    const size_t size = file->size();
    DumpResult result =
        read_as_record(data, size, path) ? parse_record(data, size) : parse_dump(data, size);
    if (!result.dump && !result.error.message.empty()) {
        result.error.message = path.filename().string() + ": " + result.error.message;
    }
    return result;
}

}  // namespace sciagraph::report
