// core/recursion_guard.h — "this thread is inside sciagraph". A hook that finds the flag set
// only calls the real function: whatever the core does (its own mmap, a dlsym, the sampler
// thread's reads) is never counted and never re-enters the core.
//
// initial-exec TLS: a fixed offset from the thread pointer, never __tls_get_addr (which may
// allocate). Safe because the core is loaded at start-up by LD_PRELOAD, not dlopen'ed.
// A plain bool: no constructor or destructor, so no __cxa_thread_atexit (which calls calloc).
#pragma once

namespace sciagraph::core {

class RecursionGuard {
public:
    RecursionGuard() noexcept : was_active_(active_) { active_ = true; }
    ~RecursionGuard() { active_ = was_active_; }
    RecursionGuard(const RecursionGuard&) = delete;
    RecursionGuard& operator=(const RecursionGuard&) = delete;

    static bool active() noexcept { return active_; }
    // For threads that belong to sciagraph (the sampler): never tracked, for their whole life.
    static void set_permanently() noexcept { active_ = true; }
    // For paths that span two calls (the at-fork prepare and parent/child handlers): sets the
    // flag and returns the previous value, which the second call restores.
    static bool exchange(bool value) noexcept
    {
        bool previous = active_;
        active_ = value;
        return previous;
    }

private:
    [[gnu::tls_model("initial-exec")]] static inline thread_local bool active_ = false;
    const bool was_active_;
};

}  // namespace sciagraph::core
