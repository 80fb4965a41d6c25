// core/safe_read.h — reads of memory that may vanish under us (another thread's frames, a
// thread state being freed). process_vm_readv on our own pid returns EFAULT instead of
// faulting; where it is denied (seccomp), a pipe write does the same check.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core {

// Copies `size` bytes at `src` into `dst`. False when any byte is unreadable.
bool safe_read(void* dst, uintptr_t src, size_t size) noexcept;

// One piece of a gathered read: `size` bytes at `src` into `dst`.
struct ReadPiece {
    void* dst;
    uintptr_t src;
    size_t size;
};

// Reads every piece, in order, in as few system calls as it can (one process_vm_readv for up to
// 64 pieces): reading a thread state, a frame chunk and a dozen code objects costs about what
// one read does. ok[i] tells whether piece i was read completely; a piece that fails costs the
// others nothing. Returns the number of pieces read.
size_t safe_read_pieces(const ReadPiece* pieces, size_t count, bool* ok) noexcept;

template <typename T>
bool safe_read_value(T& out, uintptr_t src) noexcept
{
    return safe_read(&out, src, sizeof(T));
}

}  // namespace sciagraph::core
