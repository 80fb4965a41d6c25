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
//
// Any thread may take the snapshot (the sampler does, before a persist), so the callers keep one
// order: on the way up a block's stack gets its bytes *before* the total, on the way down the
// total falls *before* the stack loses them. A snapshot taken at any instant then finds every
// block the total counts at its stack. A fall also waits for a snapshot in progress to finish.
#pragma once

#include <atomic>
#include <cstdint>

namespace sciagraph::core {

inline constexpr int64_t kSnapshotGrowthDivisor = 100;

// Each thread batches its changes and adds them to the global total when they reach
// kFlushBytes either way (and at thread exit), so most hooks touch no shared cache line. The
// price: the exact total lags by less than kFlushBytes per thread, so the peak may be under-read
// by at most that much per thread (1 MiB with 16 threads), far inside the 1% the report promises.
inline constexpr int64_t kFlushBytes = 64 * 1024;

namespace detail {
inline std::atomic<int64_t> g_live_bytes{0};
inline std::atomic<int64_t> g_peak_bytes{0};
inline std::atomic<bool> g_rising{false};

struct LiveTls {
    int64_t pending;  // bytes allocated minus freed by this thread, not yet in the total
    bool registered;  // the thread-exit flush is armed for this thread
};
[[gnu::tls_model("initial-exec")]] inline thread_local LiveTls t_live = {0, false};
}  // namespace detail

// Adds `delta` (the pending bytes of a thread) to the global total, updating the peak, and
// snapshotting the peak's breakdown on a falling edge.
void flush_live(int64_t delta) noexcept;
// Arms a pthread-key destructor that flushes a thread's pending bytes when it exits.
void register_thread_flush() noexcept;
// Creates the thread-exit key; at start-up.
bool live_bytes_init() noexcept;

inline void live_add(int64_t bytes) noexcept
{
    detail::LiveTls& tls = detail::t_live;
    tls.pending += bytes;
    if (tls.pending >= kFlushBytes) [[unlikely]] {
        int64_t delta = tls.pending;
        tls.pending = 0;
        flush_live(delta);
    }
}

inline void live_sub(int64_t bytes) noexcept
{
    detail::LiveTls& tls = detail::t_live;
    tls.pending -= bytes;
    if (tls.pending <= -kFlushBytes) [[unlikely]] {
        int64_t delta = tls.pending;
        tls.pending = 0;
        flush_live(delta);
    }
}

// Flushes the calling thread's pending bytes now (before a snapshot or a dump).
inline void live_flush_this_thread() noexcept
{
    int64_t delta = detail::t_live.pending;
    if (delta != 0) {
        detail::t_live.pending = 0;
        flush_live(delta);
    }
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
// Near a memory limit: snapshot the live set now, whatever the 1% rule says.
void force_snapshot() noexcept;
// In a fork child: its peak is its own, starting from what it inherited.
void live_bytes_reset_in_child() noexcept;
void live_bytes_lock_for_fork() noexcept;
void live_bytes_unlock_after_fork() noexcept;

}  // namespace sciagraph::core
