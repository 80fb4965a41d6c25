// core/python/layout.h — where the fields the core reads sit inside CPython's structs. One table
// per minor version (layout_3XX.h), chosen at run time from Py_Version, so adding a version means
// adding a table, not touching the readers. From 3.13 on the interpreter publishes most of these
// offsets itself (_Py_DebugOffsets at the start of _PyRuntime): there the table holds what the
// headers say, and the running interpreter's published values replace it (debug_offsets.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

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
    size_t interp_threads_count;  // moves when a thread begins or ends (thread_list_changed)

    // PyThreadState. The top frame is `holder->current_frame`, where the holder is the thread
    // state itself from 3.13 on (frame_in_tstate) and its _PyCFrame (tstate->cframe) before.
    size_t tstate_prev;
    size_t tstate_next;
    size_t tstate_interp;
    size_t tstate_cframe;  // 3.11/3.12: the _PyCFrame pointer; unused when frame_in_tstate
    bool frame_in_tstate;
    size_t tstate_thread_id;
    size_t tstate_native_thread_id;
    size_t tstate_datastack_chunk;  // datastack_top and datastack_limit follow it
    size_t tstate_size;             // bytes a reader copies: covers every field above
    size_t current_frame;           // in the holder: _PyCFrame (≤3.12) or PyThreadState

    // _PyInterpreterFrame
    size_t frame_code;  // f_code (≤3.12), f_executable (3.13+)
    // Low bits of frame_code that are tags, not address (3.14's _PyStackRef): masked off.
    uintptr_t frame_code_tag_bits;
    size_t frame_previous;
    size_t frame_instr;  // prev_instr (≤3.12), instr_ptr (3.13+): same arithmetic for lasti
    size_t frame_owner;
    size_t frame_size;  // up to localsplus: the part a reader copies
    uint8_t frame_owned_by_generator;
    // Owners from this value up are the interpreter's shim frames (C-stack entry frames in
    // 3.12/3.13, FRAME_OWNED_BY_INTERPRETER and up in 3.14+): never visible to Python.
    uint8_t frame_owned_by_shim;

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
    unsigned unicode_kind_shift;  // state bit-field positions (same in 3.11 to 3.15)
    unsigned unicode_compact_bit;
    unsigned unicode_ascii_bit;
};

// The address whose `current_frame` field is the thread's top frame: the thread state itself
// (3.13+), or its _PyCFrame (3.11/3.12). `tstate_bytes` holds the thread state's first
// tstate_size bytes: the object itself for plain loads, or a copy the caller read safely.
// 0: the thread runs no Python now.
inline uintptr_t
frame_holder(const Layout& layout, uintptr_t tstate, const unsigned char* tstate_bytes) noexcept
{
    if (layout.frame_in_tstate) {
        return tstate;
    }
    uintptr_t cframe;
    std::memcpy(&cframe, tstate_bytes + layout.tstate_cframe, sizeof cframe);
    return cframe;
}

// The code object a frame runs, from the raw f_code / f_executable word.
inline uintptr_t frame_code_object(const Layout& layout, uintptr_t raw) noexcept
{
    return raw & ~layout.frame_code_tag_bits;
}

}  // namespace sciagraph::core::python
