#include "originals.h"

#include <atomic>

#include <dlfcn.h>

namespace sciagraph::inject {
namespace {

Originals g_originals{};
std::atomic<int> g_state{0};  // 0: not resolved, 1: resolving, 2: resolved, 3: failed

alignas(64) unsigned char g_pool[256 * 1024];
std::atomic<size_t> g_pool_used{0};

template <typename F>
bool lookup(F& target, const char* name) noexcept
{
    target = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
    return target != nullptr;
}

}  // namespace

bool resolve_originals() noexcept
{
    int state = g_state.load(std::memory_order_acquire);
    if (state == 2) {
        return true;
    }
    if (state == 3) {
        return false;
    }
    int expected = 0;
    if (!g_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
        // Being resolved, by this thread (re-entered from dlsym) or another one for a moment:
        // the caller serves this allocation from the bootstrap pool.
        return expected == 2;
    }
    Originals o{};
    bool ok = lookup(o.malloc, "malloc") && lookup(o.free, "free") && lookup(o.calloc, "calloc") &&
              lookup(o.realloc, "realloc") && lookup(o.posix_memalign, "posix_memalign") &&
              lookup(o.aligned_alloc, "aligned_alloc") && lookup(o.memalign, "memalign") &&
              lookup(o.valloc, "valloc") && lookup(o.malloc_usable_size, "malloc_usable_size") &&
              lookup(o.mmap, "mmap") && lookup(o.munmap, "munmap") && lookup(o.mremap, "mremap") &&
              lookup(o.exit_, "_exit") && lookup(o.Exit_, "_Exit");
    // Optional: not every allocator provides these.
    lookup(o.reallocarray, "reallocarray");
    lookup(o.pvalloc, "pvalloc");
    g_originals = o;
    g_state.store(ok ? 2 : 3, std::memory_order_release);
    detail::g_resolved.store(ok, std::memory_order_release);
    return ok;
}

const Originals& originals() noexcept
{
    return g_originals;
}

void* bootstrap_alloc(size_t size, size_t align) noexcept
{
    size_t used = g_pool_used.load(std::memory_order_relaxed);
    for (;;) {
        size_t start = (used + align - 1) & ~(align - 1);
        if (start + size > sizeof(g_pool) || start + size < start) {
            return nullptr;
        }
        if (g_pool_used.compare_exchange_weak(used, start + size, std::memory_order_relaxed)) {
            return g_pool + start;
        }
    }
}

bool from_bootstrap(const void* ptr) noexcept
{
    auto p = reinterpret_cast<uintptr_t>(ptr);
    auto base = reinterpret_cast<uintptr_t>(g_pool);
    return p >= base && p < base + sizeof(g_pool);
}

size_t bootstrap_room(const void* ptr) noexcept
{
    auto used_end =
        reinterpret_cast<uintptr_t>(g_pool) + g_pool_used.load(std::memory_order_relaxed);
    auto p = reinterpret_cast<uintptr_t>(ptr);
    return p < used_end ? static_cast<size_t>(used_end - p) : 0;
}

}  // namespace sciagraph::inject
