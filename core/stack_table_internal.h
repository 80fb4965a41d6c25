// core/stack_table_internal.h — the stack table's storage, for the dump writer and the tests.
// Entries with ids up to the published counts are complete (written before the count).
#pragma once

#include "spinlock.h"
#include "stack_table.h"

#include <atomic>
#include <cstdint>

namespace sciagraph::core {

struct FrameEntry {
    const python::CodeInfo* code;  // nullptr for a pseudo-frame
    uint32_t line;
    uint32_t pseudo;  // PseudoFrame when code is nullptr
};

struct StackNode {
    StackId parent;
    uint32_t frame;  // frame id, from 1
};

struct StackCounters {
    std::atomic<int64_t> live;  // sampled bytes live now
    int64_t at_peak;            // sampled bytes live at the last peak snapshot
    int64_t at_job_peak;        // its part at the last job snapshot request (core/job_page.h)
    int64_t fork_base;          // sampled bytes it held at the fork (a fork child), else 0
    std::atomic<uint64_t> cpu_us;
    std::atomic<uint64_t> wait_us;
};

struct StackTableView {
    const FrameEntry* frames;  // index by frame id (1..frame_count)
    const StackNode* stacks;   // index by stack id (1..stack_count)
    const StackCounters* counters;
    uint32_t frame_count;
    uint32_t stack_count;
};

StackTableView stack_table_view() noexcept;
SpinLock& stack_table_lock() noexcept;
const char* pseudo_frame_name(uint32_t pseudo) noexcept;

}  // namespace sciagraph::core
