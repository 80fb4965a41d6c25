// core/coverage_marks.h — named branches that the end-to-end tests prove they reached.
//
// A test that means to exercise "a sampled block moved by realloc" cannot see from outside
// whether it did. Debug invariants (SCIAGRAPH_CHECK) count their failures the same way, as
// `mark:invariant_violated`, which every e2e case expects to be 0: inside someone's job a
// failed invariant is reported, not turned into a crash. In debug builds (SCIAGRAPH_DEBUG_CHECKS)
// each SCIAGRAPH_MARK(name) counts its hits, and the dump lists the counts as meta keys
// `mark:<name>`; the e2e suite, run against the debug build, asserts the marks its cases target.
// Release builds compile the marks away.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sciagraph::core {

enum class Mark : unsigned {
    ReallocKeptSample,      // a sampled block grew or shrank in place
    ReallocMovedSample,     // realloc moved a sampled block to a new address
    ReallocFailed,          // the real realloc failed: the old block was restored
    FallingEdgeSnapshot,    // the peak's breakdown was snapshotted on a fall
    MunmapSplit,            // munmap cut a hole in the middle of a tracked mapping
    MapFixedOverlay,        // MAP_FIXED replaced part of a tracked mapping
    ForkChild,              // the at-fork child handler restarted the profile
    FinalDumpFromExit,      // the final dump was written from the _exit hook
    NearLimitSnapshot,      // the cgroup watch forced a snapshot
    InvariantViolated,      // a debug invariant failed (a total below zero): must stay 0
    SamplerPrivateFdTable,  // the sampler thread runs with a descriptor table of its own
    SamplerSharedFdTable,   // unshare(CLONE_FILES) was refused: it shares the job's table
    Count
};

inline constexpr std::array<std::string_view, static_cast<size_t>(Mark::Count)> kMarkNames = {
    "realloc_kept_sample",
    "realloc_moved_sample",
    "realloc_failed",
    "falling_edge_snapshot",
    "munmap_split",
    "map_fixed_overlay",
    "fork_child",
    "final_dump_from_exit",
    "near_limit_snapshot",
    "invariant_violated",
    "sampler_private_fd_table",
    "sampler_shared_fd_table",
};

namespace detail {
inline std::atomic<uint64_t> g_marks[static_cast<size_t>(Mark::Count)];
}

inline uint64_t mark_count(Mark mark) noexcept
{
    return detail::g_marks[static_cast<size_t>(mark)].load(std::memory_order_relaxed);
}

}  // namespace sciagraph::core

#if defined(SCIAGRAPH_DEBUG_CHECKS)
#define SCIAGRAPH_MARK(mark)                                                                       \
    ::sciagraph::core::detail::g_marks[static_cast<size_t>(::sciagraph::core::Mark::mark)]         \
        .fetch_add(1, std::memory_order_relaxed)
#define SCIAGRAPH_MARKS_ENABLED 1
#define SCIAGRAPH_CHECK(condition)                                                                 \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            SCIAGRAPH_MARK(InvariantViolated);                                                     \
        }                                                                                          \
    } while (0)
#else
#define SCIAGRAPH_MARK(mark) ((void)0)
#define SCIAGRAPH_MARKS_ENABLED 0
#define SCIAGRAPH_CHECK(condition) ((void)0)
#endif
