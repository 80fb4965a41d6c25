// core/mmap_table.h — anonymous mappings the job made itself (pymalloc arenas, numpy's large
// buffers through a custom allocator, the mmap module): ranges → stack.
//
// munmap() gives only a range, which may cover part of a mapping, several mappings, or none we
// track; so the table keeps sorted, non-overlapping intervals and every change is an interval
// operation. It also does the byte accounting (live total and per-stack live bytes) for
// mappings, exactly: every tracked mapping carries its own stack (mappings are few and each one
// is a system call, so a stack capture per mapping costs little next to it).
// Mappings made inside malloc (glibc's own mmap for large blocks) never reach our hook: glibc
// calls its internal __mmap. Those are counted as malloc'ed blocks instead.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core {

bool mmap_table_init() noexcept;

// A new mapping [start, start+length). Replaces any tracked overlap (MAP_FIXED over an old
// mapping unmaps it implicitly). False when the table is full (the caller disables).
bool mmap_track(uintptr_t start, size_t length, uint32_t stack) noexcept;

// munmap of [start, start+length): subtracts every tracked byte in the range. Returns the stack
// of the first tracked interval met (for mremap, which moves a mapping), or 0.
uint32_t mmap_untrack(uintptr_t start, size_t length) noexcept;

size_t mmap_tracked_count() noexcept;

void mmap_lock_for_fork() noexcept;
void mmap_unlock_after_fork() noexcept;
void mmap_reset_lock_in_child() noexcept;

}  // namespace sciagraph::core
