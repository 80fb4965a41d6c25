// core/tracker.h — the core's entry points, called by the hooks in inject/. Every function is
// noexcept and catches at its edge: an internal failure disables profiling (core/disable.h)
// and the hook still returns the real function's result.
//
// The hook calls the real function first, with the recursion guard held, then reports here
// (frees are reported before the real free, see inject/preload.cpp). Sizes are usable sizes
// (malloc_usable_size), so a free subtracts exactly what its allocation added without the core
// storing a size per block.
//
// Locking belongs to the tables (alloc_table, mmap_table, stack_table, live_bytes): callers
// never lock. The global lock order, which the fork handlers follow too, is
// mmap table → snapshot → stack table → alloc table → code cache, safe-read pipe → dump
// writer.
#pragma once

#include "alloc_table.h"
#include "hot_state.h"

#include <cstddef>
#include <cstdint>

namespace sciagraph::core {

// A block was allocated (malloc family).
void on_alloc(void* ptr, size_t usable_size) noexcept;
// A block is about to be freed. Returns what the table held for it, for realloc to restore if
// the real realloc fails.
struct FreedBlock {
    bool sampled = false;
    SampledAlloc sample{};
};
FreedBlock on_free(void* ptr, size_t usable_size) noexcept;
// realloc: `old_block` is what on_free returned for the old pointer.
void on_realloc(void* old_ptr,
                void* new_ptr,
                size_t new_usable,
                const FreedBlock& old_block) noexcept;
void on_realloc_failed(void* old_ptr, size_t old_usable, const FreedBlock& old_block) noexcept;

// Anonymous, accessible mappings; munmap is reported before the real call.
void on_mmap(void* addr, size_t length) noexcept;
void on_munmap(void* addr, size_t length) noexcept;
// mremap: begin untracks the old range and returns its stack (0: untracked); end tracks the
// resulting range (the new one, or the old one if mremap failed) under that stack.
uint32_t on_mremap_begin(void* old_addr, size_t old_length) noexcept;
void on_mremap_end(void* addr, size_t length, uint32_t stack) noexcept;

// From the library constructor, before main: reads the settings, checks the environment,
// sets up the tables, starts the sampler. May end the process with status 125 (unsupported
// Python in the root job, when configured to fail fast).
void start() noexcept;
// From the Python bootstrap, with the GIL held, before user code: the layout cross-check.
void python_ready() noexcept;
// Last words: the final dump. From the library destructor and the _exit hooks.
void finish() noexcept;
// The _exit hooks: the status the process passes, for the dump's `ended`, then finish().
void finish_with_status(int status) noexcept;
// True once start() decided this process is profiled (a Python job started by sciagraph).
bool active() noexcept;

}  // namespace sciagraph::core
