// core/spinlock.h — the core's only lock primitive. A spinlock, not a pthread mutex: it never
// allocates, has no owner bookkeeping, and the fork handlers (core/fork.cpp) take and release
// every one of them around fork(), so a child never inherits one held.
#pragma once

#include <atomic>

#include <sched.h>

namespace sciagraph::core {

class SpinLock {
public:
    void lock() noexcept
    {
        for (unsigned spins = 0; flag_.exchange(true, std::memory_order_acquire); ++spins) {
            while (flag_.load(std::memory_order_relaxed)) {
                if (++spins > 64) {
                    sched_yield();  // the holder may be descheduled: let it run
                    spins = 0;
                } else {
                    __builtin_ia32_pause();
                }
            }
        }
    }
    bool try_lock() noexcept { return !flag_.exchange(true, std::memory_order_acquire); }
    void unlock() noexcept { flag_.store(false, std::memory_order_release); }
    bool is_locked() const noexcept { return flag_.load(std::memory_order_acquire); }
    // After fork, in the child only: the holder thread does not exist there.
    void reset_in_child() noexcept { flag_.store(false, std::memory_order_relaxed); }

private:
    std::atomic<bool> flag_{false};
};

class SpinLockGuard {
public:
    explicit SpinLockGuard(SpinLock& lock) noexcept : lock_(lock) { lock_.lock(); }
    ~SpinLockGuard() { lock_.unlock(); }
    SpinLockGuard(const SpinLockGuard&) = delete;
    SpinLockGuard& operator=(const SpinLockGuard&) = delete;

private:
    SpinLock& lock_;
};

}  // namespace sciagraph::core
