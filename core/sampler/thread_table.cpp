#include "thread_table.h"

namespace sciagraph::core::sampler {

void ThreadTable::attach(ThreadSlot* slots, size_t capacity) noexcept
{
    slots_ = slots;
    capacity_ = capacity;
    size_ = 0;
}

void ThreadTable::clear() noexcept
{
    // Free slots hold stale fields only: find_or_insert rewrites a slot whole when it takes it,
    // so freeing a slot is zeroing its TID. Not a memset of the whole table: in a fork child
    // that wrote 1.3 MiB of copy-on-write pages (1.8 ms of every pool worker's start).
    for (size_t i = 0; slots_ != nullptr && i < capacity_ && size_ > 0; ++i) {
        if (slots_[i].tid != 0) {
            slots_[i].tid = 0;
            --size_;
        }
    }
    size_ = 0;
}

size_t ThreadTable::home(int32_t tid) const noexcept
{
    // Fibonacci hashing: TIDs are nearly consecutive, the multiply spreads them.
    const uint64_t h = static_cast<uint64_t>(static_cast<uint32_t>(tid)) * 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>(h >> 32) & (capacity_ - 1);
}

ThreadSlot* ThreadTable::find(int32_t tid) noexcept
{
    if (capacity_ == 0 || tid == 0) {
        return nullptr;
    }
    for (size_t i = home(tid);; i = (i + 1) & (capacity_ - 1)) {
        if (slots_[i].tid == tid) {
            return &slots_[i];
        }
        if (slots_[i].tid == 0) {
            return nullptr;  // never reached an empty slot in a full table: size ≤ 3/4
        }
    }
}

ThreadSlot* ThreadTable::find_or_insert(int32_t tid, bool& inserted) noexcept
{
    inserted = false;
    if (capacity_ == 0 || tid == 0) {
        return nullptr;
    }
    size_t i = home(tid);
    for (; slots_[i].tid != 0; i = (i + 1) & (capacity_ - 1)) {
        if (slots_[i].tid == tid) {
            return &slots_[i];
        }
    }
    if (size_ >= max_size()) {
        return nullptr;
    }
    slots_[i] = ThreadSlot{};
    slots_[i].tid = tid;
    ++size_;
    inserted = true;
    return &slots_[i];
}

void ThreadTable::erase(ThreadSlot* slot) noexcept
{
    erase_at(static_cast<size_t>(slot - slots_));
}

// Backward-shift deletion: move each later entry of the probe chain into the hole when its home
// does not lie (cyclically) between the hole and its position.
void ThreadTable::erase_at(size_t hole) noexcept
{
    const size_t mask = capacity_ - 1;
    for (size_t i = (hole + 1) & mask; slots_[i].tid != 0; i = (i + 1) & mask) {
        const size_t want = home(slots_[i].tid);
        const bool stays = ((i - want) & mask) < ((i - hole) & mask);
        if (!stays) {
            slots_[hole] = slots_[i];
            hole = i;
        }
    }
    slots_[hole] = ThreadSlot{};
    --size_;
}

size_t ThreadTable::evict_unseen(uint64_t pass, EvictFn on_evict, void* context) noexcept
{
    size_t evicted = 0;
    // An erase may pull a later entry into slot i (re-examined by not advancing) or an entry
    // from the start of the array into the end (examined when reached, or already examined and
    // kept: examining it twice is harmless). No entry is skipped.
    for (size_t i = 0; i < capacity_ && size_ > 0;) {
        if (slots_[i].tid != 0 && slots_[i].seen_pass != pass) {
            if (on_evict != nullptr) {
                on_evict(context, slots_[i]);
            }
            erase_at(i);
            ++evicted;
        } else {
            ++i;
        }
    }
    return evicted;
}

}  // namespace sciagraph::core::sampler
