// core/python/layout_check.cpp — before user code runs, prove that our offsets describe the
// interpreter we are in: every field we read is compared with what the public C API says about
// the same live objects. A patched or differently built interpreter fails here, loudly, instead
// of producing wrong stacks (or crashes) later.
#include "failpoints.h"
#include "frame_walk.h"
#include "gil.h"
#include "python.h"

#include <atomic>

#include <sys/syscall.h>
#include <unistd.h>

namespace sciagraph::core::python {
namespace {

// Written once by the bootstrap (main thread), read by the sampler thread.
std::atomic<bool> g_layout_checked{false};

// Deep enough for any bootstrap; the comparison covers the leaf-most frames.
constexpr size_t kCheckDepth = 128;

template <typename T>
T field(uintptr_t object, size_t offset) noexcept
{
    return *reinterpret_cast<const T*>(object + offset);
}

bool api_complete(const Symbols& s) noexcept
{
    return s.is_initialized && s.interp_head && s.interp_next && s.interp_thread_head &&
           s.thread_next && s.thread_get && s.interp_get && s.thread_ident && s.eval_get_frame &&
           s.frame_get_back && s.frame_get_code && s.frame_get_lasti && s.frame_get_line &&
           s.decref && s.gilstate_this_thread;
}

const char* check_thread_state(const Layout& layout, const Symbols& s, uintptr_t tstate) noexcept
{
    auto interp = reinterpret_cast<uintptr_t>(s.interp_get());
    if (field<uintptr_t>(s.runtime, layout.runtime_interpreters_head) !=
        reinterpret_cast<uintptr_t>(s.interp_head())) {
        return "_PyRuntime.interpreters.head differs from PyInterpreterState_Head()";
    }
    if (field<uintptr_t>(interp, layout.interp_next) !=
        reinterpret_cast<uintptr_t>(s.interp_next(reinterpret_cast<void*>(interp)))) {
        return "PyInterpreterState.next differs from PyInterpreterState_Next()";
    }
    auto head = field<uintptr_t>(interp, layout.interp_threads_head);
    if (head !=
        reinterpret_cast<uintptr_t>(s.interp_thread_head(reinterpret_cast<void*>(interp)))) {
        return "PyInterpreterState.threads.head differs from PyInterpreterState_ThreadHead()";
    }
    if (field<uintptr_t>(head, layout.tstate_prev) != 0) {
        return "PyThreadState.prev of the first thread is not NULL";
    }
    if (field<uintptr_t>(tstate, layout.tstate_interp) != interp) {
        return "PyThreadState.interp differs from PyInterpreterState_Get()";
    }
    if (field<unsigned long>(tstate, layout.tstate_thread_id) != s.thread_ident()) {
        return "PyThreadState.thread_id differs from PyThread_get_thread_ident()";
    }
    if (field<long>(tstate, layout.tstate_native_thread_id) != syscall(SYS_gettid)) {
        return "PyThreadState.native_thread_id differs from gettid()";
    }
    if (field<uintptr_t>(tstate, layout.tstate_next) !=
        reinterpret_cast<uintptr_t>(s.thread_next(reinterpret_cast<void*>(tstate)))) {
        return "PyThreadState.next differs from PyThreadState_Next()";
    }
    if (reinterpret_cast<uintptr_t>(s.gilstate_this_thread()) != tstate) {
        return "PyGILState_GetThisThreadState() is not the current thread state";
    }
    if (field<uintptr_t>(tstate, layout.tstate_datastack_chunk) == 0) {
        return "PyThreadState.datastack_chunk is NULL in a running thread";
    }
    return nullptr;
}

struct OwnFrame {
    uintptr_t code;
    int64_t offset;
    uint32_t line;
};

// Our frames read through the offsets, compared with the C API's frame objects.
// Creating frame objects is fine here: this is the bootstrap, not an allocation hook.
const char* check_frames(const Layout& layout, const Symbols& s, uintptr_t tstate) noexcept
{
    uintptr_t holder = frame_holder(layout, tstate, reinterpret_cast<const unsigned char*>(tstate));
    uintptr_t top = holder != 0 ? field<uintptr_t>(holder, layout.current_frame) : 0;
    OwnFrame ours[kCheckDepth];
    size_t n = 0;
    size_t count = 0;
    WalkStatus status = walk_frames<PlainReader>(
        layout, top, kCheckDepth,
        [&](const WalkedFrame& f) {
            ours[n++] = OwnFrame{f.code, f.offset, f.line};
        },
        count);
    if (status != WalkStatus::Ok) {
        return status == WalkStatus::CacheFull ? "the code cache is full"
                                               : "a frame read through the offsets is invalid";
    }
    void* frame = s.eval_get_frame();  // borrowed reference
    bool owned = false;
    size_t i = 0;
    const char* mismatch = nullptr;
    for (; frame != nullptr && i < n && mismatch == nullptr; ++i) {
        void* code = s.frame_get_code(frame);  // new reference
        if (reinterpret_cast<uintptr_t>(code) != ours[i].code) {
            mismatch = "_PyInterpreterFrame.f_code differs from PyFrame_GetCode()";
        }
        s.decref(code);
        int lasti = s.frame_get_lasti(frame);  // bytes, -1 before the first instruction
        if (mismatch == nullptr && lasti != (ours[i].offset < 0 ? -1 : ours[i].offset * 2)) {
            mismatch = "_PyInterpreterFrame.prev_instr differs from PyFrame_GetLasti()";
        }
        int line = s.frame_get_line(frame);
        if (mismatch == nullptr && static_cast<uint32_t>(line > 0 ? line : 0) != ours[i].line) {
            mismatch = "the line decoded from co_linetable differs from PyFrame_GetLineNumber()";
        }
        void* back = s.frame_get_back(frame);  // new reference
        if (owned) {
            s.decref(frame);
        }
        frame = back;
        owned = true;
    }
    if (mismatch == nullptr && (frame != nullptr) != (i < n)) {
        mismatch = "the frame chain read through the offsets has a different length";
    }
    if (owned && frame != nullptr) {
        s.decref(frame);
    }
    return mismatch;
}

// The same stack through the two readers the rest of the core uses.
const char* check_readers(uintptr_t tstate) noexcept
{
    RawFrame own[kCheckDepth];
    size_t own_count = capture_current_thread(own, kCheckDepth);
    for (size_t i = 0; i < own_count; ++i) {
        if (own[i].code->function == own[i].code->file) {  // both "<unknown>"
            return "co_qualname and co_filename cannot be read through the offsets";
        }
    }
    ThreadRef threads[64];
    long thread_count = list_threads(threads, 64);
    const ThreadRef* self = nullptr;
    for (long i = 0; i < thread_count; ++i) {
        if (threads[i].tstate == tstate) {
            self = &threads[i];
        }
    }
    if (self == nullptr || self->native_tid != syscall(SYS_gettid)) {
        return "list_threads() does not find the current thread";
    }
    RawFrame sampled[kCheckDepth];
    long sampled_count = read_thread_stack(*self, sampled, kCheckDepth);
    if (sampled_count != static_cast<long>(own_count)) {
        return "read_thread_stack() and capture_current_thread() disagree";
    }
    for (size_t i = 0; i < own_count; ++i) {
        if (sampled[i].code != own[i].code || sampled[i].line != own[i].line) {
            return "read_thread_stack() and capture_current_thread() disagree";
        }
    }
    return nullptr;
}

}  // namespace

const char* check_layout() noexcept
{
    if (failpoint(Failpoint::LayoutCheck)) {
        return "PyThreadState's top frame differs from the live interpreter (failpoint)";
    }
    const Layout* layout = current_layout();
    const Symbols& s = symbols();
    if (layout == nullptr) {
        return "this Python version has no known layout";
    }
    if (!api_complete(s)) {
        return "the interpreter lacks a C API function the layout check needs";
    }
    // Not Py_IsInitialized(): 3.15 sets it only after importing site, where the check runs.
    if (s.gilstate_this_thread() == nullptr) {
        return "the layout check ran on a thread without a Python thread state";
    }
    auto tstate = reinterpret_cast<uintptr_t>(s.thread_get());
    const char* mismatch = check_thread_state(*layout, s, tstate);
    if (mismatch == nullptr) {
        mismatch = check_frames(*layout, s, tstate);
    }
    // With the stack-capture failpoint on, the readers fail on purpose: that failure belongs to
    // the capture spot, not to the layout.
    if (mismatch == nullptr && !failpoint(Failpoint::StackCapture)) {
        mismatch = check_readers(tstate);
    }
    if (mismatch == nullptr) {
        locate_gil(tstate);  // a hint for the sampler; none found changes nothing else
    }
    g_layout_checked.store(mismatch == nullptr, std::memory_order_release);
    return mismatch;
}

bool layout_checked() noexcept
{
    return g_layout_checked.load(std::memory_order_acquire);
}

}  // namespace sciagraph::core::python
