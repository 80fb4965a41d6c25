// core/python/layout_315.h — CPython 3.15: what its headers say (Include/cpython/pystate.h,
// Include/internal/pycore_interpframe_structs.h, pycore_code.h, pycore_interp_structs.h,
// pycore_runtime_structs.h of 3.15.2, measured with offsetof()), and where its _Py_DebugOffsets
// (pycore_debug_offsets.h) keeps each value. The running interpreter's published values replace
// the table's (debug_offsets.h).
//
// What changed from 3.14: thread_id and native_thread_id moved down the thread state; the
// C-stack owner is gone (FRAME_OWNED_BY_INTERPRETER, 3, is the only shim owner);
// _Py_DebugOffsets grew again, which moved every value after the thread state's.
#pragma once

#include "debug_offsets.h"
#include "layout.h"

namespace sciagraph::core::python {

inline constexpr Layout kLayout315 = {
    .minor = 15,
    .object_type = 8,
    .var_size = 16,
    .bytes_data = 32,
    .runtime_interpreters_head = 936,
    .interp_next = 7264,
    .interp_threads_head = 7336,
    .interp_threads_count = 7360,
    .tstate_prev = 0,
    .tstate_next = 8,
    .tstate_interp = 16,
    .tstate_cframe = 0,
    .frame_in_tstate = true,
    .tstate_thread_id = 176,
    .tstate_native_thread_id = 184,
    .tstate_datastack_chunk = 256,
    .tstate_size = 280,
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

inline constexpr DebugOffsetsMap kDebugOffsets315 = {
    .struct_size = 888,
    .free_threaded = 16,
    .runtime_interpreters_head = 40,
    .interp_next = 64,
    .interp_threads_head = 72,
    .tstate_prev = 184,
    .tstate_next = 192,
    .tstate_interp = 200,
    .tstate_current_frame = 208,
    .tstate_thread_id = 240,
    .tstate_native_thread_id = 248,
    .tstate_datastack_chunk = 256,
    .frame_previous = 320,
    .frame_executable = 328,
    .frame_instr_ptr = 336,
    .frame_localsplus = 344,
    .frame_owner = 352,
    .code_filename = 384,
    .code_name = 392,
    .code_qualname = 400,
    .code_linetable = 408,
    .code_firstlineno = 416,
    .code_code_adaptive = 448,
    .object_type = 472,
    .bytes_size = 696,
    .bytes_data = 704,
    .unicode_state = 720,
    .unicode_length = 728,
    .unicode_ascii_size = 736,
};

}  // namespace sciagraph::core::python
