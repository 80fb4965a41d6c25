// core/python/remote.cpp — other threads' stacks, for the time sampler.
//
// Another thread's frames change while we read them, and its thread state and frame chunks can
// be freed under us (thread exit, a data-stack chunk handed back). So every read goes through
// safe_read, every pointer is validated (type of code objects, thread state's interpreter,
// bounded steps), and a stack is only accepted when the thread's top frame is the same before
// and after the walk: otherwise it was torn and the caller counts an error.
#include "failpoints.h"
#include "frame_walk.h"
#include "python.h"

namespace sciagraph::core::python {
namespace {

// A thread list longer than this is taken for a corrupt (cyclic) one.
constexpr size_t kMaxThreads = 4096;

bool read_pointer(uintptr_t address, uintptr_t& out) noexcept
{
    return safe_read_value(out, address);
}

// The part of a thread state we need: up to native_thread_id (one read).
struct ThreadImage {
    unsigned char bytes[512];
};

bool read_thread_image(const Layout& layout, uintptr_t tstate, ThreadImage& image) noexcept
{
    return layout.tstate_size <= sizeof image.bytes &&
           safe_read(image.bytes, tstate, layout.tstate_size);
}

// The top frame of the thread whose state is in `image`: cframe->current_frame.
bool top_frame_of(const Layout& layout, const ThreadImage& image, uintptr_t& top) noexcept
{
    auto cframe = load_field<uintptr_t>(image.bytes, layout.tstate_cframe);
    top = 0;
    return cframe == 0 || read_pointer(cframe + layout.cframe_current_frame, top);
}

// The state of the top frame that any push, pop or executed instruction changes.
struct TopMark {
    uintptr_t frame = 0;
    uintptr_t code = 0;
    uintptr_t prev_instr = 0;

    bool operator==(const TopMark&) const = default;
};

bool read_top_mark(const Layout& layout, uintptr_t tstate, long native_tid, TopMark& mark) noexcept
{
    ThreadImage image;
    if (!read_thread_image(layout, tstate, image) ||
        load_field<long>(image.bytes, layout.tstate_native_thread_id) != native_tid ||
        !top_frame_of(layout, image, mark.frame)) {
        return false;  // freed, or reused by another thread
    }
    if (mark.frame == 0) {
        return true;
    }
    unsigned char frame[128];
    if (layout.frame_size > sizeof frame || !safe_read(frame, mark.frame, layout.frame_size)) {
        return false;
    }
    mark.code = load_field<uintptr_t>(frame, layout.frame_code);
    mark.prev_instr = load_field<uintptr_t>(frame, layout.frame_prev_instr);
    return true;
}

}  // namespace

long list_threads(ThreadRef* out, size_t max) noexcept
{
    const Layout* layout = current_layout();
    uintptr_t runtime = symbols().runtime;
    if (layout == nullptr || runtime == 0) {
        return -1;
    }
    uintptr_t interp = 0;
    if (!read_pointer(runtime + layout->runtime_interpreters_head, interp)) {
        return -1;
    }
    if (interp == 0) {
        return 0;  // not initialised yet, or finalised
    }
    uintptr_t tstate = 0;
    if (!read_pointer(interp + layout->interp_threads_head, tstate)) {
        return -1;
    }
    size_t count = 0;
    for (size_t steps = 0; tstate != 0 && count < max; ++steps) {
        ThreadImage image;
        if (steps >= kMaxThreads || !read_thread_image(*layout, tstate, image) ||
            load_field<uintptr_t>(image.bytes, layout->tstate_interp) != interp) {
            return -1;  // a cycle, a freed thread state, or one reused for something else
        }
        for (size_t i = 0; i < count; ++i) {
            if (out[i].tstate == tstate) {
                return -1;
            }
        }
        ThreadRef& ref = out[count];
        ref.tstate = tstate;
        ref.native_tid = load_field<long>(image.bytes, layout->tstate_native_thread_id);
        if (!top_frame_of(*layout, image, ref.top_frame)) {
            return -1;
        }
        ++count;
        tstate = load_field<uintptr_t>(image.bytes, layout->tstate_next);
    }
    return static_cast<long>(count);
}

long read_thread_stack(const ThreadRef& thread, RawFrame* out, size_t max) noexcept
{
    const Layout* layout = current_layout();
    if (layout == nullptr || thread.tstate == 0) {
        return -1;
    }
    if (failpoint(Failpoint::StackCapture)) {
        return -1;  // as if the chain were torn
    }
    // The walk starts from the thread's top frame as it is now, not as list_threads saw it:
    // the stack returned is one consistent snapshot, taken between the two marks.
    TopMark before;
    if (!read_top_mark(*layout, thread.tstate, thread.native_tid, before)) {
        return -1;
    }
    size_t written = 0;
    size_t count = 0;
    WalkStatus status = walk_frames<SafeReader>(
        *layout, before.frame, max,
        [&](const WalkedFrame& frame) {
            out[written++] = RawFrame{&frame.entry->info, frame.line};
        },
        count);
    if (status != WalkStatus::Ok) {
        return -1;
    }
    TopMark after;
    if (!read_top_mark(*layout, thread.tstate, thread.native_tid, after) || !(after == before)) {
        return -1;  // torn: the thread moved while we walked
    }
    return static_cast<long>(count);
}

}  // namespace sciagraph::core::python
