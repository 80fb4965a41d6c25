// core/python/capture.cpp — the calling thread's own stack, for the allocation hooks.
//
// Only the owning thread pushes and pops its frames, so while it is inside malloc its chain is
// frozen and its frames and code objects are alive: plain loads are safe. What is *not* safe is
// the C API (PyEval_GetFrame creates frame objects: an allocation inside malloc), so nothing
// here calls Python.
#include "failpoints.h"
#include "frame_walk.h"
#include "python.h"

#include <atomic>

#include <pthread.h>

namespace sciagraph::core::python {
namespace {

std::atomic<uint64_t> g_capture_errors{0};

// The thread state of the calling thread, or 0: not a Python thread, Python not started or
// already finalised (PyGILState_GetThisThreadState answers NULL then).
uintptr_t own_thread_state(const Layout& layout) noexcept
{
    auto get = symbols().gilstate_this_thread;
    if (get == nullptr) {
        return 0;
    }
    auto tstate = reinterpret_cast<uintptr_t>(get());
    if (tstate == 0) {
        return 0;
    }
    // The TSS slot belongs to this thread; the check catches a stale or foreign value.
    auto owner = *reinterpret_cast<const unsigned long*>(tstate + layout.tstate_thread_id);
    return owner == static_cast<unsigned long>(pthread_self()) ? tstate : 0;
}

}  // namespace

size_t capture_current_thread(RawFrame* out, size_t max) noexcept
{
    const Layout* layout = current_layout();
    if (layout == nullptr || max == 0) {
        return 0;
    }
    uintptr_t tstate = own_thread_state(*layout);
    if (tstate == 0) {
        return 0;
    }
    uintptr_t holder =
        frame_holder(*layout, tstate, reinterpret_cast<const unsigned char*>(tstate));
    if (holder == 0) {
        return 0;
    }
    auto top = *reinterpret_cast<const uintptr_t*>(holder + layout->current_frame);
    if (failpoint(Failpoint::StackCapture)) {
        g_capture_errors.fetch_add(1, std::memory_order_relaxed);
        return 0;  // as if the first frame's code pointer were garbage
    }
    size_t written = 0;
    size_t count = 0;
    WalkStatus status = walk_frames<PlainReader>(
        *layout, top, max,
        [&](const WalkedFrame& frame) {
            out[written++] = RawFrame{&frame.entry->info, frame.line};
        },
        count);
    switch (status) {
    case WalkStatus::Ok:
        return count;
    case WalkStatus::BadFrame:
        g_capture_errors.fetch_add(1, std::memory_order_relaxed);
        return count;  // the frames before the bad one are real
    case WalkStatus::CacheFull:
        return 0;
    }
    return 0;
}

uint64_t capture_errors() noexcept
{
    return g_capture_errors.load(std::memory_order_relaxed);
}

void fork_prepare() noexcept
{
    code_cache_lock();
    detail::safe_read_fork_prepare();
}

void fork_parent() noexcept
{
    detail::safe_read_fork_parent();
    code_cache_unlock();
}

void fork_child() noexcept
{
    detail::safe_read_fork_child();
    code_cache_reset_lock_in_child();
}

}  // namespace sciagraph::core::python
