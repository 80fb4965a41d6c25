// core/python/reader.h — how core/python/ reads interpreter memory. The calling thread's own
// frames and code objects cannot change or die under it, so it uses plain loads; other threads'
// memory goes through safe_read. Both share one walker, templated on the reader.
#pragma once

#include "safe_read.h"

#include <cstdint>
#include <cstring>

namespace sciagraph::core::python {

using ReadFn = bool (*)(void* dst, uintptr_t src, size_t size) noexcept;

// read(): copy `size` bytes at `src` into `dst`. view(): the bytes at `src`, either in place
// (plain loads: no copy on the hot path) or copied into `buffer`; nullptr when unreadable.
struct PlainReader {
    static bool read(void* dst, uintptr_t src, size_t size) noexcept
    {
        if (src < 4096) {
            return false;
        }
        std::memcpy(dst, reinterpret_cast<const void*>(src), size);
        return true;
    }
    static const unsigned char* view(unsigned char*, uintptr_t src, size_t) noexcept
    {
        return src < 4096 ? nullptr : reinterpret_cast<const unsigned char*>(src);
    }
};

struct SafeReader {
    static bool read(void* dst, uintptr_t src, size_t size) noexcept
    {
        return safe_read(dst, src, size);
    }
    static const unsigned char* view(unsigned char* buffer, uintptr_t src, size_t size) noexcept
    {
        return safe_read(buffer, src, size) ? buffer : nullptr;
    }
};

template <typename T>
T load_field(const unsigned char* image, size_t offset) noexcept
{
    T value;
    std::memcpy(&value, image + offset, sizeof(T));
    return value;
}

}  // namespace sciagraph::core::python

namespace sciagraph::core::detail {
// Defined in core/safe_read.cpp: its pipe lock, for the fork handlers of core/python/.
void safe_read_fork_prepare() noexcept;
void safe_read_fork_parent() noexcept;
void safe_read_fork_child() noexcept;
}  // namespace sciagraph::core::detail
