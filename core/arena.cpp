#include "arena.h"

#include "failpoints.h"

#include <atomic>
#include <cstdint>
#include <new>

#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sciagraph::core {
namespace {

// Chunks are reserved with MAP_NORESERVE and filled lazily by the kernel, so a large chunk costs
// only the pages that are touched.
constexpr size_t kChunkBytes = size_t{64} << 20;

struct Chunk {
    std::atomic<uintptr_t> next{0};
    uintptr_t end = 0;
};

std::atomic<Chunk*> g_current{nullptr};
std::atomic<size_t> g_used{0};
std::atomic<bool> g_growing{false};

bool grow(size_t at_least) noexcept
{
    size_t bytes = kChunkBytes;
    while (bytes < at_least + 4096 + sizeof(Chunk)) {
        bytes *= 2;
    }
    void* mem = raw_map(bytes);
    if (mem == nullptr) {
        return false;
    }
    auto* chunk = static_cast<Chunk*>(mem);
    new (chunk) Chunk{};
    chunk->next.store(reinterpret_cast<uintptr_t>(mem) + 4096, std::memory_order_relaxed);
    chunk->end = reinterpret_cast<uintptr_t>(mem) + bytes;
    g_current.store(chunk, std::memory_order_release);
    return true;
}

}  // namespace

void* raw_map(size_t bytes) noexcept
{
    if (failpoint(Failpoint::ArenaMap)) {
        return nullptr;
    }
    long r = syscall(SYS_mmap, nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r < 0 && r > -4096) {
        return nullptr;
    }
    return reinterpret_cast<void*>(r);
}

void raw_unmap(void* addr, size_t bytes) noexcept
{
    syscall(SYS_munmap, addr, bytes);
}

void* arena_alloc(size_t bytes, size_t align) noexcept
{
    for (int attempt = 0; attempt < 1000000; ++attempt) {
        Chunk* chunk = g_current.load(std::memory_order_acquire);
        if (chunk != nullptr) {
            uintptr_t start = chunk->next.load(std::memory_order_relaxed);
            for (;;) {
                uintptr_t aligned = (start + align - 1) & ~(uintptr_t{align} - 1);
                if (aligned + bytes > chunk->end || aligned + bytes < aligned) {
                    break;
                }
                if (chunk->next.compare_exchange_weak(start, aligned + bytes,
                                                      std::memory_order_relaxed)) {
                    g_used.fetch_add(bytes, std::memory_order_relaxed);
                    return reinterpret_cast<void*>(aligned);
                }
            }
        }
        // Chunk missing or full: one thread maps the next one, the others wait for it.
        bool expected = false;
        if (g_growing.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
            bool ok = g_current.load(std::memory_order_acquire) != chunk || grow(bytes + align);
            g_growing.store(false, std::memory_order_release);
            if (!ok) {
                return nullptr;
            }
        } else {
            sched_yield();
        }
    }
    return nullptr;
}

size_t arena_used_bytes() noexcept
{
    return g_used.load(std::memory_order_relaxed);
}

}  // namespace sciagraph::core
