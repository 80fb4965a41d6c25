// core/safe_read.h — reads of memory that may vanish under us (another thread's frames, a
// thread state being freed). process_vm_readv on our own pid returns EFAULT instead of
// faulting; where it is denied (seccomp), a pipe write does the same check.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core {

// Copies `size` bytes at `src` into `dst`. False when any byte is unreadable.
bool safe_read(void* dst, uintptr_t src, size_t size) noexcept;

template <typename T>
bool safe_read_value(T& out, uintptr_t src) noexcept
{
    return safe_read(&out, src, sizeof(T));
}

}  // namespace sciagraph::core
