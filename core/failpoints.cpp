#include "failpoints.h"

#include <cstring>

namespace sciagraph::core {

void failpoints_init(const char* spec) noexcept
{
    if (spec == nullptr) {
        return;
    }
    uint32_t mask = 0;
    const char* p = spec;
    while (*p != '\0') {
        const char* end = std::strchr(p, ',');
        size_t len = end ? static_cast<size_t>(end - p) : std::strlen(p);
        std::string_view name(p, len);
        if (name == "all") {
            mask = (1u << static_cast<unsigned>(Failpoint::Count)) - 1;
        }
        for (size_t i = 0; i < kFailpointNames.size(); ++i) {
            if (kFailpointNames[i] == name) {
                mask |= 1u << i;
            }
        }
        p += len;
        if (*p == ',') {
            ++p;
        }
    }
    detail::g_failpoints.store(mask, std::memory_order_relaxed);
}

}  // namespace sciagraph::core
