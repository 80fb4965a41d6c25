// core/job_format.h — the job page: one small file per run (`raw/job.sgjob`), mapped shared by
// every profiled process of the job, so that they agree, while they run, on the moment the job's
// total memory is highest, and each keeps what it held at that moment.
//
// Why at run time, not in the report: the report can add up each process's memory over time
// (core/timeline.h) and find the job's highest moment, but each process's stacks are kept only
// at that process's own peak. A pool worker peaks when it is alone; the job peaks when all of them
// and the parent hold their data at once. So the processes publish their part here and take a
// snapshot of their stacks when the job, not they, reaches a new high.
//
// Protocol (all fields below `page_size` are updated with atomic operations):
//   - A process's *part* is what it holds of the job: its live bytes, less, in a fork child,
//     what it inherited (those pages are its parent's, counted there; a child that frees them
//     does not free memory, and what it allocates above them is its own).
//   - Each process adds the changes of its part to `total` where its own total changes
//     (core/live_bytes.cpp: every 64 KiB per thread), and takes it out at exit.
//   - The adder that takes `total` past `high` raises `high` (and `high_monotonic_ns`); when the
//     new high is 1% above `requested_high` it sets `rising`.
//   - The first process whose change makes `total` fall while `rising` is set clears it, sets
//     `requested_high` and increments `generation`: a snapshot request. The falling-edge rule of
//     core/live_bytes.h, at the job's level: at that instant every process still holds what it
//     held at the high (the fall has not happened yet in anyone's stacks).
//   - Every process, before its next change to a stack's bytes (and at its sampler's ticks, and
//     before its dump), compares `generation` with the last it answered; when it moved, it copies
//     its stacks' parts into its job-peak column and notes the generation. A process that
//     changes nothing meanwhile holds exactly what it held at the request, so its late copy is
//     still of that moment.
//   - The report uses the job-peak column of each process that answered the last `generation`
//     (its dump's `job_generation` meta); a process that answered an older one had left the
//     total by the time of the last request.
//
// A process killed by a signal cannot take its part out of `total`: the total stays that much too
// high until the job ends (the report's job peak, from the processes' timelines, does not).
//
// Native endianness: the page is read on the machine that wrote it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::job {

inline constexpr char kMagic[8] = {'S', 'C', 'I', 'A', 'J', 'O', 'B', 'P'};
// Bump on any incompatible change; the core ignores (and the report skips) other versions.
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr const char* kFileName = "job.sgjob";
inline constexpr size_t kPageBytes = 4096;
// A new high asks for a snapshot only when it is this fraction above the last request's (1%):
// a job whose total creeps up in small steps would otherwise have every process copy its stacks
// at every step. The job peak itself (`high`) is exact; the stacks are of a moment within 1%.
inline constexpr int64_t kRequestGrowthDivisor = 100;

// Three cache lines: what is written once, what every process's changes write (a few times a
// millisecond in a busy job), and what the hooks read before each sampled change (written once
// per snapshot request), so those reads do not miss every time another process adds to the total.
struct Page {
    char magic[8];
    uint32_t version;
    uint32_t page_size;           // sizeof(Page)
    uint64_t start_monotonic_ns;  // CLOCK_MONOTONIC when the launcher started the job
    uint64_t start_realtime_ns;   // CLOCK_REALTIME then, for aligning runs of several hosts
    uint32_t processes;           // processes that attached to the page (atomic)
    uint32_t reserved;

    // Shared, atomic.
    alignas(64) int64_t total;  // the processes' parts, added up
    int64_t high;               // the highest total so far
    uint64_t high_monotonic_ns;
    int64_t requested_high;  // the high that the last snapshot request was made for
    uint32_t rising;         // 1: a new high, 1% above requested_high, not yet followed by a fall
    uint32_t reserved2;

    alignas(64) uint64_t generation;  // snapshot requests made; 0: none yet
    uint64_t request_monotonic_ns;

    // Written once by the launcher: the machine's name (NUL-terminated, cut to fit), for a
    // report that merges runs of several hosts. Pages written before it end here (page_size).
    alignas(64) char host[64];
};
static_assert(sizeof(Page) <= kPageBytes);
// The size of a page without `host`, which a report still reads.
inline constexpr uint32_t kPageSizeBeforeHost = 192;
static_assert(offsetof(Page, host) == kPageSizeBeforeHost);
static_assert(sizeof(Page) % 8 == 0);

}  // namespace sciagraph::job
