// core/python/code_cache.h — code object address → CodeInfo, safe against address reuse.
//
// A code object is identified by its address *and* the pointers it holds to its name, file
// name and line table plus its first line: when a code object dies and another is allocated at
// the same address, these differ (the new one holds its own strings and table), and the lookup
// makes a new entry with a new id. The entry copies everything it needs (names as UTF-8, the
// line table's bytes), so nothing is ever read from a dead object later.
//
// Lookups that hit take no lock (a few loads); misses build the entry under a spinlock.
#pragma once

#include "python.h"
#include "reader.h"

#include <atomic>
#include <cstdint>

namespace sciagraph::core::python {

struct CodeKey {
    uintptr_t code;
    uintptr_t qualname;
    uintptr_t filename;
    uintptr_t linetable;
    int32_t first_line;

    bool operator==(const CodeKey&) const = default;
};

// Line tables longer than this are cut: instructions past the cut get line 0. Real functions
// stay far below (a 2,000-line function has a table of about 20 KiB).
inline constexpr uint32_t kMaxLineTableBytes = 64 * 1024;

struct CodeEntry {
    CodeInfo info;  // first member: what the rest of the core sees
    CodeKey key;
    const uint8_t* linetable;
    uint32_t linetable_size;
    // (offset + 1) << 32 | line, direct-mapped by offset: a lossy cache, the table is the truth.
    std::atomic<uint64_t> lines[16];
};

// The entry for `key`, built with `read` (plain loads for our own thread, safe reads for the
// sampler) on a miss. nullptr when the code object's strings cannot be read or the cache is
// full (code_cache_full() then turns true for good).
const CodeEntry* code_cache_lookup(const CodeKey& key, ReadFn read) noexcept;

// Line of the instruction `offset` code units into the code object's bytecode; a negative
// offset (a frame that has not started) gives the first line, as PyCode_Addr2Line does.
// 0 when unknown.
uint32_t code_entry_line(const CodeEntry& entry, int64_t offset) noexcept;

// Number of entries created (the largest id handed out).
uint32_t code_cache_size() noexcept;

// Fork: the cache's lock is taken before fork and released in both processes after.
void code_cache_lock() noexcept;
void code_cache_unlock() noexcept;
void code_cache_reset_lock_in_child() noexcept;

}  // namespace sciagraph::core::python
