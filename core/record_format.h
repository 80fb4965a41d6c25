// core/record_format.h — the live record: what core/ keeps on disk while the process runs, and
// report/ reads when the process died without writing its final dump.
//
// Why a second file beside the dump (core/dump_format.h): a dump is written once, at exit, and
// a process killed by SIGKILL, the OOM killer, a segfault or a pool's terminate() never gets
// there. No signal handler can help with the first two, and handlers in someone else's process
// are harm waiting to happen. So every change to the tables a dump is made of is mirrored, as it
// happens, into a file-backed shared mapping (`<pid>.sgrec` in the dump directory), and the
// kernel keeps every store to it whatever way the process dies: the exact totals in the header,
// the per-stack counters in the slots of the log's stack blocks, and the peak breakdown
// double-buffered behind a generation counter, so a death in the middle of a snapshot leaves the
// previous one whole. (The tables themselves stay in the core's private memory: a fork child
// needs them exactly as they were at the fork, which a shared mapping the parent goes on
// writing cannot give. The child writes a record of its own from them.)
//
// A process that ends normally writes its final dump and removes its record; a record is left
// only by a process that died (or one whose final dump could not be written).
//
// Layout, native endianness and alignment (the reader runs on the machine that wrote it):
//
//   Header                 at offset 0, kHeaderBytes long (the rest of the page is zero)
//   log                    from kHeaderBytes: records, each a RecordHead, its payload, and zero
//                          padding to a multiple of 8; header.log_end bytes of it are complete
//
// Records (strings are u32 length + UTF-8 bytes, no NUL):
//   Meta        string key, string value (dump meta keys: mode, python_version, command)
//   Frame       u32 id, u32 line, u32 kind (dump::FrameKind), string function, string file.
//               Ids count from 1 in the order the records appear.
//   StackBlock  u32 first_id, u32 count (kStacksPerBlock), then count × StackSlot. Block k
//               holds stack ids [k × kStacksPerBlock, (k + 1) × kStacksPerBlock); id 0 is the
//               root and its slot unused. Blocks appear in order of k.
//
// Commit order, which the reader relies on: a record is complete before log_end covers it; a
// stack's slot (parent, frame) is written, and its frame's record is in the log, before
// stack_count covers its id. Counters in slots change all the time; each is one aligned 8-byte
// store, never torn.
//
// Which breakdown is the peak: at_peak[snapshot_generation & 1], taken at the last falling edge
// after a new high (core/live_bytes.h), unless the process died at a higher total than that
// snapshot describes (live_bytes >= snapshot_total of that buffer), or before any snapshot
// (snapshot_generation == 0): then it died at or near its peak, with no fall since, and the
// slots' `live` column as the process left it is the peak's breakdown. (A flag set on each new
// high and cleared by the snapshot cannot be kept right without a lock on the hot path; this
// comparison needs none, and the core orders its updates so that each side holds when read.)
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::record {

inline constexpr char kMagic[8] = {'S', 'C', 'I', 'A', 'G', 'R', 'E', 'C'};
// Bump on any incompatible change; readers refuse other versions.
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr const char* kFileSuffix = ".sgrec";
inline constexpr size_t kHeaderBytes = 4096;
inline constexpr uint32_t kStacksPerBlock = 1024;
// The log never grows past this (the stack and frame tables' caps fit in it with room to
// spare); a reader refuses a larger log_end.
inline constexpr uint64_t kMaxLogBytes = uint64_t{512} << 20;

enum class State : uint32_t {
    Recording = 1,  // the process was running: it died without reaching its exit
    Exited = 2,     // it reached exit (_exit, exit, the end of main) but left no final dump
};

struct Header {
    char magic[8];
    uint32_t version;
    uint32_t header_size;  // sizeof(Header)
    uint32_t pid;
    uint32_t ppid;
    uint32_t state;            // State
    uint32_t exit_status;      // valid when has_exit_status
    uint32_t has_exit_status;  // 1 when the process passed a status to _exit
    uint32_t time_hz;          // the sampler's rate
    uint64_t sample_interval;  // mean bytes between memory samples (1: every allocation)
    uint64_t start_monotonic_ns;
    uint64_t start_realtime_ns;  // wall clock at the start, for aligning processes

    // The core's exact totals, mirrored by the hooks as they change (atomically).
    int64_t live_bytes;
    int64_t peak_bytes;
    uint64_t reserved;
    uint64_t snapshot_generation;  // snapshots taken; at_peak[generation & 1] is the last
    int64_t snapshot_peak[2];      // peak_bytes when each buffer was filled
    int64_t snapshot_total[2];     // live_bytes then: the sum the buffer's breakdown describes

    // Refreshed by the sampler thread at every tick.
    uint64_t updated_monotonic_ns;  // the last refresh: what the record describes is as of then
    uint64_t cpu_ns;                // the process's CPU time then
    uint64_t memory_samples;
    uint64_t time_samples;
    uint64_t time_failed_reads;
    uint64_t sampler_cpu_ns;

    // The log (atomically published).
    uint64_t log_end;  // bytes after kHeaderBytes holding complete records
    uint32_t frame_count;
    uint32_t stack_count;

    // The job view (core/job_format.h): the last snapshot request this process answered (its
    // slots' at_job_peak is its part at that request) and what it inherited at its fork.
    uint64_t job_generation;
    int64_t job_fork_base;

    char disabled_reason[256];  // NUL-terminated; empty while profiling runs
};
static_assert(sizeof(Header) <= kHeaderBytes);
static_assert(sizeof(Header) % 8 == 0);

enum class Kind : uint32_t {
    Meta = 1,
    Frame = 2,
    StackBlock = 3,
};

struct RecordHead {
    uint32_t kind;  // Kind
    uint32_t size;  // payload bytes, not counting this head or the padding
};
static_assert(sizeof(RecordHead) == 8);

struct StackSlot {
    uint32_t parent;  // stack id; 0 is the root
    uint32_t frame;   // frame id, from 1; 0 while the slot is unused
    int64_t live;     // sampled bytes live now
    int64_t at_peak[2];
    uint64_t cpu_us;
    uint64_t wait_us;
    int64_t at_job_peak;  // the stack's part at the last job snapshot request answered
    int64_t fork_base;    // sampled bytes it held when the process was forked (a fork child)
};
static_assert(sizeof(StackSlot) == 64);

struct StackBlockHead {
    uint32_t first_id;
    uint32_t count;
};

inline constexpr size_t kStackBlockPayload =
    sizeof(StackBlockHead) + size_t{kStacksPerBlock} * sizeof(StackSlot);

inline constexpr uint64_t align8(uint64_t n)
{
    return (n + 7) & ~uint64_t{7};
}

}  // namespace sciagraph::record
