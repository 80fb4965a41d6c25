// report/read/dump_reader.h — reads a raw dump (core/dump_format.h) from bytes, defensively: every
// length is checked against the bytes that remain before anything is allocated, every
// section's CRC is checked, every id is checked against what was read. Errors are values.
//
// A dump that ends early (no End section, or a last section cut short) is a job killed while
// writing: everything up to the last complete section is kept and `truncated` is set. A
// complete section whose CRC does not match is damage, not truncation: the dump is refused.
#pragma once

#include "errors.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sciagraph::report {

struct DumpFrame {
    std::string function;
    std::string file;
    uint32_t line = 0;
    uint32_t kind = 0;  // dump::FrameKind
};

struct DumpStack {
    uint32_t parent = 0;  // stack id; 0 is the empty stack
    uint32_t frame = 0;   // index into Dump::frames
};

struct DumpSample {
    uint32_t stack = 0;  // stack id
    uint64_t value = 0;
};

// A point of the process's part of the job's memory over time (core/timeline.h).
struct TimelinePoint {
    int64_t monotonic_ns = 0;
    int64_t part = 0;
    int64_t high = 0;      // the highest part over (since_ns, monotonic_ns]
    int64_t since_ns = 0;  // before it, back to the point before, the part was that point's
};

struct Dump {
    std::vector<std::pair<std::string, std::string>> meta;  // in file order; later keys win
    std::vector<DumpFrame> frames;
    std::vector<DumpStack> stacks;  // stack id i is stacks[i - 1]
    std::vector<DumpSample> memory_peak, time_cpu, time_wait;
    std::vector<DumpSample> job_peak;  // the process's part at the job's peak request
    // Read from a live record only: the part of each stack as the process left it, which is its
    // part at the job's last request if it died after that request without answering it.
    std::vector<DumpSample> job_live;
    std::vector<TimelinePoint> timeline;
    bool truncated = false;
    std::vector<std::string> warnings;

    std::optional<std::string> meta_value(const std::string& key) const;
    std::optional<double> meta_number(const std::string& key) const;
    // A whole number exactly (nanosecond clocks pass 2^53, where a double rounds).
    std::optional<int64_t> meta_integer(const std::string& key) const;
    // The process's argv from its `command` meta: the JSON array the core writes (a non-string
    // element as its JSON text), or any other value taken whole as one argument.
    std::vector<std::string> command() const;
};

struct DumpResult {
    std::optional<Dump> dump;  // set on success
    Error error;               // set otherwise
};

// True when `data` starts like a dump (the magic, or a prefix of it for a very short file).
bool looks_like_dump(const unsigned char* data, size_t size);

DumpResult parse_dump(const unsigned char* data, size_t size);
// Reads a dump, or a live record (record_reader.h) into the same Dump, chosen by the content.
DumpResult read_dump_file(const std::filesystem::path& path);

}  // namespace sciagraph::report
