// core/sampler/thread_list_mark.h — one function of core/python/ the sampler uses beyond
// python/python.h (defined in core/python/remote.cpp, next to list_threads).
#pragma once

namespace sciagraph::core::python {

// Whether the main interpreter's thread list may have gained or lost a thread since
// list_threads() last read it: one safe read of the interpreter's thread-list head and count.
// True when it cannot tell (never listed, a read failed, a listing cut short). Sampler thread
// only.
bool thread_list_changed() noexcept;

}  // namespace sciagraph::core::python
