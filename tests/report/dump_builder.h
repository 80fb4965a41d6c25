// tests/report/dump_builder.h — writes dumps in the format of core/dump_format.h, of any shape:
// tests (and the fuzzer's seed corpus) make good, cut, damaged and odd dumps with it.
#pragma once

#include "core/dump_format.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sciagraph::report::testing {

class DumpBuilder {
public:
    explicit DumpBuilder(uint32_t version = sciagraph::dump::kFormatVersion)
    {
        // One byte at a time: GCC 12 warns (-Wstringop-overflow, a false positive) on a range
        // insert of a char pointer pair into an empty vector.
        for (size_t i = 0; i < 8; ++i) {
            bytes_.push_back(static_cast<unsigned char>(sciagraph::dump::kMagic[i]));
        }
        u32(bytes_, version);
        u32(bytes_, 16);
    }

    DumpBuilder& meta(const std::vector<std::pair<std::string, std::string>>& entries)
    {
        std::vector<unsigned char> p;
        u32(p, static_cast<uint32_t>(entries.size()));
        for (const auto& [k, v] : entries) {
            str(p, k);
            str(p, v);
        }
        return section(sciagraph::dump::SectionKind::Meta, p);
    }
    struct Frame {
        std::string function, file;
        uint32_t line = 0;
        uint32_t kind = 0;
    };
    DumpBuilder& frames(const std::vector<Frame>& frames)
    {
        std::vector<unsigned char> p;
        u32(p, static_cast<uint32_t>(frames.size()));
        for (const Frame& f : frames) {
            str(p, f.function);
            str(p, f.file);
            u32(p, f.line);
            u32(p, f.kind);
        }
        return section(sciagraph::dump::SectionKind::Frames, p);
    }
    // (parent stack id, frame id) per stack; ids continue from earlier Stacks sections.
    DumpBuilder& stacks(const std::vector<std::pair<uint32_t, uint32_t>>& stacks)
    {
        std::vector<unsigned char> p;
        u32(p, static_cast<uint32_t>(stacks.size()));
        for (const auto& [parent, frame] : stacks) {
            u32(p, parent);
            u32(p, frame);
        }
        return section(sciagraph::dump::SectionKind::Stacks, p);
    }
    DumpBuilder& samples(sciagraph::dump::Metric metric,
                         const std::vector<std::pair<uint32_t, uint64_t>>& samples)
    {
        std::vector<unsigned char> p;
        u32(p, static_cast<uint32_t>(metric));
        u32(p, static_cast<uint32_t>(samples.size()));
        for (const auto& [stack, value] : samples) {
            u32(p, stack);
            u64(p, value);
        }
        return section(sciagraph::dump::SectionKind::Samples, p);
    }
    struct Point {
        int64_t at_ns, part, high, since_ns;
    };
    DumpBuilder& timeline(const std::vector<Point>& points)
    {
        std::vector<unsigned char> p;
        u32(p, static_cast<uint32_t>(points.size()));
        for (const Point& point : points) {
            u64(p, static_cast<uint64_t>(point.at_ns));
            u64(p, static_cast<uint64_t>(point.part));
            u64(p, static_cast<uint64_t>(point.high));
            u64(p, static_cast<uint64_t>(point.since_ns));
        }
        return section(sciagraph::dump::SectionKind::Timeline, p);
    }
    DumpBuilder& end() { return section(sciagraph::dump::SectionKind::End, {}); }

    // Any section, with a chosen kind, payload and (when `bad_crc`) a wrong checksum.
    DumpBuilder& section(sciagraph::dump::SectionKind kind,
                         const std::vector<unsigned char>& payload,
                         bool bad_crc = false)
    {
        const size_t header_at = bytes_.size();
        u32(bytes_, static_cast<uint32_t>(kind));
        u32(bytes_, 0);
        u64(bytes_, payload.size());
        bytes_.insert(bytes_.end(), payload.begin(), payload.end());
        const uint32_t crc =
            sciagraph::dump::section_crc(bytes_.data() + header_at, payload.data(), payload.size());
        u32(bytes_, crc ^ (bad_crc ? 1u : 0u));
        return *this;
    }
    DumpBuilder& raw(const std::vector<unsigned char>& bytes)
    {
        bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
        return *this;
    }

    const std::vector<unsigned char>& bytes() const { return bytes_; }
    std::string str() const { return {bytes_.begin(), bytes_.end()}; }

    static void u32(std::vector<unsigned char>& out, uint32_t v)
    {
        for (int i = 0; i < 4; ++i) {
            out.push_back(static_cast<unsigned char>(v >> (8 * i)));
        }
    }
    static void u64(std::vector<unsigned char>& out, uint64_t v)
    {
        for (int i = 0; i < 8; ++i) {
            out.push_back(static_cast<unsigned char>(v >> (8 * i)));
        }
    }
    static void str(std::vector<unsigned char>& out, const std::string& s)
    {
        u32(out, static_cast<uint32_t>(s.size()));
        out.insert(out.end(), s.begin(), s.end());
    }

private:
    std::vector<unsigned char> bytes_;
};

// A realistic small dump of process `pid`: main → load → parse, with memory and time samples.
// `changed`: the same job after a change (parse holds and spends more, read_csv holds less),
// for diffs.
inline DumpBuilder
sample_dump(long pid = 100, long ppid = 1, bool with_end = true, bool changed = false)
{
    using sciagraph::dump::Metric;
    DumpBuilder b;
    b.meta({{"pid", std::to_string(pid)},
            {"ppid", std::to_string(ppid)},
            {"python_version", "3.11.7"},
            {"mode", "both"},
            {"status", "ok"},
            {"final", "1"},
            {"peak_bytes", "104857600"},
            {"peak_sampled_bytes", "100000000"},
            {"memory_sample_interval_bytes", "1048576"},
            {"wall_seconds", "2.5"},
            {"cpu_seconds", "1.75"},
            {"time_samples", "250"},
            {"time_failed_reads", "0"},
            {"sampler_cpu_seconds", "0.01"},
            {"command", "python job.py"}});
    b.frames({{"<module>", "job.py", 1, 0},
              {"load", "job.py", 10, 0},
              {"parse", "/usr/lib/python3.11/json/decoder.py", 337, 0},
              {"read_csv", "/venv/lib/python3.11/site-packages/pandas/io/parsers.py", 912, 0},
              {"[no Python frame]", "", 0, 1},
              {"sleep <&> \"x\"", "job.py", 20, 0}});
    // stacks: 1 <module>, 2 <module>;load, 3 ..;load;parse, 4 ..;load;read_csv, 5 [no Python],
    // 6 <module>;sleep
    b.stacks({{0, 0}, {1, 1}, {2, 2}, {2, 3}, {0, 4}, {1, 5}});
    b.samples(Metric::MemoryPeakBytes, {{3, changed ? 90000000 : 60000000},
                                        {4, changed ? 10000000 : 30000000},
                                        {1, 10000000},
                                        {5, 1000}});
    b.samples(Metric::TimeCpuMicros, {{3, changed ? 1500000 : 1000000}, {4, 500000}, {2, 250000}});
    b.samples(Metric::TimeWaitMicros, {{6, 750000}, {4, 100000}});
    if (with_end) {
        b.end();
    }
    return b;
}

}  // namespace sciagraph::report::testing
