// report/read/record_reader.cpp — see record_reader.h.
#include "record_reader.h"

#include "byte_cursor.h"
#include "core/dump_format.h"
#include "core/record_format.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <exception>
#include <type_traits>

namespace sciagraph::report {
namespace {

namespace rec = sciagraph::record;
namespace meta = sciagraph::dump::meta;

// How far `v` lies above `base`, 0 when it does not: a process's part of the job (its bytes above
// what it inherited at fork). Computed unsigned: a damaged record may hold any two values, and
// their signed difference can overflow.
uint64_t above(int64_t v, int64_t base)
{
    return v > base ? static_cast<uint64_t>(v) - static_cast<uint64_t>(base) : 0;
}

// The same, for the timeline's signed fields (clamped, where a damaged record's values differ by
// more than int64_t holds).
int64_t above_clamped(int64_t v, int64_t base)
{
    return static_cast<int64_t>(
        std::min<uint64_t>(above(v, base), static_cast<uint64_t>(INT64_MAX)));
}

// A record is in the writer's native byte order; the strings and fields of its log are read with
// the dump reader's little-endian cursor, which is the same on the only hosts the core runs on.
static_assert(std::endian::native == std::endian::little, "records are read as little-endian");

// Native endianness, as the record is written (the reader runs where the writer did), through
// memcpy: a fuzzer's buffer, or a test's, need not be aligned as a mapping is.
template <typename T>
T load(const unsigned char* p)
{
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

Error corrupt(std::string what)
{
    return {ExitStatus::Corrupt, "corrupt record: " + std::move(what)};
}

// What the walk of the log found besides frames: meta entries, and where each stack block's
// slots are (read in place: the counters are only wanted for the stacks that turn out valid).
struct LogContents {
    std::vector<std::pair<std::string, std::string>> meta;
    std::vector<const unsigned char*> blocks;  // block k's first slot (stack id k × per block)
};

// Each returns why the record cannot be used, or an empty string.
std::string read_meta(Cursor p, LogContents& log)
{
    std::string key = p.string();
    std::string value = p.string();
    if (!p.ok_at_end()) {
        return "a meta record does not match its size";
    }
    log.meta.emplace_back(std::move(key), std::move(value));
    return {};
}

std::string read_frame(Cursor p, Dump& dump)
{
    const uint32_t id = p.u32();
    DumpFrame f;
    f.line = p.u32();
    f.kind = p.u32();
    f.function = p.string();
    f.file = p.string();
    if (!p.ok_at_end()) {
        return "a frame record does not match its size";
    }
    // Stacks name frames by id; a gap would shift every later frame onto the wrong name.
    if (id != dump.frames.size() + 1) {
        return "frame id " + std::to_string(id) + " where " +
               std::to_string(dump.frames.size() + 1) + " was due";
    }
    dump.frames.push_back(std::move(f));
    return {};
}

std::string read_block(const unsigned char* payload, size_t size, LogContents& log)
{
    if (size != rec::kStackBlockPayload) {
        return "a stack block of " + std::to_string(size) + " bytes";
    }
    const auto head = load<rec::StackBlockHead>(payload);
    const uint64_t due = uint64_t{log.blocks.size()} * rec::kStacksPerBlock;
    if (head.count != rec::kStacksPerBlock || head.first_id != due) {
        return "a stack block for ids " + std::to_string(head.first_id) + " (" +
               std::to_string(head.count) + ") where " + std::to_string(due) + " was due";
    }
    log.blocks.push_back(payload + sizeof(rec::StackBlockHead));
    return {};
}

// Reads the records of the log's first `log_end` bytes, of which the file holds `available`.
// Stops at the first record it cannot trust, keeping those before it: a record is written whole
// before log_end covers it, so one that does not fit, or does not parse, is damage, and what
// follows it cannot be placed.
void walk_log(const unsigned char* log,
              uint64_t log_end,
              uint64_t available,
              Dump& dump,
              LogContents& contents)
{
    constexpr uint64_t kHead = sizeof(rec::RecordHead);
    uint64_t at = 0;
    while (at < log_end) {
        const std::string where = "the record at log byte " + std::to_string(at);
        if (log_end - at < kHead) {
            dump.warnings.push_back(where + " is cut by the log's end; the log was read up to it");
            return;
        }
        if (at >= available || available - at < kHead) {
            return;  // the file ends here: `truncated` says so
        }
        const auto head = load<rec::RecordHead>(log + at);
        const uint64_t end = at + kHead + head.size;
        if (end > log_end) {
            dump.warnings.push_back(where + " (" + std::to_string(head.size) +
                                    " bytes) runs past the log's end; the log was read up to it");
            return;
        }
        if (end > available) {
            return;
        }
        const unsigned char* payload = log + at + kHead;
        std::string bad;
        switch (static_cast<rec::Kind>(head.kind)) {
        case rec::Kind::Meta:
            bad = read_meta(Cursor(payload, head.size), contents);
            break;
        case rec::Kind::Frame:
            bad = read_frame(Cursor(payload, head.size), dump);
            break;
        case rec::Kind::StackBlock:
            bad = read_block(payload, head.size, contents);
            break;
        default:
            break;  // a kind of a newer writer: skipped by its size
        }
        if (!bad.empty()) {
            dump.warnings.push_back(where + ": " + bad + "; the log was read up to it");
            return;
        }
        at = rec::align8(end);
    }
}

// Which breakdown is the peak (record_format.h): the last snapshot, unless the process died
// with no snapshot taken, or at a total no lower than the one the snapshot describes; then at
// (or near) its peak, with no fall since, so the live column as it left it.
bool peak_is_live(const rec::Header& h)
{
    return h.snapshot_generation == 0 ||
           h.live_bytes >= h.snapshot_total[h.snapshot_generation & 1];
}

// Adds stacks 1..stack_count, as far as their blocks were read and their slots form a trie, with
// their counters. Returns the sum of the memory values taken, for peak_sampled_bytes.
uint64_t read_stacks(const rec::Header& h, const LogContents& log, Dump& dump)
{
    const uint64_t in_blocks = uint64_t{log.blocks.size()} * rec::kStacksPerBlock;
    uint64_t count = h.stack_count;
    if (count >= in_blocks) {
        const uint64_t have = in_blocks == 0 ? 0 : in_blocks - 1;  // id 0 is the root
        if (count > have) {
            dump.warnings.push_back(std::to_string(count - have) + " of " + std::to_string(count) +
                                    " stacks are past the stack blocks read and were dropped");
            count = have;
        }
    }
    const bool live = peak_is_live(h);
    const size_t buffer = h.snapshot_generation & 1;
    uint64_t sampled = 0;
    dump.stacks.reserve(count);
    for (uint64_t id = 1; id <= count; ++id) {
        const auto slot =
            load<rec::StackSlot>(log.blocks[id / rec::kStacksPerBlock] +
                                 (id % rec::kStacksPerBlock) * sizeof(rec::StackSlot));
        // stack_count covers a slot only once it is written, so a bad one is damage; what
        // follows may hang under it, and the trie must stay whole for build_trees.
        if (slot.frame == 0 || slot.frame > dump.frames.size() || slot.parent >= id) {
            dump.warnings.push_back(
                "stack " + std::to_string(id) + " (parent " + std::to_string(slot.parent) +
                ", frame " + std::to_string(slot.frame) + " of " +
                std::to_string(dump.frames.size()) + ") is not valid; it and the " +
                std::to_string(count - id) + " stacks after it were dropped");
            break;
        }
        dump.stacks.push_back({slot.parent, slot.frame - 1});
        const auto stack = static_cast<uint32_t>(id);  // below the blocks' count: fits
        const int64_t memory = live ? slot.live : slot.at_peak[buffer];
        if (memory > 0) {
            dump.memory_peak.push_back({stack, static_cast<uint64_t>(memory)});
            sampled += static_cast<uint64_t>(memory);
        }
        if (slot.cpu_us > 0) {
            dump.time_cpu.push_back({stack, slot.cpu_us});
        }
        if (slot.wait_us > 0) {
            dump.time_wait.push_back({stack, slot.wait_us});
        }
        if (slot.at_job_peak > 0) {
            dump.job_peak.push_back({stack, static_cast<uint64_t>(slot.at_job_peak)});
        }
        if (const uint64_t part = above(slot.live, slot.fork_base); part > 0) {
            dump.job_live.push_back({stack, part});
        }
    }
    return sampled;
}

std::string decimal(int64_t v)
{
    return std::to_string(v > 0 ? static_cast<uint64_t>(v) : 0);
}

// As the core writes seconds in a dump: whole seconds, a point, six digits.
std::string seconds(uint64_t ns)
{
    std::string micros = std::to_string((ns % 1000000000ull) / 1000);
    return std::to_string(ns / 1000000000ull) + "." + std::string(6 - micros.size(), '0') + micros;
}

// The meta a final dump would carry, from the header's totals; the log's meta (mode, python
// version, command) goes first, so the header's values win any key both have.
void add_meta(const rec::Header& h, uint64_t live_sampled, LogContents& log, Dump& dump)
{
    dump.meta = std::move(log.meta);
    auto add = [&](const char* key, std::string value) {
        dump.meta.emplace_back(key, std::move(value));
    };
    add(meta::kPid, std::to_string(h.pid));
    add(meta::kParentPid, std::to_string(h.ppid));
    add(meta::kFinal, "0");
    const std::string reason(h.disabled_reason,
                             strnlen(h.disabled_reason, sizeof h.disabled_reason));
    add(meta::kStatus, reason.empty() ? "ok" : "disabled");
    if (!reason.empty()) {
        add(meta::kDisabledReason, reason);
    }
    add(meta::kPeakBytes, decimal(h.peak_bytes));
    add(meta::kCurrentBytes, decimal(h.live_bytes));
    add(meta::kPeakSampledBytes, peak_is_live(h)
                                     ? std::to_string(live_sampled)
                                     : decimal(h.snapshot_total[h.snapshot_generation & 1]));
    add(meta::kSampleIntervalBytes, std::to_string(h.sample_interval));
    add(meta::kAllocSamples, std::to_string(h.memory_samples));
    const uint64_t start = h.start_monotonic_ns;
    add(meta::kWallSeconds,
        seconds(h.updated_monotonic_ns > start ? h.updated_monotonic_ns - start : 0));
    add(meta::kCpuSeconds, seconds(h.cpu_ns));
    add(meta::kTimeSamples, std::to_string(h.time_samples));
    add(meta::kTimeFailedReads, std::to_string(h.time_failed_reads));
    add(meta::kSamplerCpuSeconds, seconds(h.sampler_cpu_ns));
    add(meta::kTimeHz, std::to_string(h.time_hz));
    add(meta::kJobGeneration, std::to_string(h.job_generation));
    add(meta::kJobForkBaseBytes, decimal(h.job_fork_base));
    add(meta::kStartMonotonicNs, std::to_string(h.start_monotonic_ns));
    add(meta::kEndMonotonicNs, std::to_string(h.updated_monotonic_ns));
    // The record keeps no timeline: its one point is the part as the process left it.
    const int64_t part = above_clamped(h.live_bytes, h.job_fork_base);
    const int64_t high = above_clamped(h.peak_bytes, h.job_fork_base);
    dump.timeline.push_back({static_cast<int64_t>(h.updated_monotonic_ns), part,
                             std::max(part, high), static_cast<int64_t>(h.start_monotonic_ns)});
    switch (static_cast<rec::State>(h.state)) {
    case rec::State::Recording:
        add(meta::kEnded, meta::kEndedKilled);
        break;
    case rec::State::Exited:
        add(meta::kEnded,
            h.has_exit_status == 1 ? "exit " + std::to_string(h.exit_status) : "exit");
        break;
    default:
        dump.warnings.push_back("unknown process state " + std::to_string(h.state) +
                                "; how the process ended is not known");
        break;
    }
    add(kMetaFromRecord, "1");
}

DumpResult parse(const unsigned char* data, size_t size)
{
    DumpResult result;
    if (size == 0) {
        result.error = {ExitStatus::Unreadable, "empty record file"};
        return result;
    }
    if (size < sizeof(rec::kMagic) || std::memcmp(data, rec::kMagic, sizeof(rec::kMagic)) != 0) {
        result.error = {ExitStatus::Corrupt, "not a sciagraph record (bad magic)"};
        return result;
    }
    if (size < sizeof(rec::Header)) {
        result.error = corrupt("shorter than its header (" + std::to_string(size) + " bytes)");
        return result;
    }
    const auto h = load<rec::Header>(data);
    if (h.version != rec::kFormatVersion) {
        result.error = {ExitStatus::Incompatible,
                        "record format version " + std::to_string(h.version) +
                            " is not supported (this sciagraph reads version " +
                            std::to_string(rec::kFormatVersion) + ")"};
        return result;
    }
    if (h.header_size < sizeof(rec::Header) || h.header_size > rec::kHeaderBytes) {
        result.error = corrupt("header size " + std::to_string(h.header_size));
        return result;
    }
    if (h.log_end > rec::kMaxLogBytes) {
        result.error = corrupt("log size " + std::to_string(h.log_end));
        return result;
    }

    Dump dump;
    // A file cut short (a copy of a record, a full disk) holds part of the log: read that part.
    const uint64_t available = size > rec::kHeaderBytes ? size - rec::kHeaderBytes : 0;
    dump.truncated = available < h.log_end;
    LogContents log;
    if (available > 0) {
        walk_log(data + rec::kHeaderBytes, h.log_end, available, dump, log);
    }
    const uint64_t live_sampled = read_stacks(h, log, dump);
    add_meta(h, live_sampled, log, dump);
    result.dump = std::move(dump);
    return result;
}

}  // namespace

bool looks_like_record(const unsigned char* data, size_t size)
{
    const size_t n = std::min(size, sizeof(rec::kMagic));
    return n >= 6 && std::memcmp(data, rec::kMagic, n) == 0;
}

bool read_as_record(const unsigned char* data, size_t size, const std::filesystem::path& name)
{
    if (looks_like_record(data, size)) {
        return true;
    }
    // The magics share their first five bytes: a shorter prefix shows neither.
    const bool dump = size >= 6 && looks_like_dump(data, size);
    return !dump && name.extension() == rec::kFileSuffix;
}

DumpResult parse_record(const unsigned char* data, size_t size)
{
    try {
        return parse(data, size);
    } catch (const std::exception& e) {  // allocation failure: counts are bounded, but be sure
        DumpResult result;
        result.error = {ExitStatus::Corrupt, std::string("cannot read record: ") + e.what()};
        return result;
    }
}

}  // namespace sciagraph::report
