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

// The calling thread's innermost frame, or 0.
uintptr_t own_top_frame(const Layout& layout) noexcept
{
    uintptr_t tstate = own_thread_state(layout);
    if (tstate == 0) {
        return 0;
    }
    uintptr_t holder = frame_holder(layout, tstate, reinterpret_cast<const unsigned char*>(tstate));
    if (holder == 0) {
        return 0;
    }
    return *reinterpret_cast<const uintptr_t*>(holder + layout.current_frame);
}

// Where a capture of the calling thread starts: its innermost frame, or 0 when it has none or
// the stack-capture failpoint fails the capture (counted as an error).
uintptr_t capture_top(const Layout& layout) noexcept
{
    uintptr_t top = own_top_frame(layout);
    if (top != 0 && failpoint(Failpoint::StackCapture)) {
        g_capture_errors.fetch_add(1, std::memory_order_relaxed);
        return 0;  // as if the first frame's code pointer were garbage
    }
    return top;
}

// A frame's code object as walk_frames reads it: nullptr for a shim frame's (never looked at)
// and a frame that is its own previous (a cycle).
const unsigned char*
code_image_of(const Layout& layout, const unsigned char* image, uintptr_t frame, uintptr_t code)
{
    auto previous = load_field<uintptr_t>(image, layout.frame_previous);
    bool shim = load_field<uint8_t>(image, layout.frame_owner) >= layout.frame_owned_by_shim;
    return previous != frame && !shim ? PlainReader::view(nullptr, code, 0) : nullptr;
}

// Frames a memo capture can take: their addresses are kept on the hook's stack between passes.
constexpr size_t kMemoMaxFrames = 128;

// First pass of a memo capture: the complete frames' addresses, leaf first, with every check
// of walk_frames (frame_walk.h) but no code cache lookup, so the root is known before any.
WalkStatus
collect_frames(const Layout& layout, uintptr_t frame, size_t max, uintptr_t* out, size_t& count)
{
    const uintptr_t code_type = symbols().code_type;
    count = 0;
    for (size_t steps = 0; frame != 0 && count < max; ++steps) {
        const unsigned char* image =
            steps < max + kExtraSteps ? PlainReader::view(nullptr, frame, 0) : nullptr;
        if (image == nullptr) {
            return WalkStatus::BadFrame;
        }
        uintptr_t code = frame_code_object(layout, load_field<uintptr_t>(image, layout.frame_code));
        switch (check_frame(layout, image, code, code_image_of(layout, image, frame, code),
                            code_type)) {
        case FrameKind::Complete:
            out[count++] = frame;
            break;
        case FrameKind::Incomplete:
            break;
        case FrameKind::Bad:
        case FrameKind::CacheFull:
            return WalkStatus::BadFrame;
        }
        frame = load_field<uintptr_t>(image, layout.frame_previous);
    }
    return WalkStatus::Ok;
}

// A complete frame's mark (collect_frames checked it: its memory has not changed since, being
// the calling thread's own).
FrameMark mark_of(const Layout& layout, uintptr_t frame) noexcept
{
    const auto* image = reinterpret_cast<const unsigned char*>(frame);
    uintptr_t code = frame_code_object(layout, load_field<uintptr_t>(image, layout.frame_code));
    FrameMark mark{};
    classify_frame(layout, image, code_image_of(layout, image, frame, code), mark);
    return mark;
}

// Whether a frame collect_frames took is the memo's level: its code object's key and its
// instruction, read straight from the two (fewer loads than a mark: the checks were made).
bool same_frame(const Layout& layout, const CaptureMemo::Level& level, uintptr_t frame) noexcept
{
    const auto* image = reinterpret_cast<const unsigned char*>(frame);
    uintptr_t code = frame_code_object(layout, load_field<uintptr_t>(image, layout.frame_code));
    if (code != level.code) {
        return false;
    }
    auto instr = load_field<uintptr_t>(image, layout.frame_instr);
    int64_t offset = static_cast<int64_t>(instr - (code + layout.code_code_adaptive)) / 2;
    const auto* code_image = reinterpret_cast<const unsigned char*>(code);
    return offset == level.offset &&
           load_field<uintptr_t>(code_image, layout.code_qualname) == level.qualname &&
           load_field<uintptr_t>(code_image, layout.code_filename) == level.filename &&
           load_field<uintptr_t>(code_image, layout.code_linetable) == level.linetable &&
           load_field<int32_t>(code_image, layout.code_firstlineno) == level.first_line;
}

// The code cache's entry and line for a marked frame; false when the cache has none.
bool resolve(const FrameMark& mark, RawFrame& out) noexcept
{
    const CodeEntry* entry = code_cache_lookup(mark.key, &PlainReader::read);
    if (entry == nullptr) {
        return false;
    }
    out = RawFrame{&entry->info, marked_line(*entry, mark)};
    return true;
}

// The frames a capture that ended with `status` after `count` frames returns, its errors
// counted.
size_t captured(WalkStatus status, size_t count) noexcept
{
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

// Resolves frames[0..count) leaf first, as walk_frames would: a frame the cache cannot take ends
// the stack there (a full cache: no stack at all).
size_t resolve_leaf_first(const Layout& layout,
                          const uintptr_t* frames,
                          size_t count,
                          WalkStatus status,
                          RawFrame* out) noexcept
{
    for (size_t i = 0; i < count; ++i) {
        if (!resolve(mark_of(layout, frames[i]), out[i])) {
            status = code_cache_full() ? WalkStatus::CacheFull : WalkStatus::BadFrame;
            count = i;
        }
    }
    return captured(status, count);
}

}  // namespace

size_t capture_current_thread(RawFrame* out, size_t max) noexcept
{
    const Layout* layout = current_layout();
    if (layout == nullptr || max == 0) {
        return 0;
    }
    uintptr_t top = capture_top(*layout);
    if (top == 0) {
        return 0;
    }
    size_t written = 0;
    size_t count = 0;
    WalkStatus status = walk_frames<PlainReader>(
        *layout, top, max,
        [&](const WalkedFrame& frame) {
            out[written++] = RawFrame{&frame.entry->info, frame.line};
        },
        count);
    return captured(status, count);
}

size_t
capture_current_thread(RawFrame* out, size_t max, CaptureMemo& memo, size_t& unchanged) noexcept
{
    unchanged = 0;
    const Layout* layout = current_layout();
    if (layout == nullptr || max == 0) {
        return 0;
    }
    if (max > kMemoMaxFrames) {
        memo.depth = 0;
        return capture_current_thread(out, max);
    }
    uintptr_t top = capture_top(*layout);
    if (top == 0) {
        return 0;
    }
    return capture_with_memo(*layout, top, out, max, memo, unchanged);
}

size_t capture_with_memo(const Layout& layout,
                         uintptr_t top,
                         RawFrame* out,
                         size_t max,
                         CaptureMemo& memo,
                         size_t& unchanged) noexcept
{
    unchanged = 0;
    if (max > kMemoMaxFrames) {
        max = kMemoMaxFrames;
    }
    uintptr_t frames[kMemoMaxFrames];
    size_t count = 0;
    WalkStatus status = collect_frames(layout, top, max, frames, count);
    if (status != WalkStatus::Ok || count == max) {
        memo.depth = 0;  // no root, or maybe not the root: the levels would not line up
        return resolve_leaf_first(layout, frames, count, status, out);
    }
    // Root first: the levels that match the memo are taken from it; the first that differs and
    // every level after it go to the code cache and replace the memo's.
    size_t level = 0;
    for (; level < count && level < memo.depth; ++level) {
        size_t i = count - 1 - level;
        if (!same_frame(layout, memo.levels[level], frames[i])) {
            break;
        }
        out[i] = memo.levels[level].frame;
    }
    unchanged = level;
    for (; level < count; ++level) {
        size_t i = count - 1 - level;
        FrameMark mark = mark_of(layout, frames[i]);
        if (!resolve(mark, out[i])) {
            memo.depth = 0;
            unchanged = 0;
            if (code_cache_full()) {
                return 0;
            }
            return resolve_leaf_first(layout, frames, i, WalkStatus::BadFrame, out);
        }
        if (level < CaptureMemo::kLevels) {
            memo.levels[level] = CaptureMemo::Level{mark.key.code,
                                                    mark.key.qualname,
                                                    mark.key.filename,
                                                    mark.key.linetable,
                                                    mark.offset,
                                                    mark.key.first_line,
                                                    out[i]};
        }
    }
    memo.depth = count < CaptureMemo::kLevels ? count : CaptureMemo::kLevels;
    return count;
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
