#include "disable.h"

#include "hot_state.h"
#include "record.h"

#include <cstring>

#include <unistd.h>

namespace sciagraph::core {
namespace {
std::atomic<const char*> g_reason{nullptr};
}

void enable() noexcept
{
    detail::g_enabled.store(true, std::memory_order_release);
}

void disable(const char* reason) noexcept
{
    detail::g_enabled.store(false, std::memory_order_release);
    detail::g_hot.tracking_memory.store(false, std::memory_order_release);
    const char* expected = nullptr;
    if (g_reason.compare_exchange_strong(expected, reason)) {
        record_disabled(reason);
        print_line("profiling stopped, the job runs on unprofiled: ", reason);
    }
}

const char* disabled_reason() noexcept
{
    return g_reason.load(std::memory_order_acquire);
}

void print_line(const char* message, const char* detail) noexcept
{
    char line[512];
    size_t n = 0;
    auto append = [&](const char* s) {
        while (s != nullptr && *s != '\0' && n < sizeof(line) - 1) {
            line[n++] = *s++;
        }
    };
    append("sciagraph: ");
    append(message);
    append(detail);
    line[n++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, n);
    (void)ignored;
}

}  // namespace sciagraph::core
