#include "live_bytes.h"

#include "coverage_marks.h"
#include "job_page.h"
#include "record.h"
#include "spinlock.h"
#include "stack_table.h"

#include <pthread.h>

namespace sciagraph::core {
namespace {

SpinLock g_snapshot_lock;
std::atomic<int64_t> g_snapshot_peak{0};
std::atomic<int64_t> g_snapshot_total{0};
std::atomic<uint64_t> g_generation{0};

// The live record mirrors the totals (core/record_format.h), so a process that dies leaves them.
template <typename T>
std::atomic_ref<T> mirrored(T& field) noexcept
{
    return std::atomic_ref<T>(field);
}

void mirror_peak(int64_t peak) noexcept
{
    auto mirror = mirrored(record_header().peak_bytes);
    int64_t held = mirror.load(std::memory_order_relaxed);
    while (peak > held && !mirror.compare_exchange_weak(held, peak, std::memory_order_relaxed)) {
    }
}

// Under the snapshot lock: the per-stack live bytes become the breakdown of the peak, in the
// core's tables and in the record's other buffer, which is published only once whole.
void snapshot_now() noexcept
{
    record::Header& h = record_header();
    uint64_t generation = mirrored(h.snapshot_generation).load(std::memory_order_relaxed);
    unsigned buffer = static_cast<unsigned>((generation + 1) & 1);
    stack_snapshot_peak(buffer);
    int64_t peak = detail::g_peak_bytes.load(std::memory_order_relaxed);
    int64_t total = detail::g_live_bytes.load(std::memory_order_relaxed);
    g_snapshot_peak.store(peak, std::memory_order_relaxed);
    g_snapshot_total.store(total, std::memory_order_relaxed);
    h.snapshot_peak[buffer] = peak;
    h.snapshot_total[buffer] = total;
    mirrored(h.snapshot_generation).store(generation + 1, std::memory_order_release);
    g_generation.fetch_add(1, std::memory_order_release);
}

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
    snapshot_now();
    SCIAGRAPH_MARK(FallingEdgeSnapshot);
}

}  // namespace

void flush_live(int64_t delta) noexcept
{
    if (delta < 0) {
        // A fall: if it follows a new high, the per-stack live bytes still describe the peak.
        // A snapshot another thread is copying right now (the sampler's, at a persist) must
        // finish before the caller takes its stack's bytes away: take_snapshot() waits for it.
        if (detail::g_rising.load(std::memory_order_acquire) || g_snapshot_lock.is_locked()) {
            take_snapshot();
        }
        int64_t after = detail::g_live_bytes.fetch_add(delta, std::memory_order_relaxed) + delta;
        mirrored(record_header().live_bytes).fetch_add(delta, std::memory_order_relaxed);
        // Blocks allocated before the core started and freed after make the total dip a little
        // below what it should be; never by more than that early start-up allocates.
        SCIAGRAPH_CHECK(after > -(int64_t{16} << 20));
        job_total_changed(after - delta, after);
        return;
    }
    int64_t now = detail::g_live_bytes.fetch_add(delta, std::memory_order_relaxed) + delta;
    mirrored(record_header().live_bytes).fetch_add(delta, std::memory_order_relaxed);
    job_total_changed(now - delta, now);
    int64_t peak = detail::g_peak_bytes.load(std::memory_order_relaxed);
    while (now > peak) {
        if (detail::g_peak_bytes.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
            detail::g_rising.store(true, std::memory_order_relaxed);
            mirror_peak(now);
            break;
        }
    }
}

namespace {
pthread_key_t g_flush_key;
bool g_flush_key_ok = false;

void flush_at_thread_exit(void*) noexcept
{
    live_flush_this_thread();
}
}  // namespace

bool live_bytes_init() noexcept
{
    g_flush_key_ok = pthread_key_create(&g_flush_key, flush_at_thread_exit) == 0;
    return g_flush_key_ok;
}

void register_thread_flush() noexcept
{
    detail::t_live.registered = true;
    if (g_flush_key_ok) {
        // Any non-null value arms the destructor; the key's slot is in the thread's own
        // descriptor for the first 32 keys, so this does not allocate.
        pthread_setspecific(g_flush_key, reinterpret_cast<void*>(1));
    }
}

void snapshot_if_rising() noexcept
{
    live_flush_this_thread();
    take_snapshot();
}

void force_snapshot() noexcept
{
    SpinLockGuard guard(g_snapshot_lock);
    if (detail::g_live_bytes.load(std::memory_order_relaxed) <
        g_snapshot_peak.load(std::memory_order_relaxed)) {
        return;  // an earlier, higher peak is already held: keep its breakdown
    }
    detail::g_rising.store(false, std::memory_order_relaxed);
    snapshot_now();
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
    // The child's record is new (core/record.h): its totals start from what it inherited.
    record::Header& h = record_header();
    h.live_bytes = now;
    h.peak_bytes = now;
    h.snapshot_generation = 0;
    job_after_fork_child(now);
    h.job_fork_base = now;
}

}  // namespace sciagraph::core
