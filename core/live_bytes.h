// core/live_bytes.h — the exact total of tracked bytes and its peak, updated on every hook.
//
// One atomic add per allocation and per free: exact, and a few nanoseconds uncontended. The
// peak is a CAS-max on a second atomic, taken only when the total passes it.
//
// The peak's breakdown by stack (the sampled live set) is snapshotted on the *falling edge*:
// the first free after the total reached a new high copies the per-stack live bytes, which at
// that moment still equal those at the peak (nothing was freed since; only that free is about
// to be). So the cost is O(stacks) per new high that is followed by a fall, never per allocation.
// To bound that cost when the peak creeps up in tiny steps, a new snapshot is taken only when the
// peak grew by more than 1/kSnapshotGrowthDivisor (1%) over the last snapshot's peak.
// Guarantee: the reported breakdown is of a moment whose total was within 1% of the exact peak;
// the exact peak itself (peak_bytes) is always exact. A job that ends at its peak without freeing
// gets its snapshot when the dump is written (snapshot_if_rising).
#pragma once

#include <atomic>
#include <cstdint>

namespace sciagraph::core {

inline constexpr int64_t kSnapshotGrowthDivisor = 100;

namespace detail {
inline std::atomic<int64_t> g_live_bytes{0};
inline std::atomic<int64_t> g_peak_bytes{0};
inline std::atomic<bool> g_rising{false};
}  // namespace detail

inline void live_add(int64_t bytes) noexcept
{
    int64_t now = detail::g_live_bytes.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    int64_t peak = detail::g_peak_bytes.load(std::memory_order_relaxed);
    while (now > peak) {
        if (detail::g_peak_bytes.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
            if (!detail::g_rising.load(std::memory_order_relaxed)) {
                detail::g_rising.store(true, std::memory_order_relaxed);
            }
            break;
        }
    }
}

// Snapshots the peak if this fall follows a new high; called before the bytes are subtracted.
void snapshot_on_falling_edge() noexcept;

inline void live_sub(int64_t bytes) noexcept
{
    if (detail::g_rising.load(std::memory_order_relaxed)) {
        snapshot_on_falling_edge();
    }
    detail::g_live_bytes.fetch_sub(bytes, std::memory_order_relaxed);
}

inline int64_t live_bytes() noexcept
{
    return detail::g_live_bytes.load(std::memory_order_relaxed);
}
inline int64_t peak_bytes() noexcept
{
    return detail::g_peak_bytes.load(std::memory_order_relaxed);
}

// Bytes of the last snapshot's total (what the breakdown describes), and how many were taken.
int64_t snapshot_total_bytes() noexcept;
uint64_t snapshot_generation() noexcept;
// At dump time: if the total is still at a high not yet snapshotted, snapshot now.
void snapshot_if_rising() noexcept;
// In a fork child: its peak is its own, starting from what it inherited.
void live_bytes_reset_in_child() noexcept;
void live_bytes_lock_for_fork() noexcept;
void live_bytes_unlock_after_fork() noexcept;

}  // namespace sciagraph::core
