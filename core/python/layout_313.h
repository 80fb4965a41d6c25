// core/python/layout_313.h — CPython 3.13: what its headers say (Include/cpython/pystate.h,
// Include/internal/pycore_frame.h, pycore_code.h, pycore_interp.h, pycore_runtime.h of 3.13.18,
// measured with offsetof()), and where its _Py_DebugOffsets (pycore_runtime.h) keeps each value.
// The running interpreter's published values replace the table's (debug_offsets.h).
//
// What changed from 3.12: no _PyCFrame (the thread state points at its top frame itself); the
// frame holds f_executable (a code object, or None in the C-stack entry frame, owner 3) and
// instr_ptr, the instruction being run, where 3.12 kept the one before: the same arithmetic gives
// PyFrame_GetLasti.
#pragma once

#include "debug_offsets.h"
#include "layout.h"

namespace sciagraph::core::python {

inline constexpr Layout kLayout313 = {
    .minor = 13,
    .object_type = 8,
    .var_size = 16,
    .bytes_data = 32,
    .runtime_interpreters_head = 632,
    .interp_next = 7264,
    .interp_threads_head = 7344,
    .interp_threads_count = 7360,
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
    .frame_code_tag_bits = 0,
    .frame_previous = 8,
    .frame_instr = 56,
    .frame_owner = 70,
    .frame_size = 72,
    .frame_owned_by_generator = 1,
    .frame_owned_by_shim = 3,
    .code_firstlineno = 68,
    .code_filename = 112,
    .code_name = 120,
    .code_qualname = 128,
    .code_linetable = 136,
    .code_firsttraceable = 184,
    .code_code_adaptive = 200,
    .code_header_size = 192,
    .unicode_length = 16,
    .unicode_state = 32,
    .unicode_ascii_size = 40,
    .unicode_compact_size = 56,
    // struct { interned:2; kind:3; compact:1; ascii:1; statically_allocated:1; ... }
    .unicode_kind_shift = 2,
    .unicode_compact_bit = 5,
    .unicode_ascii_bit = 6,
};

inline constexpr DebugOffsetsMap kDebugOffsets313 = {
    .struct_size = 584,
    .free_threaded = 0,
    .runtime_interpreters_head = 40,
    .interp_next = 64,
    .interp_threads_head = 72,
    .tstate_prev = 160,
    .tstate_next = 168,
    .tstate_interp = 176,
    .tstate_current_frame = 184,
    .tstate_thread_id = 192,
    .tstate_native_thread_id = 200,
    .tstate_datastack_chunk = 208,
    .frame_previous = 232,
    .frame_executable = 240,
    .frame_instr_ptr = 248,
    .frame_localsplus = 256,
    .frame_owner = 264,
    .code_filename = 280,
    .code_name = 288,
    .code_qualname = 296,
    .code_linetable = 304,
    .code_firstlineno = 312,
    .code_code_adaptive = 344,
    .object_type = 360,
    .bytes_size = 520,
    .bytes_data = 528,
    .unicode_state = 544,
    .unicode_length = 552,
    .unicode_ascii_size = 560,
};

}  // namespace sciagraph::core::python
