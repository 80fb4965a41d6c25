// inject/python_module.cpp — the bootstrap's way in: the preloaded library is also the Python
// extension module `_sciagraph` (lib/sciagraph/python/_sciagraph.abi3.so is a symlink to it).
// `import _sciagraph` in the bootstrap makes the dynamic linker return the copy already loaded
// (same file), and Python calls PyInit__sciagraph with the GIL held, before the job's code.
//
// Why not ctypes: importing ctypes at start-up changed how glibc's heap grows and shrinks in
// allocation-heavy jobs: malloc_churn took 0.2 s (18%) longer with only `import ctypes` in a
// sitecustomize. An extension module costs one small module object.
//
// No Python.h and no libpython link: the library is preloaded into every process the job starts,
// Python or not, so it may not have undefined Python symbols. The module definition is written
// with the layout the stable ABI fixes, and PyModule_Create2 is found with dlsym.
#include "core/tracker.h"

#include <cstddef>

#include <dlfcn.h>
#include <sys/types.h>

namespace {

// Stable-ABI layouts (Include/moduleobject.h, Include/object.h).
struct PyObjectHead {
    ssize_t refcnt;
    void* type;
};
struct PyModuleDefBase {
    PyObjectHead head;
    void* (*m_init)();
    ssize_t m_index;
    void* m_copy;
};
struct PyModuleDef {
    PyModuleDefBase base;
    const char* name;
    const char* doc;
    ssize_t size;
    void* methods;
    void* slots;
    void* traverse;
    void* clear;
    void* free;
};

constexpr int kPythonAbiVersion = 3;  // PYTHON_ABI_VERSION, what PyModule_Create passes

PyModuleDef g_module = {
    {{1, nullptr}, nullptr, 0, nullptr},
    "_sciagraph",
    "sciagraph's bootstrap: importing it tells the profiler that Python is ready.",
    -1,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) void* PyInit__sciagraph()
{
    sciagraph::core::python_ready();
    using Create = void* (*)(PyModuleDef*, int);
    auto create = reinterpret_cast<Create>(dlsym(RTLD_DEFAULT, "PyModule_Create2"));
    return create != nullptr ? create(&g_module, kPythonAbiVersion) : nullptr;
}
