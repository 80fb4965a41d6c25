// core/python/layout.h — where the fields the core reads sit inside CPython's structs. One
// constexpr table per minor version (layout_3XX.h); the table is chosen at run time from
// Py_Version, so adding a version means adding a table, not touching the readers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core::python {

struct Layout {
    uint32_t minor;  // 11 for 3.11

    // Every object
    size_t object_type;  // PyObject.ob_type
    size_t var_size;     // PyVarObject.ob_size
    size_t bytes_data;   // PyBytesObject.ob_sval

    // _PyRuntimeState, PyInterpreterState
    size_t runtime_interpreters_head;
    size_t interp_next;
    size_t interp_threads_head;

    // PyThreadState
    size_t tstate_prev;
    size_t tstate_next;
    size_t tstate_interp;
    size_t tstate_cframe;  // 3.11/3.12: _PyCFrame*, its current_frame at cframe_current_frame
    size_t tstate_thread_id;
    size_t tstate_native_thread_id;
    size_t tstate_datastack_chunk;
    size_t tstate_size;
    size_t cframe_current_frame;

    // _PyInterpreterFrame
    size_t frame_code;
    size_t frame_previous;
    size_t frame_prev_instr;
    size_t frame_is_entry;
    size_t frame_owner;
    size_t frame_size;  // up to localsplus: the part a reader copies
    uint8_t frame_owned_by_generator;

    // PyCodeObject
    size_t code_firstlineno;
    size_t code_filename;
    size_t code_name;
    size_t code_qualname;
    size_t code_linetable;
    size_t code_firsttraceable;
    size_t code_code_adaptive;  // first code unit; Py_SIZE(code) counts code units
    size_t code_header_size;    // bytes a reader copies: covers every field above

    // PyASCIIObject / PyCompactUnicodeObject
    size_t unicode_length;
    size_t unicode_state;
    size_t unicode_ascii_size;    // data of a compact ASCII string starts here
    size_t unicode_compact_size;  // data of a compact non-ASCII string starts here
    unsigned unicode_kind_shift;  // state bit-field positions (same in 3.11 and 3.12)
    unsigned unicode_compact_bit;
    unsigned unicode_ascii_bit;
};

}  // namespace sciagraph::core::python
