// core/stack_table.h — interned call stacks and the per-stack counters every profile is made of.
//
// Frames are (CodeInfo id, line) pairs or pseudo-frames; stacks are nodes of a trie keyed by
// (parent stack, frame), so interning a stack of depth d is d hash lookups and the dump writes
// each node once. Per stack: live sampled bytes now, live sampled bytes at the last peak
// snapshot, CPU and waiting microseconds.
//
// Locking belongs to this table: callers never lock. Everything lives in arena memory.
#pragma once

#include "python/python.h"

#include <cstddef>
#include <cstdint>

namespace sciagraph::core {

using StackId = uint32_t;  // 0: the empty stack (root)

enum class PseudoFrame : uint32_t {
    NoPythonFrame = 1,  // "[no Python frame]": start-up, native threads, interpreter internals
    NativeThread,       // "[native thread]": a thread without a Python thread state
    Truncated,          // "[truncated]": stack deeper than the core keeps
    SamplerError,       // "[unreadable stack]": the sampler could not read the thread
};

// Interns a stack given leaf first (as read from a frame chain); `root` (if non-zero) is a
// pseudo-frame placed at the root. Returns 0 when the table is full (the caller disables).
StackId intern_stack(const python::RawFrame* leaf_first, size_t count, PseudoFrame root) noexcept;
StackId intern_pseudo(PseudoFrame frame) noexcept;
// Interns leaf_first[0..count) below `parent` (an id this table gave, 0: the root), and writes
// the node of each level, root-most first, to nodes[0..room): for a caller that knows its
// stack's first levels are interned at `parent` already (core/tracker.cpp). 0 when full.
StackId intern_below(StackId parent,
                     const python::RawFrame* leaf_first,
                     size_t count,
                     StackId* nodes,
                     size_t room) noexcept;

// Live sampled bytes per stack; called on sampled allocations and frees.
void stack_add_live(StackId stack, int64_t bytes) noexcept;
// Copies live → at-peak for every stack (the peak snapshot), and into the live record's
// at_peak[record_buffer]. O(number of stacks).
void stack_snapshot_peak(unsigned record_buffer) noexcept;
// Copies each stack's part (live, less what it held at the fork in a fork child) to its job-peak
// column and the live record's at_job_peak: the answer to a job snapshot request
// (core/job_page.h). O(number of stacks).
void stack_snapshot_job() noexcept;
// Time samples from the sampler.
void stack_add_time(StackId stack, uint64_t cpu_us, uint64_t wait_us) noexcept;

bool stack_table_init() noexcept;
// After fork, in the child: the table lock may have been held by a thread that is gone.
void stack_table_after_fork_child() noexcept;
void stack_table_lock_for_fork() noexcept;
void stack_table_unlock_after_fork() noexcept;

}  // namespace sciagraph::core
