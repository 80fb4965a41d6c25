// core/sampler/thread_list_mark.h — one function of core/python/ the sampler uses beyond
// python/python.h (defined in core/python/remote.cpp, next to list_threads).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core::python {

// Whether the main interpreter's thread list may have gained or lost a thread since
// list_threads() last read it: one safe read of the interpreter's thread-list head and count.
// True when it cannot tell (never listed, a read failed, a listing cut short). Sampler thread
// only.
bool thread_list_changed() noexcept;

// The same look, told apart: 0 unchanged; -1 the count fell under the same head (threads
// ended), and the mark takes the new count, so the ends are told once; -2 the count fell and
// the head moved (the newest thread ended, or threads came too): ends, and the list must be
// read again; 1 anything else (a new thread state at the head, a thread begun, or cannot
// tell): the list must be read again.
int thread_list_delta() noexcept;

// The thread states pushed at the head of the list since the last listing, down to (not
// including) `stop_at`, a thread state that listing showed: CPython pushes new thread states at
// the head, so with a thousand threads starting one by one each tick reads the new ones
// rather than the thousand. Returns their count (refs in `out`, newest first) and marks the
// list as listed; -1 when `stop_at` is not met within `max` (it left the list, or the walk
// failed): the caller lists everything. Sampler thread only.
struct ThreadRef;
long list_threads_since(ThreadRef* out, size_t max, uintptr_t stop_at) noexcept;

}  // namespace sciagraph::core::python
