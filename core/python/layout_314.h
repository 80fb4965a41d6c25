// core/python/layout_314.h — CPython 3.14: what its headers say (Include/cpython/pystate.h,
// Include/internal/pycore_interpframe_structs.h, pycore_code.h, pycore_interp_structs.h,
// pycore_runtime_structs.h of 3.14.10, measured with offsetof()), and where its _Py_DebugOffsets
// (pycore_debug_offsets.h) keeps each value. The running interpreter's published values replace
// the table's (debug_offsets.h).
//
// What changed from 3.13: f_executable is a _PyStackRef, a tagged pointer whose low bits
// (Py_TAG_BITS, up to 3) must be masked off; owners 3 (interpreter) and 4 (C stack) are shim
// frames; _Py_DebugOffsets gained `free_threaded` and a size per group, which moved every value.
#pragma once

#include "debug_offsets.h"
#include "layout.h"

namespace sciagraph::core::python {

inline constexpr Layout kLayout314 = {
    .minor = 14,
    .object_type = 8,
    .var_size = 16,
    .bytes_data = 32,
    .runtime_interpreters_head = 808,
    .interp_next = 7272,
    .interp_threads_head = 7344,
    .interp_threads_count = 7368,
    .tstate_prev = 0,
    .tstate_next = 8,
    .tstate_interp = 16,
    .tstate_cframe = 0,
    .frame_in_tstate = true,
    .tstate_thread_id = 152,
    .tstate_native_thread_id = 160,
    .tstate_datastack_chunk = 232,
    .tstate_size = 256,
    .current_frame = 72,  // PyThreadState.current_frame
    .frame_code = 0,
    .frame_code_tag_bits = 3,
    .frame_previous = 8,
    .frame_instr = 56,
    .frame_owner = 74,
    .frame_size = 80,
    .frame_owned_by_generator = 1,
    .frame_owned_by_shim = 3,
    .code_firstlineno = 68,
    .code_filename = 112,
    .code_name = 120,
    .code_qualname = 128,
    .code_linetable = 136,
    .code_firsttraceable = 192,
    .code_code_adaptive = 208,
    .code_header_size = 200,
    .unicode_length = 16,
    .unicode_state = 32,
    .unicode_ascii_size = 40,
    .unicode_compact_size = 56,
    // struct { interned:2; kind:3; compact:1; ascii:1; statically_allocated:1; ... }
    .unicode_kind_shift = 2,
    .unicode_compact_bit = 5,
    .unicode_ascii_bit = 6,
};

inline constexpr DebugOffsetsMap kDebugOffsets314 = {
    .struct_size = 760,
    .free_threaded = 16,
    .runtime_interpreters_head = 40,
    .interp_next = 64,
    .interp_threads_head = 72,
    .tstate_prev = 184,
    .tstate_next = 192,
    .tstate_interp = 200,
    .tstate_current_frame = 208,
    .tstate_thread_id = 216,
    .tstate_native_thread_id = 224,
    .tstate_datastack_chunk = 232,
    .frame_previous = 256,
    .frame_executable = 264,
    .frame_instr_ptr = 272,
    .frame_localsplus = 280,
    .frame_owner = 288,
    .code_filename = 320,
    .code_name = 328,
    .code_qualname = 336,
    .code_linetable = 344,
    .code_firstlineno = 352,
    .code_code_adaptive = 384,
    .object_type = 408,
    .bytes_size = 600,
    .bytes_data = 608,
    .unicode_state = 624,
    .unicode_length = 632,
    .unicode_ascii_size = 640,
};

}  // namespace sciagraph::core::python
