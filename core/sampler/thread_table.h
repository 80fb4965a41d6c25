// core/sampler/thread_table.h — what the sampler remembers of each thread between ticks, in a
// fixed open-addressing table keyed by TID. The storage is given by the caller (arena memory in
// the core, a vector in tests): no allocation, ever. Only the sampler thread touches it.
//
// Threads come and go all the time (pools, 64 short-lived threads): every entry records the
// last pass that saw its thread, and evict_unseen() drops the others, so dead threads never
// fill the table. Deletion shifts later entries back (no tombstones), so lookups stay short
// under any amount of churn.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core::sampler {

struct ThreadSlot {
    int32_t tid;            // 0: free slot
    uint32_t stack;         // cached StackId of the last full read; 0: none cached
    uintptr_t tstate;       // PyThreadState the TID belonged to (0 for native threads)
    uintptr_t top_frame;    // its top frame at the last full read
    int64_t last_wall_ns;   // this thread's next sample is weighted from here
    int64_t last_cpu_ns;    // its CPU clock at last_wall_ns (less the carried rest)
    int64_t read_cpu_ns;    // its CPU clock when the cached stack was read
    int64_t seen_cpu_ns;    // its CPU clock at its previous sample (did it run since?)
    uint64_t seen_pass;     // the last pass (tick or native scan) that listed this thread
    int64_t last_runq_ns;   // its run-queue delay at last_wall_ns (less the carried rest)
    int64_t seen_runq_ns;   // its run-queue delay at its last schedstat read
    int64_t runq_read_ns;   // when schedstat was last read
    bool runq_known;        // schedstat was read once: the fields above hold values
    bool runnable;          // it ran or waited for a core before its last schedstat read
    uint8_t runq_backoff;   // reads found little run-queue time: skip this many ticks' reads
    uint8_t runq_skipped;   // reads skipped since the last one
    uint8_t idle_backoff;   // ticks skipped between reads of a thread whose CPU clock stood still
    uint8_t quiet_backoff;  // the backoff it had before it last computed (see schedule_next_read)
    uint64_t read_tick;     // the tick that last read its CPU clock
    uint64_t due_tick;      // the tick at which it is read next, unless the CPU ledger wakes it
};

class ThreadTable {
public:
    // `capacity` must be a power of two; at most 3/4 of it is filled (short probe chains).
    // `slots` must be zeroed (arena memory is): attaching touches none of its pages.
    void attach(ThreadSlot* slots, size_t capacity) noexcept;
    void clear() noexcept;

    ThreadSlot* find(int32_t tid) noexcept;
    // The thread's slot, or a new zeroed one holding only `tid` (`inserted` tells which);
    // nullptr when the table is full.
    ThreadSlot* find_or_insert(int32_t tid, bool& inserted) noexcept;
    // `slot` comes from find/find_or_insert; pointers to other slots are invalid afterwards.
    void erase(ThreadSlot* slot) noexcept;
    // Drops every entry whose seen_pass != `pass`, showing each to `on_evict` first (when
    // given); returns how many.
    using EvictFn = void (*)(void* context, ThreadSlot& slot) noexcept;
    size_t
    evict_unseen(uint64_t pass, EvictFn on_evict = nullptr, void* context = nullptr) noexcept;

    template <typename Fn>
    void for_each(Fn&& fn) noexcept
    {
        for (size_t i = 0; i < capacity_ && size_ > 0; ++i) {
            if (slots_[i].tid != 0) {
                fn(slots_[i]);
            }
        }
    }

    size_t size() const noexcept { return size_; }
    size_t max_size() const noexcept { return capacity_ - capacity_ / 4; }

private:
    size_t home(int32_t tid) const noexcept;
    void erase_at(size_t index) noexcept;

    ThreadSlot* slots_ = nullptr;
    size_t capacity_ = 0;
    size_t size_ = 0;
};

}  // namespace sciagraph::core::sampler
