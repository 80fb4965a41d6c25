#include "mmap_table.h"

#include "arena.h"
#include "coverage_marks.h"
#include "live_bytes.h"
#include "spinlock.h"
#include "stack_table.h"

#include <cstring>

namespace sciagraph::core {
namespace {

struct Interval {
    uintptr_t start;
    uintptr_t end;  // exclusive
    uint32_t stack;
};

constexpr size_t kCapacity = size_t{1} << 20;

Interval* g_intervals = nullptr;
size_t g_count = 0;
SpinLock g_lock;

// First interval whose end is after `address`.
size_t lower_bound(uintptr_t address) noexcept
{
    size_t lo = 0;
    size_t hi = g_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g_intervals[mid].end <= address) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

void account_removed(uint32_t stack, uintptr_t bytes) noexcept
{
    live_sub(static_cast<int64_t>(bytes));
    if (stack != 0) {
        stack_add_live(stack, -static_cast<int64_t>(bytes));
    }
}

// Under the lock. Removes [start, end) from the table; returns the first stack met, or 0.
// False in `ok` when splitting an interval needs a slot and the table is full.
uint32_t remove_range(uintptr_t start, uintptr_t end, bool& ok) noexcept
{
    ok = true;
    uint32_t first_stack = 0;
    size_t i = lower_bound(start);
    while (i < g_count && g_intervals[i].start < end) {
        Interval& it = g_intervals[i];
        if (first_stack == 0) {
            first_stack = it.stack;
        }
        uintptr_t cut_start = it.start > start ? it.start : start;
        uintptr_t cut_end = it.end < end ? it.end : end;
        account_removed(it.stack, cut_end - cut_start);
        if (it.start < start && it.end > end) {
            // The hole is in the middle: split in two.
            SCIAGRAPH_MARK(MunmapSplit);
            if (g_count == kCapacity) {
                ok = false;
                return first_stack;
            }
            std::memmove(&g_intervals[i + 2], &g_intervals[i + 1],
                         (g_count - i - 1) * sizeof(Interval));
            g_intervals[i + 1] = Interval{end, it.end, it.stack};
            it.end = start;
            ++g_count;
            return first_stack;
        }
        if (it.start < start) {
            it.end = start;  // keep the head
            ++i;
        } else if (it.end > end) {
            it.start = end;  // keep the tail
            ++i;
        } else {
            std::memmove(&g_intervals[i], &g_intervals[i + 1],
                         (g_count - i - 1) * sizeof(Interval));
            --g_count;
        }
    }
    return first_stack;
}

}  // namespace

bool mmap_table_init() noexcept
{
    g_intervals = static_cast<Interval*>(arena_alloc(kCapacity * sizeof(Interval), 64));
    return g_intervals != nullptr;
}

bool mmap_track(uintptr_t start, size_t length, uint32_t stack) noexcept
{
    if (g_intervals == nullptr || length == 0) {
        return g_intervals != nullptr;
    }
    uintptr_t end = start + length;
    SpinLockGuard guard(g_lock);
    bool ok = true;
    if (remove_range(start, end, ok) != 0) {
        SCIAGRAPH_MARK(MapFixedOverlay);
    }
    if (!ok || g_count == kCapacity) {
        return false;
    }
    size_t i = lower_bound(start);
    std::memmove(&g_intervals[i + 1], &g_intervals[i], (g_count - i) * sizeof(Interval));
    g_intervals[i] = Interval{start, end, stack};
    ++g_count;
    if (stack != 0) {
        stack_add_live(stack, static_cast<int64_t>(length));
    }
    live_add(static_cast<int64_t>(length));  // after the stack's bytes (core/live_bytes.h)
    return true;
}

uint32_t mmap_untrack(uintptr_t start, size_t length) noexcept
{
    if (g_intervals == nullptr || length == 0) {
        return 0;
    }
    SpinLockGuard guard(g_lock);
    bool ok = true;
    return remove_range(start, start + length, ok);
}

size_t mmap_tracked_count() noexcept
{
    return g_count;
}

void mmap_lock_for_fork() noexcept
{
    g_lock.lock();
}

void mmap_unlock_after_fork() noexcept
{
    g_lock.unlock();
}

void mmap_reset_lock_in_child() noexcept
{
    g_lock.reset_in_child();
}

}  // namespace sciagraph::core
