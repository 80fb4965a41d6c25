#include "alloc_table.h"

#include "arena.h"
#include "failpoints.h"
#include "spinlock.h"

#include <atomic>

namespace sciagraph::core {
namespace {

constexpr uintptr_t kEmpty = 0;
constexpr uintptr_t kTombstone = 1;  // never a real address: allocations are aligned

struct Slot {
    std::atomic<uintptr_t> key;
    uint32_t stack;
    uint64_t weight;
};

// Slots and mask travel together: a reader loads one pointer and probes a consistent table.
struct Table {
    size_t mask;
    Slot* slots;
};

// A counting filter in front of the table: one byte per bucket of hashed addresses, the number
// of live keys in that bucket. A free() of a block that is not sampled (nearly all of them)
// reads one byte in 32 KiB, which stays in cache while the table's slots would not. Counts, not
// bits: allocators hand the same few addresses out again and again (a loop that builds and
// drops a blob), and a bit left set by a sampled block that was freed long ago would send every
// later free of that address into a table probe. A count saturates at 255 and then stays until
// a rebuild recounts; a stale nonzero count costs a probe, never a wrong answer. Written under
// the table's lock only.
constexpr size_t kFilterBuckets = size_t{1} << 15;
constexpr uint8_t kSaturated = 255;

struct State {
    std::atomic<uint8_t> filter[kFilterBuckets];
    std::atomic<Table*> table{nullptr};
    std::atomic<uint64_t> sequence{0};  // odd while a rebuild moves entries in place
    size_t live = 0;
    size_t tombstones = 0;
    Slot* scratch = nullptr;  // rebuild buffer, as large as the table
    SpinLock lock;
};

State g_state;
AllocTable g_table;

inline size_t hash_address(uintptr_t address) noexcept
{
    uint64_t x = address >> 4;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return static_cast<size_t>(x);
}

inline std::atomic<uint8_t>& filter_bucket(uintptr_t address) noexcept
{
    return g_state.filter[(hash_address(address) >> 40) & (kFilterBuckets - 1)];
}

// Under the lock.
inline void filter_add(uintptr_t address) noexcept
{
    auto& bucket = filter_bucket(address);
    uint8_t count = bucket.load(std::memory_order_relaxed);
    if (count != kSaturated) {
        bucket.store(static_cast<uint8_t>(count + 1), std::memory_order_relaxed);
    }
}

// Under the lock, after the key is gone from the table.
inline void filter_remove(uintptr_t address) noexcept
{
    auto& bucket = filter_bucket(address);
    uint8_t count = bucket.load(std::memory_order_relaxed);
    if (count != kSaturated && count != 0) {
        bucket.store(static_cast<uint8_t>(count - 1), std::memory_order_relaxed);
    }
}

inline bool filter_test(uintptr_t address) noexcept
{
    return filter_bucket(address).load(std::memory_order_relaxed) != 0;
}

// False only when `address` is certainly not in the table: its filter bucket, read outside a
// rebuild, is empty. Lock-free.
bool may_contain(uintptr_t address) noexcept
{
    uint64_t before = g_state.sequence.load(std::memory_order_acquire);
    if ((before & 1u) != 0) {
        return true;  // a rebuild is recounting the filter
    }
    return filter_test(address) || g_state.sequence.load(std::memory_order_acquire) != before;
}

// Under the lock, inside a sequence-odd section: the filter again counts exactly the live keys.
void filter_rebuild(const Table* table) noexcept
{
    for (auto& bucket : g_state.filter) {
        bucket.store(0, std::memory_order_relaxed);
    }
    for (size_t i = 0; i <= table->mask; ++i) {
        uintptr_t key = table->slots[i].key.load(std::memory_order_relaxed);
        if (key != kEmpty && key != kTombstone) {
            filter_add(key);
        }
    }
}

Slot* find(const Table* table, uintptr_t address) noexcept
{
    const size_t mask = table->mask;
    for (size_t i = hash_address(address) & mask, n = 0; n <= mask; i = (i + 1) & mask, ++n) {
        uintptr_t key = table->slots[i].key.load(std::memory_order_acquire);
        if (key == address) {
            return &table->slots[i];
        }
        if (key == kEmpty) {
            return nullptr;
        }
    }
    return nullptr;
}

// True when the slot it took was a tombstone.
bool place(Slot* slots, size_t mask, uintptr_t address, uint32_t stack, uint64_t weight) noexcept
{
    for (size_t i = hash_address(address) & mask;; i = (i + 1) & mask) {
        uintptr_t key = slots[i].key.load(std::memory_order_relaxed);
        if (key == kEmpty || key == kTombstone) {
            slots[i].stack = stack;
            slots[i].weight = weight;
            slots[i].key.store(address, std::memory_order_release);
            return key == kTombstone;
        }
    }
}

// Under the lock. Re-places every live entry of `from` into `into`, dropping tombstones.
void rehash_into(const Slot* from, size_t from_mask, Slot* into, size_t into_mask) noexcept
{
    for (size_t i = 0; i <= from_mask; ++i) {
        uintptr_t key = from[i].key.load(std::memory_order_relaxed);
        if (key != kEmpty && key != kTombstone) {
            place(into, into_mask, key, from[i].stack, from[i].weight);
        }
    }
}

Table* make_table(size_t capacity) noexcept
{
    auto* table = static_cast<Table*>(arena_alloc(sizeof(Table), 64));
    auto* slots = static_cast<Slot*>(arena_alloc(capacity * sizeof(Slot), 64));
    auto* scratch = static_cast<Slot*>(arena_alloc(capacity * sizeof(Slot), 64));
    if (table == nullptr || slots == nullptr || scratch == nullptr) {
        return nullptr;
    }
    table->mask = capacity - 1;
    table->slots = slots;
    g_state.scratch = scratch;
    return table;
}

// Under the lock: makes room for one more entry.
bool grow_or_clean() noexcept
{
    Table* table = g_state.table.load(std::memory_order_relaxed);
    size_t capacity = table->mask + 1;
    if ((g_state.live + 1) * 4 > capacity) {
        // Grow. The old table stays readable (arena memory is never returned): a lock-free
        // reader still probing it finds every entry that existed when it was replaced, and an
        // address inserted later was handed out after this store, so its free sees the new one.
        Table* bigger = make_table(capacity * 2);
        if (bigger == nullptr) {
            return false;
        }
        rehash_into(table->slots, table->mask, bigger->slots, bigger->mask);
        g_state.sequence.fetch_add(1, std::memory_order_acq_rel);
        g_state.table.store(bigger, std::memory_order_release);
        filter_rebuild(bigger);
        g_state.sequence.fetch_add(1, std::memory_order_acq_rel);
        g_state.tombstones = 0;
        return true;
    }
    if ((g_state.live + g_state.tombstones + 1) * 2 > capacity) {
        // Too many tombstones: rebuild in place, copying the live entries aside first.
        Slot* scratch = g_state.scratch;
        for (size_t i = 0; i < capacity; ++i) {
            scratch[i].key.store(kEmpty, std::memory_order_relaxed);
        }
        rehash_into(table->slots, table->mask, scratch, table->mask);
        g_state.sequence.fetch_add(1, std::memory_order_acq_rel);
        for (size_t i = 0; i < capacity; ++i) {
            table->slots[i].key.store(kEmpty, std::memory_order_relaxed);
        }
        rehash_into(scratch, table->mask, table->slots, table->mask);
        filter_rebuild(table);
        g_state.sequence.fetch_add(1, std::memory_order_acq_rel);
        g_state.tombstones = 0;
    }
    return true;
}

}  // namespace

bool AllocTable::init(size_t initial_capacity) noexcept
{
    Table* table = make_table(initial_capacity);
    if (table == nullptr) {
        return false;
    }
    g_state.table.store(table, std::memory_order_release);
    return true;
}

bool AllocTable::insert(uintptr_t address, SampledAlloc value) noexcept
{
    if (failpoint(Failpoint::TableFull)) {
        return false;
    }
    SpinLockGuard guard(g_state.lock);
    if (g_state.table.load(std::memory_order_relaxed) == nullptr || !grow_or_clean()) {
        return false;
    }
    Table* table = g_state.table.load(std::memory_order_relaxed);
    if (Slot* existing = find(table, address)) {
        // A block whose free we never saw (freed through a path we do not hook): replace it.
        existing->stack = value.stack;
        existing->weight = value.weight;
        return true;
    }
    filter_add(address);
    // An allocator hands a freed address out again soon, and its insert usually lands on the
    // tombstone its free left: counting that one as gone keeps a churning job from rebuilding
    // the table every few thousand frees (a third of the table's cost in --exact malloc_churn).
    if (place(table->slots, table->mask, address, value.stack, value.weight)) {
        --g_state.tombstones;
    }
    ++g_state.live;
    return true;
}

bool AllocTable::contains(uintptr_t address) const noexcept
{
    uint64_t before = g_state.sequence.load(std::memory_order_acquire);
    if ((before & 1u) == 0) {
        const Table* table = g_state.table.load(std::memory_order_acquire);
        if (table == nullptr) {
            return false;
        }
        bool found = filter_test(address) && find(table, address) != nullptr;
        if (g_state.sequence.load(std::memory_order_acquire) == before) {
            return found;
        }
    }
    // A rebuild is moving entries: ask again under the lock.
    SpinLockGuard guard(g_state.lock);
    const Table* table = g_state.table.load(std::memory_order_relaxed);
    return table != nullptr && find(table, address) != nullptr;
}

bool AllocTable::remove(uintptr_t address, SampledAlloc& out) noexcept
{
    // Only the filter before the lock: the frees it lets through are nearly all of sampled
    // blocks (every block, in --exact), which the probe under the lock finds; a lock-free probe
    // first would make theirs two probes.
    if (!may_contain(address)) {
        return false;
    }
    SpinLockGuard guard(g_state.lock);
    const Table* table = g_state.table.load(std::memory_order_relaxed);
    Slot* slot = table != nullptr ? find(table, address) : nullptr;
    if (slot == nullptr) {
        return false;
    }
    out.stack = slot->stack;
    out.weight = slot->weight;
    slot->key.store(kTombstone, std::memory_order_release);
    filter_remove(address);
    --g_state.live;
    ++g_state.tombstones;
    return true;
}

size_t AllocTable::size() const noexcept
{
    return g_state.live;
}

size_t AllocTable::tombstones() const noexcept
{
    return g_state.tombstones;
}

size_t AllocTable::capacity() const noexcept
{
    const Table* table = g_state.table.load(std::memory_order_relaxed);
    return table != nullptr ? table->mask + 1 : 0;
}

void AllocTable::lock_for_fork() noexcept
{
    g_state.lock.lock();
}

void AllocTable::unlock_after_fork() noexcept
{
    g_state.lock.unlock();
}

void AllocTable::reset_lock_in_child() noexcept
{
    g_state.lock.reset_in_child();
}

AllocTable& alloc_table() noexcept
{
    return g_table;
}

}  // namespace sciagraph::core
