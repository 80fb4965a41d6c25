// core/python/code_cache.cpp — see code_cache.h.
#include "code_cache.h"

#include "arena.h"
#include "linetable.h"
#include "spinlock.h"
#include "symbols.h"
#include "unicode.h"

#include <cstring>

namespace sciagraph::core::python {
namespace {

// 2^17 slots of 16 bytes: 2 MiB of arena, up to ~98,000 distinct code addresses (75% load).
// Far above what the largest applications execute; full means "disable", never a wrong name.
constexpr unsigned kSlotBits = 17;
constexpr size_t kSlots = size_t{1} << kSlotBits;
constexpr size_t kMaxAddresses = kSlots / 4 * 3;
// Ids index a two-level directory: 256 pages of 4,096 entries.
constexpr uint32_t kIdsPerPage = 4096;
constexpr uint32_t kIdPages = 256;
constexpr uint32_t kMaxIds = kIdsPerPage * kIdPages - 1;

struct Slot {
    std::atomic<uintptr_t> address;
    std::atomic<const CodeEntry*> entry;
};

SpinLock g_lock;
std::atomic<Slot*> g_slots{nullptr};
size_t g_addresses = 0;  // guarded by g_lock
std::atomic<uint32_t> g_last_id{0};
std::atomic<bool> g_full{false};
using IdPage = std::atomic<const CodeEntry*>;
std::atomic<IdPage*> g_id_pages[kIdPages];  // written under g_lock, read without

const char kUnknown[] = "<unknown>";

size_t slot_of(uintptr_t address) noexcept
{
    return static_cast<size_t>(((address >> 4) * 0x9e3779b97f4a7c15ull) >> (64 - kSlotBits));
}

// Lock-free probe. Returns the entry for the key, or nullptr; `slot_out` gets the slot that
// holds the address, or the empty slot where it would go.
const CodeEntry* probe(Slot* slots, const CodeKey& key, Slot** slot_out) noexcept
{
    size_t index = slot_of(key.code);
    for (size_t step = 0; step < kSlots; ++step, index = (index + 1) & (kSlots - 1)) {
        Slot& slot = slots[index];
        uintptr_t address = slot.address.load(std::memory_order_acquire);
        if (address == key.code) {
            *slot_out = &slot;
            const CodeEntry* entry = slot.entry.load(std::memory_order_acquire);
            return entry->key == key ? entry : nullptr;
        }
        if (address == 0) {
            *slot_out = &slot;
            return nullptr;
        }
    }
    *slot_out = nullptr;
    return nullptr;
}

bool copy_linetable(ReadFn read, const CodeKey& key, const Layout& layout, CodeEntry& entry)
{
    if (key.linetable == 0) {
        return true;  // no table: every line 0
    }
    unsigned char header[64];
    if (!read(header, key.linetable, layout.bytes_data) ||
        load_field<uintptr_t>(header, layout.object_type) != symbols().bytes_type) {
        return false;
    }
    auto size = load_field<int64_t>(header, layout.var_size);
    if (size < 0) {
        return false;
    }
    uint32_t kept = size > kMaxLineTableBytes ? kMaxLineTableBytes : static_cast<uint32_t>(size);
    auto* bytes = static_cast<uint8_t*>(arena_alloc(kept + 1, 1));
    if (bytes == nullptr || !read(bytes, key.linetable + layout.bytes_data, kept)) {
        return false;
    }
    entry.linetable = bytes;
    entry.linetable_size = kept;
    return true;
}

void publish_id(uint32_t id, const CodeEntry* entry) noexcept
{
    std::atomic<IdPage*>& slot = g_id_pages[id / kIdsPerPage];
    IdPage* page = slot.load(std::memory_order_relaxed);
    if (page == nullptr) {
        page = static_cast<IdPage*>(arena_alloc(kIdsPerPage * sizeof(IdPage), 64));
        if (page == nullptr) {
            return;  // code_info(id) then answers nullptr: the entry itself is still valid
        }
        slot.store(page, std::memory_order_release);
    }
    page[id % kIdsPerPage].store(entry, std::memory_order_release);
}

// Called with g_lock held.
const CodeEntry* make_entry(const CodeKey& key, ReadFn read) noexcept
{
    const Layout* layout = current_layout();
    uint32_t id = g_last_id.load(std::memory_order_relaxed) + 1;
    if (layout == nullptr || id > kMaxIds) {
        return nullptr;
    }
    auto* entry = static_cast<CodeEntry*>(arena_alloc(sizeof(CodeEntry), 64));
    if (entry == nullptr) {
        return nullptr;
    }
    uintptr_t unicode_type = symbols().unicode_type;
    const char* function = copy_unicode_to_arena(read, key.qualname, *layout, unicode_type);
    const char* file = copy_unicode_to_arena(read, key.filename, *layout, unicode_type);
    // A name that cannot be read (NULL, not a compact str) is shown as unknown rather than
    // losing the frame; the lines still come from the table.
    entry->info.function = (function != nullptr && function[0] != '\0') ? function : kUnknown;
    entry->info.file = (file != nullptr && file[0] != '\0') ? file : kUnknown;
    entry->info.first_line = key.first_line > 0 ? static_cast<uint32_t>(key.first_line) : 0;
    entry->key = key;
    if (!copy_linetable(read, key, *layout, *entry)) {
        entry->linetable = nullptr;
        entry->linetable_size = 0;
    }
    entry->info.id = id;
    publish_id(id, entry);
    g_last_id.store(id, std::memory_order_release);
    return entry;
}

Slot* slots() noexcept
{
    Slot* table = g_slots.load(std::memory_order_acquire);
    if (table == nullptr) {
        SpinLockGuard guard(g_lock);
        table = g_slots.load(std::memory_order_relaxed);
        if (table == nullptr) {
            table = static_cast<Slot*>(arena_alloc(kSlots * sizeof(Slot), 4096));
            g_slots.store(table, std::memory_order_release);
        }
    }
    return table;
}

}  // namespace

const CodeEntry* code_cache_lookup(const CodeKey& key, ReadFn read) noexcept
{
    Slot* table = slots();
    if (table == nullptr || key.code == 0) {
        g_full.store(table == nullptr, std::memory_order_relaxed);
        return nullptr;
    }
    Slot* slot = nullptr;
    if (const CodeEntry* hit = probe(table, key, &slot)) {
        return hit;
    }
    if (g_full.load(std::memory_order_relaxed)) {
        return nullptr;
    }
    SpinLockGuard guard(g_lock);
    if (const CodeEntry* hit = probe(table, key, &slot)) {
        return hit;  // another thread made it meanwhile
    }
    bool new_address = slot == nullptr || slot->address.load(std::memory_order_relaxed) == 0;
    if (slot == nullptr || (new_address && g_addresses >= kMaxAddresses)) {
        g_full.store(true, std::memory_order_relaxed);
        return nullptr;
    }
    const CodeEntry* entry = make_entry(key, read);
    if (entry == nullptr) {
        if (current_layout() != nullptr) {
            g_full.store(true, std::memory_order_relaxed);
        }
        return nullptr;
    }
    // The entry first, then the address: a reader that sees the address sees the entry.
    // For a reused address the slot keeps its address and takes the new entry.
    slot->entry.store(entry, std::memory_order_release);
    if (new_address) {
        slot->address.store(key.code, std::memory_order_release);
        ++g_addresses;
    }
    return entry;
}

uint32_t code_entry_line(const CodeEntry& entry, int64_t offset) noexcept
{
    if (offset < 0) {
        return entry.info.first_line;
    }
    if (offset >= INT32_MAX) {
        return 0;
    }
    auto unit = static_cast<uint32_t>(offset);
    auto& cached = const_cast<CodeEntry&>(entry).lines[(unit * 2654435761u) >> 28];
    uint64_t packed = cached.load(std::memory_order_relaxed);
    if ((packed >> 32) == uint64_t{unit} + 1) {
        return static_cast<uint32_t>(packed);
    }
    int32_t line = entry.linetable == nullptr
                       ? -1
                       : line_for_offset(entry.linetable, entry.linetable_size,
                                         static_cast<int32_t>(entry.info.first_line), unit);
    auto result = static_cast<uint32_t>(line > 0 ? line : 0);
    cached.store((uint64_t{unit} + 1) << 32 | result, std::memory_order_relaxed);
    return result;
}

uint32_t code_cache_size() noexcept
{
    return g_last_id.load(std::memory_order_acquire);
}

bool code_cache_full() noexcept
{
    return g_full.load(std::memory_order_relaxed);
}

const CodeInfo* code_info(uint32_t id) noexcept
{
    if (id == 0 || id > g_last_id.load(std::memory_order_acquire)) {
        return nullptr;
    }
    IdPage* page = g_id_pages[id / kIdsPerPage].load(std::memory_order_acquire);
    if (page == nullptr) {
        return nullptr;
    }
    const CodeEntry* entry = page[id % kIdsPerPage].load(std::memory_order_acquire);
    return entry != nullptr ? &entry->info : nullptr;
}

void code_cache_lock() noexcept
{
    g_lock.lock();
}

void code_cache_unlock() noexcept
{
    g_lock.unlock();
}

void code_cache_reset_lock_in_child() noexcept
{
    g_lock.reset_in_child();
}

}  // namespace sciagraph::core::python
