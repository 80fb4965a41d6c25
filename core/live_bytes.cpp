#include "live_bytes.h"

#include "spinlock.h"
#include "stack_table.h"

namespace sciagraph::core {
namespace {

SpinLock g_snapshot_lock;
std::atomic<int64_t> g_snapshot_peak{0};
std::atomic<int64_t> g_snapshot_total{0};
std::atomic<uint64_t> g_generation{0};

void take_snapshot() noexcept
{
    // The lock orders concurrent falling edges; the loser finds g_rising already cleared.
    SpinLockGuard guard(g_snapshot_lock);
    if (!detail::g_rising.exchange(false, std::memory_order_relaxed)) {
        return;
    }
    int64_t peak = detail::g_peak_bytes.load(std::memory_order_relaxed);
    int64_t last = g_snapshot_peak.load(std::memory_order_relaxed);
    if (last > 0 && peak - last <= last / kSnapshotGrowthDivisor) {
        return;  // within 1% of the breakdown we already hold
    }
    stack_snapshot_peak();
    g_snapshot_peak.store(peak, std::memory_order_relaxed);
    g_snapshot_total.store(detail::g_live_bytes.load(std::memory_order_relaxed),
                           std::memory_order_relaxed);
    g_generation.fetch_add(1, std::memory_order_release);
}

}  // namespace

void snapshot_on_falling_edge() noexcept
{
    take_snapshot();
}

void snapshot_if_rising() noexcept
{
    take_snapshot();
}

int64_t snapshot_total_bytes() noexcept
{
    return g_snapshot_total.load(std::memory_order_relaxed);
}

uint64_t snapshot_generation() noexcept
{
    return g_generation.load(std::memory_order_acquire);
}

void live_bytes_lock_for_fork() noexcept
{
    g_snapshot_lock.lock();
}

void live_bytes_unlock_after_fork() noexcept
{
    g_snapshot_lock.unlock();
}

void live_bytes_reset_in_child() noexcept
{
    g_snapshot_lock.reset_in_child();
    int64_t now = detail::g_live_bytes.load(std::memory_order_relaxed);
    detail::g_peak_bytes.store(now, std::memory_order_relaxed);
    g_snapshot_peak.store(0, std::memory_order_relaxed);
    detail::g_rising.store(true, std::memory_order_relaxed);
}

}  // namespace sciagraph::core
