// core/sampler/thread_list_mark.h — one function of core/python/ the sampler uses beyond
// python/python.h (defined in core/python/remote.cpp, next to list_threads).
#pragma once

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

}  // namespace sciagraph::core::python
