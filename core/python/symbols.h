// core/python/symbols.h — the CPython symbols the core uses, found with dlsym(RTLD_DEFAULT)
// once, before Python runs, so the core links no libpython. Internal to core/python/.
#pragma once

#include "layout.h"

#include <cstddef>
#include <cstdint>

namespace sciagraph::core::python {

struct Symbols {
    // Data
    const uint32_t* py_version = nullptr;  // Py_Version (3.11+)
    uintptr_t runtime = 0;                 // &_PyRuntime
    size_t runtime_size = 0;               // its size (ELF symbol), 0 when unknown
    uintptr_t code_type = 0;               // &PyCode_Type
    uintptr_t unicode_type = 0;            // &PyUnicode_Type
    uintptr_t bytes_type = 0;              // &PyBytes_Type

    // Allocation-free, callable from a hook
    void* (*gilstate_this_thread)() = nullptr;  // PyGILState_GetThisThreadState

    // Public API used only by check_layout() (GIL held, outside hooks)
    int (*is_initialized)() = nullptr;
    void* (*interp_head)() = nullptr;
    void* (*interp_next)(void*) = nullptr;
    void* (*interp_thread_head)(void*) = nullptr;
    void* (*thread_next)(void*) = nullptr;
    void* (*thread_get)() = nullptr;
    void* (*interp_get)() = nullptr;
    unsigned long (*thread_ident)() = nullptr;
    void* (*eval_get_frame)() = nullptr;
    void* (*frame_get_back)(void*) = nullptr;
    void* (*frame_get_code)(void*) = nullptr;
    int (*frame_get_lasti)(void*) = nullptr;
    int (*frame_get_line)(void*) = nullptr;
    void (*decref)(void*) = nullptr;  // Py_DecRef
};

const Symbols& symbols() noexcept;
// The layout of the running interpreter, nullptr when the version is not supported.
const Layout* current_layout() noexcept;

namespace testing {
// Lets unit tests run the readers on fake objects: the type addresses the readers check and
// the layout they use. Not for production code.
void install_fake_python(uintptr_t code_type,
                         uintptr_t unicode_type,
                         uintptr_t bytes_type,
                         uintptr_t runtime,
                         const Layout* layout) noexcept;
// Runs the real version selection (resolve_symbols() without dlsym) for an interpreter whose
// Py_Version is *version and whose _PyRuntime starts at `runtime` (for 3.13+, a fake
// _Py_DebugOffsets), so version_supported() answers as it would for that interpreter.
void install_fake_interpreter(const uint32_t* version, uintptr_t runtime) noexcept;
}  // namespace testing

}  // namespace sciagraph::core::python
