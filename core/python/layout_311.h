// core/python/layout_311.h — CPython 3.11 offsets (x86-64 and aarch64, release builds).
// Measured with offsetof() against Include/cpython/*.h and Include/internal/pycore_*.h of 3.11.2
// (Debian) and 3.11.7 (pyenv): identical. 3.11 publishes no offsets of its own, so this table is
// all there is; check_layout() re-verifies it on the live interpreter.
#pragma once

#include "layout.h"

namespace sciagraph::core::python {

inline constexpr Layout kLayout311 = {
    .minor = 11,
    .object_type = 8,
    .var_size = 16,
    .bytes_data = 32,
    .runtime_interpreters_head = 40,
    .interp_next = 0,
    .interp_threads_head = 16,
    .interp_threads_count = 24,
    .tstate_prev = 0,
    .tstate_next = 8,
    .tstate_interp = 16,
    .tstate_cframe = 56,
    .frame_in_tstate = false,
    .tstate_thread_id = 152,
    .tstate_native_thread_id = 160,
    .tstate_datastack_chunk = 296,
    .tstate_size = 360,
    .current_frame = 8,  // _PyCFrame {use_tracing; current_frame; previous}
    .frame_code = 32,
    .frame_code_tag_bits = 0,
    .frame_previous = 48,
    .frame_instr = 56,
    .frame_owner = 69,
    .frame_size = 72,
    .frame_owned_by_generator = 1,  // FRAME_OWNED_BY_GENERATOR in pycore_frame.h
    .frame_owned_by_shim = 3,       // 3.11 has none: owners are 0..2
    .code_firstlineno = 72,
    .code_filename = 112,
    .code_name = 120,
    .code_qualname = 128,
    .code_linetable = 136,
    .code_firsttraceable = 168,
    .code_code_adaptive = 184,
    .code_header_size = 176,
    .unicode_length = 16,
    .unicode_state = 32,
    .unicode_ascii_size = 48,
    .unicode_compact_size = 72,
    // struct { interned:2; kind:3; compact:1; ascii:1; ready:1; }
    .unicode_kind_shift = 2,
    .unicode_compact_bit = 5,
    .unicode_ascii_bit = 6,
};

}  // namespace sciagraph::core::python
