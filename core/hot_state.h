// core/hot_state.h — what every hook reads, kept on one cache line. The jobs we profile stream
// through memory (memset of fresh blocks, page zeroing) and evict the core's data between two
// calls; the hook's fast path must touch as few cache lines as it can: this one, and the
// thread's own TLS block.
#pragma once

#include <atomic>
#include <cstdint>

namespace sciagraph::core {

struct alignas(64) HotState {
    std::atomic<bool> tracking_memory{false};  // enabled and in a memory mode
    uint64_t sample_bytes = 256 * 1024;        // mean bytes between samples (R)
};

namespace detail {
inline HotState g_hot;
}

inline const HotState& hot() noexcept
{
    return detail::g_hot;
}

// The hooks' first question: is memory being tracked at all? One relaxed load, inlined.
inline bool tracking_memory() noexcept
{
    return detail::g_hot.tracking_memory.load(std::memory_order_relaxed);
}

}  // namespace sciagraph::core
