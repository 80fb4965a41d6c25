// inject/originals.h — the real functions behind our hooks, found with dlsym(RTLD_NEXT) so an
// allocator the user preloads after us (jemalloc, tcmalloc) is the one we call.
//
// Resolution happens on first use, from whichever hook runs first: libraries loaded before our
// constructor (libstdc++'s emergency exception pool) already allocate. While dlsym itself runs,
// any allocation it makes is served from a small static pool that free() recognises and ignores
// (glibc 2.36's dlsym allocates only on failure, but older ones calloc'ed on first use).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <sys/types.h>

namespace sciagraph::inject {

struct Originals {
    void* (*malloc)(size_t);
    void (*free)(void*);
    void* (*calloc)(size_t, size_t);
    void* (*realloc)(void*, size_t);
    void* (*reallocarray)(void*, size_t, size_t);
    int (*posix_memalign)(void**, size_t, size_t);
    void* (*aligned_alloc)(size_t, size_t);
    void* (*memalign)(size_t, size_t);
    void* (*valloc)(size_t);
    void* (*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void*);
    void* (*mmap)(void*, size_t, int, int, int, off_t);
    int (*munmap)(void*, size_t);
    void* (*mremap)(void*, size_t, size_t, int, ...);
    void (*exit_)(int) __attribute__((noreturn));
    void (*Exit_)(int) __attribute__((noreturn));
};

// Resolves every original (idempotent, thread-safe). False while resolution is in progress
// on this thread (the caller is dlsym's own allocation) or if it failed.
bool resolve_originals() noexcept;

namespace detail {
inline std::atomic<bool> g_resolved{false};
}

// The hooks' check: one relaxed load once resolved.
inline bool originals_ready() noexcept
{
    return detail::g_resolved.load(std::memory_order_acquire) || resolve_originals();
}
const Originals& originals() noexcept;

// This library's malloc hook. (`&malloc` elsewhere than in preload.cpp would name the wrapper
// of the linked-in C++ runtime's allocations: see there.)
void* our_malloc() noexcept;

// The bootstrap pool, for allocations made while resolving.
void* bootstrap_alloc(size_t size, size_t align = 16) noexcept;
bool from_bootstrap(const void* ptr) noexcept;
// Bytes from `ptr` to the end of the pool's used part.
size_t bootstrap_room(const void* ptr) noexcept;

}  // namespace sciagraph::inject
