// tests/report/record_builder.h — writes live records in the layout of core/record_format.h, of
// any shape: tests (and the fuzzer's seed corpus) make good, cut, damaged and odd records with
// it, as dump_builder.h does for dumps.
#pragma once

#include "core/record_format.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace sciagraph::report::testing {

// A stack slot's counters (outside the class: GCC refuses a nested class with default member
// initializers as a default argument inside its enclosing class).
struct StackCounters {
    int64_t live = 0;
    int64_t at_peak0 = 0, at_peak1 = 0;
    uint64_t cpu_us = 0, wait_us = 0;
};

class RecordBuilder {
public:
    // Written as is by bytes(), except log_end, frame_count and stack_count, which are filled
    // from what was added unless `auto_counts` is false.
    sciagraph::record::Header header{};
    bool auto_counts = true;
    // The file is zero-padded to this size, as the core's file is longer than its log.
    size_t pad_to = 0;

    explicit RecordBuilder(uint32_t pid = 100, uint32_t ppid = 1)
    {
        std::memcpy(header.magic, sciagraph::record::kMagic, sizeof header.magic);
        header.version = sciagraph::record::kFormatVersion;
        header.header_size = sizeof(sciagraph::record::Header);
        header.pid = pid;
        header.ppid = ppid;
        header.state = static_cast<uint32_t>(sciagraph::record::State::Recording);
    }

    RecordBuilder& meta(const std::string& key, const std::string& value)
    {
        std::vector<unsigned char> p;
        str(p, key);
        str(p, value);
        return record(sciagraph::record::Kind::Meta, p);
    }
    // A frame with the next id, or with `id` to break the order.
    RecordBuilder& frame(const std::string& function,
                         const std::string& file,
                         uint32_t line,
                         uint32_t kind = 0,
                         std::optional<uint32_t> id = std::nullopt)
    {
        std::vector<unsigned char> p;
        put(p, id.value_or(frames_ + 1));
        put(p, line);
        put(p, kind);
        str(p, function);
        str(p, file);
        ++frames_;
        return record(sciagraph::record::Kind::Frame, p);
    }
    using Counters = StackCounters;
    // The next stack id's slot; a block record joins the log where the id first needs it, as
    // the core appends one. Returns the id.
    uint32_t stack(uint32_t parent, uint32_t frame, Counters c = {})
    {
        const uint32_t id = ++stacks_;
        sciagraph::record::StackSlot& s = slot(id);
        s.parent = parent;
        s.frame = frame;
        s.live = c.live;
        s.at_peak[0] = c.at_peak0;
        s.at_peak[1] = c.at_peak1;
        s.cpu_us = c.cpu_us;
        s.wait_us = c.wait_us;
        return id;
    }
    // Stack id's slot, to change it after the fact (its block is created if need be).
    sciagraph::record::StackSlot& slot(uint32_t id)
    {
        const size_t k = id / sciagraph::record::kStacksPerBlock;
        while (blocks_.size() <= k) {
            items_.push_back({static_cast<uint32_t>(sciagraph::record::Kind::StackBlock),
                              {},
                              static_cast<int>(blocks_.size())});
            blocks_.emplace_back(sciagraph::record::kStacksPerBlock);
        }
        return blocks_[k][id % sciagraph::record::kStacksPerBlock];
    }
    // Any record, of any kind and payload.
    RecordBuilder& record(sciagraph::record::Kind kind, const std::vector<unsigned char>& payload)
    {
        items_.push_back({static_cast<uint32_t>(kind), payload, -1});
        return *this;
    }
    // A record head claiming `size` payload bytes, and nothing after it.
    RecordBuilder& head_only(sciagraph::record::Kind kind, uint32_t size)
    {
        items_.push_back({static_cast<uint32_t>(kind), {}, -1, size});
        return *this;
    }

    std::vector<unsigned char> bytes() const
    {
        std::vector<unsigned char> log;
        for (const Item& item : items_) {
            std::vector<unsigned char> payload = item.payload;
            if (item.block >= 0) {
                put(payload,
                    static_cast<uint32_t>(item.block) * sciagraph::record::kStacksPerBlock);
                put(payload, sciagraph::record::kStacksPerBlock);
                for (const sciagraph::record::StackSlot& s :
                     blocks_[static_cast<size_t>(item.block)]) {
                    put(payload, s);
                }
            }
            put(log, item.kind);
            put(log, item.claimed ? *item.claimed : static_cast<uint32_t>(payload.size()));
            log.insert(log.end(), payload.begin(), payload.end());
            log.resize(sciagraph::record::align8(log.size()));
        }
        sciagraph::record::Header h = header;
        if (auto_counts) {
            h.log_end = log.size();
            h.frame_count = frames_;
            h.stack_count = stacks_;
        }
        // Sized once and copied into: GCC 12 warns (-Warray-bounds, a false positive) on a
        // range insert after the header's bytes.
        const size_t size = sciagraph::record::kHeaderBytes + log.size();
        std::vector<unsigned char> out(std::max(size, pad_to));
        std::memcpy(out.data(), &h, sizeof h);
        if (!log.empty()) {
            std::memcpy(out.data() + sciagraph::record::kHeaderBytes, log.data(), log.size());
        }
        return out;
    }
    std::string str() const
    {
        const auto b = bytes();
        return {b.begin(), b.end()};
    }

    // Writes `value` over `bytes` at `offset` (native endianness, as the format): for damaging a
    // record after it was built, e.g. poke(b, offsetof(record::Header, version), uint32_t{2}).
    template <typename T>
    static void poke(std::vector<unsigned char>& bytes, size_t offset, T value)
    {
        std::memcpy(bytes.data() + offset, &value, sizeof value);
    }

    template <typename T>
    static void put(std::vector<unsigned char>& out, const T& v)
    {
        unsigned char raw[sizeof(T)];
        std::memcpy(raw, &v, sizeof v);
        out.insert(out.end(), raw, raw + sizeof raw);
    }
    static void str(std::vector<unsigned char>& out, const std::string& s)
    {
        put(out, static_cast<uint32_t>(s.size()));
        out.insert(out.end(), s.begin(), s.end());
    }

private:
    struct Item {
        uint32_t kind = 0;
        std::vector<unsigned char> payload;
        int block = -1;                   // a stack block: its slots are written by bytes()
        std::optional<uint32_t> claimed;  // a size other than the payload's
    };
    std::vector<Item> items_;
    std::vector<std::vector<sciagraph::record::StackSlot>> blocks_;
    uint32_t frames_ = 0;
    uint32_t stacks_ = 0;
};

// A realistic small record of process `pid`, killed while recording: the frames and stacks of
// sample_dump (dump_builder.h), its counters, three snapshots taken and the total fallen since
// (so at_peak[1] is the peak; at_peak[0] holds an older one), and the log's meta.
inline RecordBuilder sample_record(uint32_t pid = 100, uint32_t ppid = 1)
{
    RecordBuilder b(pid, ppid);
    sciagraph::record::Header& h = b.header;
    h.time_hz = 100;
    h.sample_interval = 1048576;
    h.start_monotonic_ns = 1000000000;
    h.start_realtime_ns = 1700000000000000000;
    h.updated_monotonic_ns = 3234567891;  // 2.234567891 s later
    h.live_bytes = 52428800;
    h.peak_bytes = 104857600;
    h.snapshot_generation = 3;
    h.snapshot_peak[0] = 90000000;
    h.snapshot_peak[1] = 104857600;
    h.snapshot_total[0] = 80000000;
    h.snapshot_total[1] = 100001000;
    h.cpu_ns = 1750000000;
    h.memory_samples = 4321;
    h.time_samples = 250;
    h.time_failed_reads = 2;
    h.sampler_cpu_ns = 10000000;
    b.meta("mode", "both").meta("python_version", "3.11.7");
    b.meta("command", "[\"python\",\"job.py\"]");
    b.frame("<module>", "job.py", 1)
        .frame("load", "job.py", 10)
        .frame("parse", "/usr/lib/python3.11/json/decoder.py", 337)
        .frame("read_csv", "/venv/lib/python3.11/site-packages/pandas/io/parsers.py", 912)
        .frame("[no Python frame]", "", 0, 1)
        .frame("sleep", "job.py", 20);
    // ids 1 <module>, 2 ;load, 3 ;load;parse, 4 ;load;read_csv, 5 [no Python frame], 6 ;sleep
    b.stack(0, 1, {5000000, 1, 10000000, 0, 0});
    b.stack(1, 2, {0, 0, 0, 250000, 0});
    b.stack(2, 3, {40000000, 50000000, 60000000, 1000000, 0});
    b.stack(2, 4, {7000000, 20000000, 30000000, 500000, 100000});
    b.stack(0, 5, {-4096, 0, 1000, 0, 0});
    b.stack(1, 6, {0, 0, 0, 0, 750000});
    return b;
}

}  // namespace sciagraph::report::testing
