// core/python/frame_walk.h — walking a chain of _PyInterpreterFrame, leaf to root, with every
// check a reader of possibly-changing memory needs: a bounded number of steps (cycles), the
// exact type of every code object, instruction pointers inside the bytecode. Shared by the
// calling thread's own capture (plain loads) and the sampler's reads of other threads (safe
// reads), through the Reader parameter.
#pragma once

#include "code_cache.h"
#include "layout.h"
#include "reader.h"
#include "symbols.h"

#include <cstddef>
#include <cstdint>

namespace sciagraph::core::python {

enum class WalkStatus {
    Ok,         // reached the root, or `max` frames
    BadFrame,   // unreadable frame or code, a non-code object, a cycle: frames so far are valid
    CacheFull,  // the code cache cannot take a new code object
};

struct WalkedFrame {
    uintptr_t frame;
    uintptr_t code;
    int64_t offset;  // code units from the first instruction; -1: not started
    const CodeEntry* entry;
    uint32_t line;
};

// Steps allowed beyond `max` for frames that are skipped (incomplete ones): a chain longer than
// this is taken for a cycle.
inline constexpr size_t kExtraSteps = 64;

// What one frame is, given copies of its first layout.frame_size bytes and of its code
// object's first layout.code_header_size bytes.
enum class FrameKind {
    Complete,    // `out` describes it
    Incomplete,  // still in its prologue: invisible to Python, skipped
    Bad,         // the code pointer is not a code object
    CacheFull,   // the code cache cannot take a new code object
};

// What a frame is before the code cache is asked: its code object's key and the instruction it
// is at. Two frames with equal marks get the same entry and line (capture.cpp's memo uses this).
struct FrameMark {
    CodeKey key;
    int64_t offset;      // code units from the first instruction; -1 or less: not started
    int64_t code_units;  // Py_SIZE(code)
};

// The checks every frame gets, however it was read: the exact type of the code object (`code`,
// read at `code_image`), the _PyFrame_IsIncomplete rule. Complete, Incomplete or Bad.
inline FrameKind check_frame(const Layout& layout,
                             const unsigned char* frame_image,
                             uintptr_t code,
                             const unsigned char* code_image,
                             uintptr_t code_type) noexcept
{
    auto owner = load_field<uint8_t>(frame_image, layout.frame_owner);
    if (owner >= layout.frame_owned_by_shim) {
        // The interpreter's own entry frames (3.12+): their f_executable may be None.
        return FrameKind::Incomplete;
    }
    if (code_image == nullptr ||
        load_field<uintptr_t>(code_image, layout.object_type) != code_type) {
        return FrameKind::Bad;
    }
    auto instr = load_field<uintptr_t>(frame_image, layout.frame_instr);
    uintptr_t first_instr = code + layout.code_code_adaptive;
    auto first_traceable = load_field<int32_t>(code_image, layout.code_firsttraceable);
    // _PyFrame_IsIncomplete: a frame still running its prologue (COPY_FREE_VARS,
    // MAKE_CELL...) is invisible to Python; skip it as PyEval_GetFrame does.
    if (owner != layout.frame_owned_by_generator &&
        static_cast<intptr_t>(instr - first_instr) < static_cast<intptr_t>(first_traceable) * 2) {
        return FrameKind::Incomplete;
    }
    return FrameKind::Complete;
}

// check_frame, and `mark` for a complete frame.
inline FrameKind classify_frame(const Layout& layout,
                                const unsigned char* frame_image,
                                const unsigned char* code_image,
                                FrameMark& mark) noexcept
{
    uintptr_t code =
        frame_code_object(layout, load_field<uintptr_t>(frame_image, layout.frame_code));
    FrameKind kind = check_frame(layout, frame_image, code, code_image, symbols().code_type);
    if (kind != FrameKind::Complete) {
        return kind;
    }
    mark.key = CodeKey{code, load_field<uintptr_t>(code_image, layout.code_qualname),
                       load_field<uintptr_t>(code_image, layout.code_filename),
                       load_field<uintptr_t>(code_image, layout.code_linetable),
                       load_field<int32_t>(code_image, layout.code_firstlineno)};
    // instr - first_instr, in 2-byte code units (PyFrame_GetLasti's arithmetic on prev_instr in
    // 3.11/3.12 and on instr_ptr from 3.13); Py_SIZE(code) counts code units.
    auto instr = load_field<uintptr_t>(frame_image, layout.frame_instr);
    mark.offset = static_cast<int64_t>(instr - (code + layout.code_code_adaptive)) / 2;
    mark.code_units = load_field<int64_t>(code_image, layout.var_size);
    return FrameKind::Complete;
}

// The line of a marked frame in its code cache entry.
inline uint32_t marked_line(const CodeEntry& entry, const FrameMark& mark) noexcept
{
    bool inside = mark.offset >= -1 && mark.offset < mark.code_units;  // -1: not started
    return inside ? code_entry_line(entry, mark.offset) : 0;
}

// classify_frame, then the code cache: `read` is what the cache copies names and line tables
// with on a miss.
inline FrameKind describe_frame(const Layout& layout,
                                uintptr_t frame,
                                const unsigned char* frame_image,
                                const unsigned char* code_image,
                                ReadFn read,
                                WalkedFrame& out) noexcept
{
    FrameMark mark;
    FrameKind kind = classify_frame(layout, frame_image, code_image, mark);
    if (kind != FrameKind::Complete) {
        return kind;
    }
    const CodeEntry* entry = code_cache_lookup(mark.key, read);
    if (entry == nullptr) {
        return code_cache_full() ? FrameKind::CacheFull : FrameKind::Bad;
    }
    out = WalkedFrame{frame, mark.key.code, mark.offset < 0 ? -1 : mark.offset, entry,
                      marked_line(*entry, mark)};
    return FrameKind::Complete;
}

// capture_current_thread's walk with a memo (python.h), from the calling thread's `top` frame:
// at most 128 frames. In capture.cpp; here for the tests, which give it fake frames.
size_t capture_with_memo(const Layout& layout,
                         uintptr_t top,
                         RawFrame* out,
                         size_t max,
                         CaptureMemo& memo,
                         size_t& unchanged) noexcept;

// Calls sink(const WalkedFrame&) for each complete frame from `frame` toward the root, at most
// `max` times. `count` gets the number of frames given to sink.
template <typename Reader, typename Sink>
WalkStatus
walk_frames(const Layout& layout, uintptr_t frame, size_t max, Sink&& sink, size_t& count) noexcept
{
    count = 0;
    unsigned char frame_buffer[128];
    unsigned char code_buffer[256];
    if (layout.frame_size > sizeof frame_buffer || layout.code_header_size > sizeof code_buffer) {
        return WalkStatus::BadFrame;
    }
    for (size_t steps = 0; frame != 0 && count < max; ++steps) {
        const unsigned char* frame_image =
            steps < max + kExtraSteps ? Reader::view(frame_buffer, frame, layout.frame_size)
                                      : nullptr;
        if (frame_image == nullptr) {
            return WalkStatus::BadFrame;
        }
        uintptr_t code =
            frame_code_object(layout, load_field<uintptr_t>(frame_image, layout.frame_code));
        auto previous = load_field<uintptr_t>(frame_image, layout.frame_previous);
        // A shim frame's code is not looked at (3.13+: None, whose neighbours may be unmapped).
        bool shim =
            load_field<uint8_t>(frame_image, layout.frame_owner) >= layout.frame_owned_by_shim;
        const unsigned char* code_image =
            previous != frame && !shim ? Reader::view(code_buffer, code, layout.code_header_size)
                                       : nullptr;
        WalkedFrame walked{};
        switch (describe_frame(layout, frame, frame_image, code_image, &Reader::read, walked)) {
        case FrameKind::Complete:
            sink(walked);
            ++count;
            break;
        case FrameKind::Incomplete:
            break;
        case FrameKind::Bad:
            return WalkStatus::BadFrame;
        case FrameKind::CacheFull:
            return WalkStatus::CacheFull;
        }
        frame = previous;
    }
    return WalkStatus::Ok;
}

}  // namespace sciagraph::core::python
