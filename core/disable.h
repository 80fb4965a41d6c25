// core/disable.h — the single way the core gives up. Any internal failure (a table full, an
// mmap refused, an unknown frame layout, an exception caught at an entry point) calls
// disable(): every hook becomes a pass-through to the real function, one line goes to stderr,
// the reason goes into the dump, and the job runs on unharmed.
#pragma once

#include <atomic>

namespace sciagraph::core {

namespace detail {
inline std::atomic<bool> g_enabled{false};
}

inline bool enabled() noexcept
{
    return detail::g_enabled.load(std::memory_order_relaxed);
}

void enable() noexcept;

// `reason` must be a string literal or otherwise live for the whole process. Only the first
// reason is kept and printed; later calls are no-ops. Async-signal-safe, allocation-free.
void disable(const char* reason) noexcept;

// nullptr while enabled or before start; else the reason given to disable().
const char* disabled_reason() noexcept;

// Prints "sciagraph: <message>" on stderr with one write(2); no allocation, no stdio.
void print_line(const char* message, const char* detail = nullptr) noexcept;

}  // namespace sciagraph::core
