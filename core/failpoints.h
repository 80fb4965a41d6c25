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

// What a failpoint throws where a real bug would throw (the core catches with `catch (...)`).
// A plain type rather than std::runtime_error: the preload library links the C++ runtime in
// (inject/CMakeLists.txt), and std::runtime_error alone pulled some thirty objects of it
// (strings, std::random_device...) along with their relocations.
struct FailpointError {
    const char* what;
};

}  // namespace sciagraph::core
