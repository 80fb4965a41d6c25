// core/arena.h — memory for the core's own tables, mapped by the core itself (raw mmap
// syscall), never from the job's allocator. Bump allocation, never freed: tables only grow,
// and a fork child keeps using the inherited copy.
#pragma once

#include <cstddef>

namespace sciagraph::core {

// Zeroed memory of `bytes`, aligned to `align` (a power of two ≤ 4096), or nullptr when the
// arena cannot grow (the caller disables profiling). Thread-safe, lock-free.
void* arena_alloc(size_t bytes, size_t align = 16) noexcept;

// Bytes handed out so far, for the report of sciagraph's own footprint.
size_t arena_used_bytes() noexcept;

// Raw anonymous mapping through the syscall, bypassing the mmap hook; nullptr on failure.
void* raw_map(size_t bytes) noexcept;
void raw_unmap(void* addr, size_t bytes) noexcept;

}  // namespace sciagraph::core
