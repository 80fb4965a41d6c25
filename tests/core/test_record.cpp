// The live record (core/record.h): what a process leaves on disk when it dies without its exit.
// Each case runs the core in a forked child that ends with _exit and no final word, as a killed
// process would (and so the record's global state never leaks into the other tests); the test
// reads the file the child left.
#include "../temp_dir.h"
#include "core/failpoints.h"
#include "core/live_bytes.h"
#include "core/record.h"
#include "core/stack_table.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace sciagraph;
using namespace sciagraph::core;

namespace {

struct ReadBack {
    record::Header header{};
    std::map<std::string, std::string> meta;
    std::map<uint32_t, std::string> frames;  // id → function
    std::map<uint32_t, record::StackSlot> slots;
};

ReadBack read_record(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ReadBack r;
    REQUIRE(bytes.size() >= record::kHeaderBytes);
    std::memcpy(&r.header, bytes.data(), sizeof r.header);
    REQUIRE(record::kHeaderBytes + r.header.log_end <= bytes.size());
    auto u32_at = [&](size_t at) {
        uint32_t v;
        std::memcpy(&v, bytes.data() + at, 4);
        return v;
    };
    for (size_t at = record::kHeaderBytes; at < record::kHeaderBytes + r.header.log_end;) {
        record::RecordHead head;
        std::memcpy(&head, bytes.data() + at, sizeof head);
        const size_t p = at + sizeof head;
        if (head.kind == static_cast<uint32_t>(record::Kind::Meta)) {
            const uint32_t key_len = u32_at(p);
            const uint32_t value_len = u32_at(p + 4 + key_len);
            r.meta[std::string(bytes.data() + p + 4, key_len)] =
                std::string(bytes.data() + p + 8 + key_len, value_len);
        } else if (head.kind == static_cast<uint32_t>(record::Kind::Frame)) {
            r.frames[u32_at(p)] = std::string(bytes.data() + p + 16, u32_at(p + 12));
        } else if (head.kind == static_cast<uint32_t>(record::Kind::StackBlock)) {
            const uint32_t first = u32_at(p);
            for (uint32_t i = 0; i < u32_at(p + 4); ++i) {
                const uint32_t id = first + i;
                if (id >= 1 && id <= r.header.stack_count) {
                    std::memcpy(&r.slots[id], bytes.data() + p + 8 + i * sizeof(record::StackSlot),
                                sizeof(record::StackSlot));
                }
            }
        }
        at += record::align8(sizeof head + head.size);
    }
    return r;
}

// Runs `body` in a child that then dies with _exit(0), as if killed: no record_exit().
template <typename Body>
void in_child_that_dies(Body body)
{
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        live_bytes_reset_in_child();  // a process of its own: no peak from the tests before
        body();
        _exit(0);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);  // the body's own checks passed
}

StackId stack_named(python::CodeInfo& code, uint32_t line)
{
    python::RawFrame frame{&code, line};
    return intern_stack(&frame, 1, PseudoFrame{});
}

std::filesystem::path record_of(const testing::TempDir& dir, long pid)
{
    return dir.path / (std::to_string(pid) + record::kFileSuffix);
}

}  // namespace

TEST_CASE("record: a process that dies at its peak leaves the peak's stacks and totals",
          "[core][record]")
{
    testing::TempDir dir;
    pid_t child = 0;
    python::CodeInfo code{"build", "job.py", 1, 910001};
    const int64_t mib = 1 << 20;
    in_child_that_dies([&] {
        if (!record_open(dir.path.c_str()) || !record_on_disk() || !record_process_meta() ||
            !stack_table_init()) {
            _exit(3);
        }
        const StackId s = stack_named(code, 7);
        stack_add_live(s, 300 * mib);
        live_add(300 * mib);
        live_flush_this_thread();
        stack_add_time(s, 1500, 2500);
    });
    // The child's pid named its file: find it.
    for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
        child = std::stol(entry.path().stem().string());
    }
    REQUIRE(child != 0);
    const ReadBack r = read_record(record_of(dir, child));
    CHECK(std::memcmp(r.header.magic, record::kMagic, 8) == 0);
    CHECK(r.header.pid == static_cast<uint32_t>(child));
    CHECK(r.header.state == static_cast<uint32_t>(record::State::Recording));
    CHECK(r.header.peak_bytes >= 300 * mib);
    CHECK(r.header.live_bytes >= 300 * mib);
    CHECK(r.meta.count("command") == 1);
    CHECK(r.meta.count("mode") == 1);
    // The stack is in the log with its frame, and its live bytes: the peak's breakdown.
    bool found = false;
    for (const auto& [id, slot] : r.slots) {
        if (r.frames.count(slot.frame) == 1 && r.frames.at(slot.frame) == "build") {
            found = true;
            CHECK(slot.live == 300 * mib);
            CHECK(slot.cpu_us == 1500);
            CHECK(slot.wait_us == 2500);
        }
    }
    CHECK(found);
}

TEST_CASE("record: a snapshot lands in the other buffer, published by the generation",
          "[core][record]")
{
    testing::TempDir dir;
    python::CodeInfo code{"peak", "job.py", 1, 910002};
    const int64_t mib = 1 << 20;
    in_child_that_dies([&] {
        if (!record_open(dir.path.c_str()) || !stack_table_init()) {
            _exit(3);
        }
        const StackId s = stack_named(code, 3);
        for (int round = 1; round <= 3; ++round) {
            // A new high, then a fall: the falling edge snapshots the high.
            stack_add_live(s, int64_t{round} * 1000 * mib);
            live_add(int64_t{round} * 1000 * mib);
            live_flush_this_thread();
            live_sub(int64_t{round} * 1000 * mib);
            live_flush_this_thread();
            stack_add_live(s, -int64_t{round} * 1000 * mib);
        }
    });
    std::filesystem::path file;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
        file = entry.path();
    }
    const ReadBack r = read_record(file);
    REQUIRE(r.header.snapshot_generation >= 3);
    const unsigned current = r.header.snapshot_generation & 1;
    CHECK(r.header.snapshot_peak[current] >= 3000 * mib);
    // Died after the fall: below the snapshot's total, so the snapshot is the peak.
    CHECK(r.header.live_bytes < r.header.snapshot_total[current]);
    bool found = false;
    for (const auto& [id, slot] : r.slots) {
        if (r.frames.count(slot.frame) == 1 && r.frames.at(slot.frame) == "peak") {
            found = true;
            CHECK(slot.at_peak[current] == 3000 * mib);
            CHECK(slot.at_peak[current ^ 1] == 2000 * mib);  // the previous one, kept whole
            CHECK(slot.live == 0);
        }
    }
    CHECK(found);
}

TEST_CASE("record: a fork child writes a record of its own and never the parent's",
          "[core][record]")
{
    testing::TempDir dir;
    python::CodeInfo parent_code{"before_fork", "job.py", 1, 910003};
    python::CodeInfo child_code{"in_child", "job.py", 1, 910004};
    const int64_t mib = 1 << 20;
    in_child_that_dies([&] {
        if (!record_open(dir.path.c_str()) || !stack_table_init()) {
            _exit(3);
        }
        const StackId s = stack_named(parent_code, 1);
        stack_add_live(s, 40 * mib);
        const pid_t grandchild = fork();
        if (grandchild == 0) {
            stack_table_after_fork_child();  // what the at-fork handler does
            live_bytes_reset_in_child();
            const StackId c = stack_named(child_code, 2);
            stack_add_live(c, 70 * mib);
            stack_add_live(s, -40 * mib);  // frees what it inherited
            _exit(0);
        }
        int status = 0;
        waitpid(grandchild, &status, 0);
    });
    std::vector<ReadBack> records;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
        records.push_back(read_record(entry.path()));
    }
    REQUIRE(records.size() == 2);
    const ReadBack& first =
        records[0].header.ppid == records[1].header.pid ? records[1] : records[0];
    const ReadBack& second = &first == &records[0] ? records[1] : records[0];
    REQUIRE(second.header.ppid == first.header.pid);
    auto live_of = [](const ReadBack& r, const std::string& function) -> int64_t {
        for (const auto& [id, slot] : r.slots) {
            if (r.frames.count(slot.frame) == 1 && r.frames.at(slot.frame) == function) {
                return slot.live;
            }
        }
        return -1;
    };
    // The parent's record is as the parent left it: the child's changes went to its own file.
    CHECK(live_of(first, "before_fork") == 40 * mib);
    CHECK(live_of(first, "in_child") == -1);
    // The child's record starts from what it inherited, and has its own changes.
    CHECK(live_of(second, "before_fork") == 0);
    CHECK(live_of(second, "in_child") == 70 * mib);
}

TEST_CASE("record: where no file can be had, the record lives in memory and profiling goes on",
          "[core][record]")
{
    testing::TempDir dir;
    python::CodeInfo code{"fallback", "job.py", 1, 910005};
    in_child_that_dies([&] {
        failpoints_init("record-file");  // the file's blocks cannot be allocated (a full disk)
        if (!record_open(dir.path.c_str()) || record_on_disk() || !record_active() ||
            !stack_table_init()) {
            _exit(3);
        }
        // Stacks still intern (their mirror goes to memory), so profiling is not stopped.
        if (stack_named(code, 1) == 0 || record_header().stack_count == 0) {
            _exit(4);
        }
    });
    // Nothing left on disk: a refused file is removed, never half made.
    CHECK(std::filesystem::is_empty(dir.path));
}
