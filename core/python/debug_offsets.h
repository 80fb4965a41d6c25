// core/python/debug_offsets.h — the offsets CPython 3.13+ publishes about itself.
//
// From 3.13 on, _PyRuntime starts with a _Py_DebugOffsets: the cookie "xdebugpy", Py_Version,
// then sizes and offsets of the runtime, interpreter and thread states, frames, code objects and
// strings, written by the compiler that built that interpreter. Reading our offsets from there
// instead of trusting a table means a vendor's patched struct, or a point release that moved a
// field, is read right rather than read wrong. The structure itself grows in every release (3.14
// added `free_threaded` and a size to each group), so each version's file (layout_313.h, ...) says
// where in it each value sits (a DebugOffsetsMap) and what the headers say the values are (the
// Layout the published values replace).
//
// What the structure does not publish stays from the table: the thread count beside the thread
// list head, _co_firsttraceable, the frame owner values, the tag bits of f_executable, the bit
// positions of a str's state. check_layout() verifies the result against the public C API.
#pragma once

#include "layout.h"

#include <cstddef>
#include <cstdint>

namespace sciagraph::core::python {

// Byte positions inside _Py_DebugOffsets (each value a uint64_t). 0 for free_threaded: the
// version does not publish it (3.13, where a free-threaded build shows in ob_type's offset).
struct DebugOffsetsMap {
    size_t struct_size;  // sizeof(_Py_DebugOffsets)
    size_t free_threaded;
    size_t runtime_interpreters_head;
    size_t interp_next;
    size_t interp_threads_head;
    size_t tstate_prev;
    size_t tstate_next;
    size_t tstate_interp;
    size_t tstate_current_frame;
    size_t tstate_thread_id;
    size_t tstate_native_thread_id;
    size_t tstate_datastack_chunk;
    size_t frame_previous;
    size_t frame_executable;
    size_t frame_instr_ptr;
    size_t frame_localsplus;
    size_t frame_owner;
    size_t code_filename;
    size_t code_name;
    size_t code_qualname;
    size_t code_linetable;
    size_t code_firstlineno;
    size_t code_code_adaptive;
    size_t object_type;
    size_t bytes_size;
    size_t bytes_data;
    size_t unicode_state;
    size_t unicode_length;
    size_t unicode_ascii_size;
};

inline constexpr char kDebugCookie[8] = {'x', 'd', 'e', 'b', 'u', 'g', 'p', 'y'};
inline constexpr size_t kDebugVersionAt = 8;  // uint64_t version, right after the cookie

// Builds the layout of the running interpreter: `table` with every published value of
// `published` (the first map.struct_size bytes of _PyRuntime) in place of its own. Returns
// nullptr, or a one-line reason the published offsets cannot be used, to follow "Python X.Y.Z "
// (e.g. "is a free-threaded build, which sciagraph does not support").
const char* layout_from_debug_offsets(const unsigned char* published,
                                      uint32_t py_version,
                                      const DebugOffsetsMap& map,
                                      const Layout& table,
                                      Layout& out) noexcept;

}  // namespace sciagraph::core::python
