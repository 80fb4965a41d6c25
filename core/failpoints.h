// core/failpoints.h — test switches that make a spot of the core fail as a real bug would.
// Read once from SCIAGRAPH_FAILPOINTS at start-up; checking one is a single relaxed load.
#pragma once

#include "failpoint_names.h"

#include <atomic>
#include <cstdint>

namespace sciagraph::core {

namespace detail {
inline std::atomic<uint32_t> g_failpoints{0};
}

// Parses a comma-separated list of names (or "all"); unknown names are ignored.
void failpoints_init(const char* spec) noexcept;

inline bool failpoint(Failpoint fp) noexcept
{
    return (detail::g_failpoints.load(std::memory_order_relaxed) >> static_cast<unsigned>(fp)) & 1u;
}

}  // namespace sciagraph::core
