// core/dump_format.h — the raw dump: the one thing core/ (writer) and report/ (reader) share.
//
// A dump is one file per profiled process, `<pid>.sgdump`, little-endian:
//
//   FileHeader                       magic "SCIAGDMP", format version, header size
//   Section*                         each: SectionHeader, payload, u32 CRC-32 of the section
//                                    header's 16 bytes followed by the payload (section_crc)
//   Section{kind = End}              written last; a dump without it was cut short
//
// Sections can be skipped by length, so a reader of version N reads any section kind it knows
// and skips the others. A reader must expect a file cut anywhere (a job killed mid-write, a full
// disk): it keeps every section whose CRC checks and reports the rest as truncated.
//
// Payloads (all integers little-endian, strings are u32 length + UTF-8 bytes, no NUL):
//   Meta      u32 count, then count × (string key, string value). Keys are listed below.
//   Frames    u32 count, then count × (string function, string file, u32 line, u32 kind).
//             Frame ids are the index in this list, over all Frames sections of the dump in order.
//   Stacks    u32 count, then count × (u32 parent stack id, u32 frame id). Stack ids are the
//             index over all Stacks sections, plus one: id 0 is the empty stack (the root), so a
//             stack is a path in a trie and its frames are read leaf to root through `parent`.
//             The writer creates a node after its parent, so a parent's id is always lower than
//             its child's; a reader may rely on it to refuse loops.
//   Samples   u32 metric, u32 count, then count × (u32 stack id, u64 value). Several sections of
//             one metric add up.
//   Timeline  u32 count, then count × (i64 monotonic ns, i64 part, i64 high, i64 since ns): the
//             process's part of the job's memory over time (core/timeline.h), oldest first.
//
// The `command` meta value is the process's argv as a JSON array of strings.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::dump {

inline constexpr char kMagic[8] = {'S', 'C', 'I', 'A', 'G', 'D', 'M', 'P'};
// Bump on any incompatible change to the layout above; readers refuse other versions.
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr const char* kFileSuffix = ".sgdump";

struct FileHeader {
    char magic[8];
    uint32_t version;
    uint32_t header_size;  // sizeof(FileHeader) for version 1; lets a reader skip extensions
};
static_assert(sizeof(FileHeader) == 16);

enum class SectionKind : uint32_t {
    Meta = 1,
    Frames = 2,
    Stacks = 3,
    Samples = 4,
    Timeline = 5,
    End = 0x454e44,  // "END"
};

struct SectionHeader {
    uint32_t kind;  // SectionKind
    uint32_t reserved;
    uint64_t length;  // payload bytes, not counting this header and the trailing CRC
};
static_assert(sizeof(SectionHeader) == 16);

// No section may claim more than this: a reader refuses larger lengths as corrupt rather than
// allocating them.
inline constexpr uint64_t kMaxSectionBytes = 1ull << 32;

enum class Metric : uint32_t {
    MemoryPeakBytes = 1,  // bytes live at the peak, per stack (estimated from samples)
    TimeCpuMicros = 2,    // on-CPU time per stack
    TimeWaitMicros = 3,   // waiting time per stack (sleep, I/O, locks, the GIL)
    JobPeakBytes = 4,     // the process's part per stack at the job's peak (core/job_format.h)
};

enum class FrameKind : uint32_t {
    Python = 0,  // written `function (file:line)`
    Pseudo = 1,  // a bracketed label such as "[native thread]": written as the function alone
};

// Meta keys the core writes (all values are strings; numbers in decimal).
namespace meta {
inline constexpr const char* kPid = "pid";
inline constexpr const char* kParentPid = "ppid";
inline constexpr const char* kPythonVersion = "python_version";
inline constexpr const char* kMode = "mode";                            // memory | time | both
inline constexpr const char* kStatus = "status";                        // ok | disabled
inline constexpr const char* kDisabledReason = "disabled_reason";       // one line
inline constexpr const char* kFinal = "final";                          // 1: written at exit
inline constexpr const char* kPeakBytes = "peak_bytes";                 // exact tracked peak
inline constexpr const char* kCurrentBytes = "current_bytes";           // at the dump's writing
inline constexpr const char* kPeakSampledBytes = "peak_sampled_bytes";  // sum of the peak table
inline constexpr const char* kSampleIntervalBytes = "memory_sample_interval_bytes";
inline constexpr const char* kAllocSamples = "memory_samples";
inline constexpr const char* kWallSeconds = "wall_seconds";
inline constexpr const char* kCpuSeconds = "cpu_seconds";
inline constexpr const char* kTimeSamples = "time_samples";
inline constexpr const char* kTimeFailedReads = "time_failed_reads";
inline constexpr const char* kSamplerCpuSeconds = "sampler_cpu_seconds";
inline constexpr const char* kTimeHz = "time_hz";
inline constexpr const char* kCommand = "command";
// The job view (core/job_format.h): the job snapshot request the JobPeakBytes samples answer,
// the bytes the process inherited at its fork (not its part of the job), and the process's
// start and the dump's writing on CLOCK_MONOTONIC, the clock of the timeline and the job page.
inline constexpr const char* kJobGeneration = "job_generation";
inline constexpr const char* kJobForkBaseBytes = "job_fork_base_bytes";
inline constexpr const char* kStartMonotonicNs = "start_monotonic_ns";
inline constexpr const char* kEndMonotonicNs = "end_monotonic_ns";
// The working directory the process started in: its frames' relative file names start there.
inline constexpr const char* kCwd = "cwd";
// How the process ended: "exit", "exit N" (the status it passed to _exit), or, from a live
// record (core/record_format.h) of a process that never reached its exit, "killed while
// recording" (a signal: SIGKILL, the OOM killer, a segfault, abort()).
inline constexpr const char* kEnded = "ended";
inline constexpr const char* kEndedKilled = "killed while recording";
}  // namespace meta

// CRC-32 (IEEE 802.3, reflected, as zlib's crc32) over a byte range; `crc` chains calls.
// The table is built at compile time, so the injected core needs no initialisation for it.
namespace detail {
struct Crc32Table {
    uint32_t entry[256];
    constexpr Crc32Table() : entry{}
    {
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) {
                c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
            }
            entry[i] = c;
        }
    }
};
inline constexpr Crc32Table kCrc32Table{};
}  // namespace detail

inline uint32_t crc32(const void* data, size_t size, uint32_t crc = 0) noexcept
{
    const auto* p = static_cast<const unsigned char*>(data);
    crc = ~crc;
    for (size_t i = 0; i < size; ++i) {
        crc = detail::kCrc32Table.entry[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    }
    return ~crc;
}

// A section's checksum covers its header too: a flipped kind or length is caught, not read as
// an unknown section or a truncation. `header` is the section's 16 header bytes as stored.
inline uint32_t section_crc(const void* header, const void* payload, size_t size) noexcept
{
    return crc32(payload, size, crc32(header, sizeof(SectionHeader)));
}

}  // namespace sciagraph::dump
