// core/alloc_table.h — the live sampled allocations: address → (stack, weight).
//
// Every free() asks "was this block sampled?", so lookups are lock-free: open addressing with
// linear probing over atomic keys. Inserts and removals take the table's spinlock; a removal
// leaves a tombstone so probe paths stay intact for concurrent readers. When tombstones pile
// up, the table is rebuilt in place under a sequence counter (a seqlock): a lock-free reader
// that saw the counter change retries under the lock. The table grows (doubling, in arena
// memory; the old array is leaked, so growth costs at most twice the final size) when a
// quarter is live, which keeps probes short and the common miss to one or two cache lines.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core {

struct SampledAlloc {
    uint32_t stack;
    uint64_t weight;
};

class AllocTable {
public:
    // Capacity is a power of two. False when the arena cannot provide it.
    bool init(size_t initial_capacity) noexcept;

    // False when full (growth failed); the caller disables profiling.
    bool insert(uintptr_t address, SampledAlloc value) noexcept;
    // Removes and returns the entry when `address` was sampled. Cheap for unsampled addresses:
    // the lock is taken only for those the counting filter cannot rule out.
    bool remove(uintptr_t address, SampledAlloc& out) noexcept;
    bool contains(uintptr_t address) const noexcept;

    size_t size() const noexcept;
    size_t capacity() const noexcept;
    size_t tombstones() const noexcept;  // slots a removal left, not yet reused or rebuilt away

    void lock_for_fork() noexcept;
    void unlock_after_fork() noexcept;
    void reset_lock_in_child() noexcept;
};

AllocTable& alloc_table() noexcept;

}  // namespace sciagraph::core
