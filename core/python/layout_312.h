// core/python/layout_312.h — CPython 3.12 offsets (x86-64, release builds).
// Written from the v3.12 headers (Include/cpython/pystate.h, Include/cpython/code.h,
// Include/internal/pycore_frame.h, pycore_interp.h, pycore_runtime.h, Include/cpython/
// unicodeobject.h) and measured with offsetof() on a transcription of those structs. 3.12
// publishes no offsets of its own (_Py_DebugOffsets arrived in 3.13), and no Debian release ships
// 3.12, so this table has been checked against the headers, not a running 3.12: check_layout()
// verifies every field against the public C API before a 3.12 job's code runs, and refuses the
// interpreter in one line if any differs.
//
// What changed from 3.11: the frame starts with f_code and has no is_entry flag (entry frames are
// owned by the C stack: owner 3); PyThreadState lost its tracing fields before cframe and gained
// none after, so thread_id moved up; PyASCIIObject lost wstr (40 bytes; compact 56).
#pragma once

#include "layout.h"

namespace sciagraph::core::python {

inline constexpr Layout kLayout312 = {
    .minor = 12,
    .object_type = 8,
    .var_size = 16,
    .bytes_data = 32,
    .runtime_interpreters_head = 40,
    .interp_next = 0,
    .interp_threads_head = 72,
    .interp_threads_count = 80,
    .tstate_prev = 0,
    .tstate_next = 8,
    .tstate_interp = 16,
    .tstate_cframe = 56,
    .frame_in_tstate = false,
    .tstate_thread_id = 136,
    .tstate_native_thread_id = 144,
    .tstate_datastack_chunk = 232,
    .tstate_size = 288,
    .current_frame = 0,  // _PyCFrame {current_frame; previous}
    .frame_code = 0,
    .frame_code_tag_bits = 0,
    .frame_previous = 8,
    .frame_instr = 56,
    .frame_owner = 70,
    .frame_size = 72,
    .frame_owned_by_generator = 1,
    .frame_owned_by_shim = 3,  // FRAME_OWNED_BY_CSTACK
    .code_firstlineno = 68,
    .code_filename = 112,
    .code_name = 120,
    .code_qualname = 128,
    .code_linetable = 136,
    .code_firsttraceable = 176,
    .code_code_adaptive = 192,
    .code_header_size = 184,
    .unicode_length = 16,
    .unicode_state = 32,
    .unicode_ascii_size = 40,
    .unicode_compact_size = 56,
    // struct { interned:2; kind:3; compact:1; ascii:1; statically_allocated:1; :24 }
    .unicode_kind_shift = 2,
    .unicode_compact_bit = 5,
    .unicode_ascii_bit = 6,
};

}  // namespace sciagraph::core::python
