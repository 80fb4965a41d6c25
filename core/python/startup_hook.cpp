// core/python/startup_hook.cpp — knowing that the interpreter is ready, however Python starts.
//
// The core must check its offsets against the live interpreter (check_layout) with the GIL held,
// after initialisation and before the job's own code. It learns that moment from a C audit hook
// (PEP 578), installed from the library constructor:
//   - PySys_AddAuditHook may be called before Py_Initialize: the runtime keeps C hooks across
//     its own initialisation (CPython's test_embed relies on it, 3.8 to 3.15);
//   - hooks run with the GIL held, on the thread that raised the event;
//   - on every way Python starts, an event comes before the job's code: "import" of `site` (the
//     last step of initialisation, before .pth files and any sitecustomize), and without site
//     (-S) cpython.run_file, run_command, run_module, run_stdin, run_startup or
//     run_interactivehook. An embedding program that runs none of these reaches the core at its
//     first event once Py_IsInitialized() says so.
// A sitecustomize on PYTHONPATH, the bootstrap before this one, is ignored by -E and -I and
// never imported with -S: those jobs lost their stacks. The hook also leaves PYTHONPATH,
// sys.path and sys.modules exactly as the job's own.
//
// The hook's entry, {next, hook, user_data}, is allocated by PySys_AddAuditHook with the raw
// allocator of that moment (malloc: the constructor runs before Python configures anything) and
// freed at finalisation with the raw allocator of then, which PYTHONMALLOC=debug or -X dev wrap
// in debug hooks: they would abort on our block. So the entry is recorded when it is made, the
// word of _PyRuntime that points at it is found (the audit hook list's head), and when CPython
// is ready, the entry is unlinked from that list and left alone (24 bytes): CPython never frees
// it, and, with no hook left, stops building each audited event's arguments (imports, open(),
// compile, sys._getframe...: about 40 ns each while a hook is listed). The same unlink runs when
// CPython announces it is clearing the hooks (the event "cpython._PySys_ClearAuditHooks"), for a
// process that finalises before the job's code ever ran. The head is found on every supported
// version (the e2e suite runs PYTHONMALLOC=debug on each); were it not, the hook would stay
// listed, returning at its first load, and only a debug-hooked job would trip on it at exit.
//
// The layout check compares our reading of the frames with the C API's, so it needs frames:
// it runs inside a call two Python functions deep, made from code compiled here (no import,
// no module, no name left behind in the job).
#include "python.h"

#include <atomic>
#include <cstring>
#include <initializer_list>

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/types.h>

namespace sciagraph::core::python {
namespace {

using Object = void;
using AuditHook = int (*)(const char* event, Object* args, void* user_data);

struct Api {
    int (*add_audit_hook)(AuditHook, void*) = nullptr;  // PySys_AddAuditHook
    int (*is_initialized)() = nullptr;
    Object* (*tuple_get_item)(Object*, ssize_t) = nullptr;  // borrowed
    const char* (*unicode_as_utf8)(Object*) = nullptr;
    Object* (*compile_string)(const char*, const char*, int) = nullptr;
    Object* (*eval_code)(Object*, Object*, Object*) = nullptr;
    Object* (*dict_new)() = nullptr;
    int (*dict_set_item_string)(Object*, const char*, Object*) = nullptr;
    void (*dict_clear)(Object*) = nullptr;
    Object* (*eval_get_builtins)() = nullptr;                     // borrowed
    Object* (*cfunction_new)(void*, Object*, Object*) = nullptr;  // PyCFunction_NewEx
    Object* (*err_occurred)() = nullptr;
    void (*err_clear)() = nullptr;
    void (*incref)(Object*) = nullptr;
    void (*decref)(Object*) = nullptr;
    Object* none = nullptr;                           // &_Py_NoneStruct
    void (*get_allocator)(int, void*) = nullptr;      // PyMem_GetAllocator
    void (*set_allocator)(int, void*) = nullptr;      // PyMem_SetAllocator
    Object* (*import_module)(const char*) = nullptr;  // PyImport_ImportModule
    Object* (*get_attr_string)(Object*, const char*) = nullptr;
    Object* (*tuple_new)(ssize_t) = nullptr;
    Object* (*call)(Object*, Object*, Object*) = nullptr;  // PyObject_Call
};
Api g_api;

void (*g_on_ready)() = nullptr;
std::atomic<bool> g_fired{false};

template <typename Fn>
bool lookup(Fn& out, const char* name) noexcept
{
    out = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
    return out != nullptr;
}

bool resolve_api() noexcept
{
    Api& a = g_api;
    return lookup(a.add_audit_hook, "PySys_AddAuditHook") &&
           lookup(a.is_initialized, "Py_IsInitialized") &&
           lookup(a.tuple_get_item, "PyTuple_GetItem") &&
           lookup(a.unicode_as_utf8, "PyUnicode_AsUTF8") &&
           lookup(a.compile_string, "Py_CompileString") && lookup(a.eval_code, "PyEval_EvalCode") &&
           lookup(a.dict_new, "PyDict_New") &&
           lookup(a.dict_set_item_string, "PyDict_SetItemString") &&
           lookup(a.dict_clear, "PyDict_Clear") &&
           lookup(a.eval_get_builtins, "PyEval_GetBuiltins") &&
           lookup(a.cfunction_new, "PyCFunction_NewEx") &&
           lookup(a.err_occurred, "PyErr_Occurred") && lookup(a.err_clear, "PyErr_Clear") &&
           lookup(a.incref, "Py_IncRef") && lookup(a.decref, "Py_DecRef") &&
           lookup(a.none, "_Py_NoneStruct") && lookup(a.get_allocator, "PyMem_GetAllocator") &&
           lookup(a.set_allocator, "PyMem_SetAllocator") &&
           lookup(a.import_module, "PyImport_ImportModule") &&
           lookup(a.get_attr_string, "PyObject_GetAttrString") &&
           lookup(a.tuple_new, "PyTuple_New") && lookup(a.call, "PyObject_Call");
}

bool starts_with(const char* text, const char* prefix) noexcept
{
    return std::strncmp(text, prefix, std::strlen(prefix)) == 0;
}

// The events after which the job's code may run (see the file comment).
bool is_ready_event(const char* event, Object* args) noexcept
{
    if (starts_with(event, "cpython.run_")) {
        return true;
    }
    if (std::strcmp(event, "import") == 0 && args != nullptr) {
        Object* module = g_api.tuple_get_item(args, 0);
        const char* name = module != nullptr ? g_api.unicode_as_utf8(module) : nullptr;
        if (name == nullptr) {
            g_api.err_clear();  // hooks run with the job's own exception saved aside
        } else if (std::strcmp(name, "site") == 0) {
            return true;
        }
    }
    return g_api.is_initialized() != 0;
}

// --- The hook's own entry in the runtime's list
// ---------------------------------------------------

// PyMemAllocatorEx (Include/cpython/pymem.h), for the raw domain (PYMEM_DOMAIN_RAW = 0).
struct Allocator {
    void* ctx;
    void* (*malloc)(void* ctx, size_t size);
    void* (*calloc)(void* ctx, size_t count, size_t size);
    void* (*realloc)(void* ctx, void* ptr, size_t size);
    void (*free)(void* ctx, void* ptr);
};
constexpr int kRawDomain = 0;

struct HookEntry {
    HookEntry* next;
    AuditHook hook;
    void* user_data;
};

Allocator g_raw;                    // the raw allocator while our entry is made
HookEntry* g_entry = nullptr;       // our entry, once made
HookEntry** g_list_head = nullptr;  // the word of _PyRuntime that heads the hook list

void* recording_malloc(void*, size_t size) noexcept
{
    void* block = g_raw.malloc(g_raw.ctx, size);
    if (size == sizeof(HookEntry) && g_entry == nullptr) {
        g_entry = static_cast<HookEntry*>(block);
    }
    return block;
}

// The word of _PyRuntime (its ELF symbol's extent) that holds our entry's address.
HookEntry** find_list_head() noexcept
{
    void* runtime = dlsym(RTLD_DEFAULT, "_PyRuntime");
    Dl_info info{};
    ElfW(Sym)* symbol = nullptr;
    if (runtime == nullptr || g_entry == nullptr ||
        dladdr1(runtime, &info, reinterpret_cast<void**>(&symbol), RTLD_DL_SYMENT) == 0 ||
        symbol == nullptr) {
        return nullptr;
    }
    auto** words = static_cast<HookEntry**>(runtime);
    size_t count = symbol->st_size / sizeof(uintptr_t);  // words of _PyRuntime
    HookEntry** found = nullptr;
    for (size_t i = 0; i < count; ++i) {
        if (words[i] == g_entry) {
            if (found != nullptr) {
                return nullptr;  // two candidates: touch neither
            }
            found = &words[i];
        }
    }
    return found;
}

// CPython is about to free every entry with today's raw allocator: take ours out of the list.
void unlink_entry() noexcept
{
    if (g_list_head == nullptr || g_entry == nullptr) {
        return;
    }
    for (HookEntry** link = g_list_head; *link != nullptr; link = &(*link)->next) {
        if (*link == g_entry) {
            *link = g_entry->next;
            return;
        }
    }
}

int on_audit_event(const char* event, Object* args, void*) noexcept
{
    if (event != nullptr && event[0] == 'c' &&
        std::strcmp(event, "cpython._PySys_ClearAuditHooks") == 0) {
        unlink_entry();
        return 0;
    }
    if (g_fired.load(std::memory_order_relaxed)) {
        return 0;
    }
    if (event == nullptr || !is_ready_event(event, args)) {
        return 0;
    }
    // Once: the callback's own Python code raises events too ("compile", "exec"...).
    if (g_fired.exchange(true)) {
        return 0;
    }
    g_on_ready();
    // Done with events: out of the list, so CPython stops building every audited event's
    // arguments for us (CPython's loop over the list has read our entry and goes on from its
    // `next`, which stays as it was).
    unlink_entry();
    return 0;  // an audit hook that fails would abort the job's operation
}

// --- A check run under live Python frames -------------------------------------------------------

// Stable-ABI layouts (Include/methodobject.h).
struct MethodDef {
    const char* name;
    Object* (*method)(Object*, Object*);
    int flags;
    const char* doc;
};
constexpr int kMethNoArgs = 0x0004;
constexpr int kFileInput = 257;  // Py_file_input

const char* (*g_check)() = nullptr;
const char* g_check_result = nullptr;
bool g_check_ran = false;

// What a C function called from Python returns for "nothing": a new reference to None.
Object* new_none() noexcept
{
    g_api.incref(g_api.none);
    return g_api.none;
}

// Drops our references; a null one is a call that failed.
void release(std::initializer_list<Object*> objects) noexcept
{
    for (Object* object : objects) {
        if (object != nullptr) {
            g_api.decref(object);
        }
    }
}

Object* run_check(Object*, Object*) noexcept
{
    g_check_result = g_check();
    g_check_ran = true;
    return new_none();
}

MethodDef g_check_def = {"check", &run_check, kMethNoArgs, nullptr};

// --- os.fork()'s own hooks
// ------------------------------------------------------------------------

void (*g_fork_before)() = nullptr;
void (*g_fork_after_in_parent)() = nullptr;

Object* fork_before(Object*, Object*) noexcept
{
    g_fork_before();
    return new_none();
}

Object* fork_after_in_parent(Object*, Object*) noexcept
{
    g_fork_after_in_parent();
    return new_none();
}

MethodDef g_fork_before_def = {"before", &fork_before, kMethNoArgs, nullptr};
MethodDef g_fork_after_def = {"after_in_parent", &fork_after_in_parent, kMethNoArgs, nullptr};

// Two Python frames over the check, as a job's own calls would be.
constexpr char kCheckSource[] = "def outer():\n"
                                "    return inner()\n"
                                "def inner():\n"
                                "    return check()\n"
                                "outer()\n";

}  // namespace

bool install_ready_hook(void (*on_ready)()) noexcept
{
    if (on_ready == nullptr || !resolve_api()) {
        return false;
    }
    g_on_ready = on_ready;
    // The raw allocator wrapped for this one call, to learn where our entry is.
    g_api.get_allocator(kRawDomain, &g_raw);
    Allocator recording = g_raw;
    recording.malloc = &recording_malloc;
    g_api.set_allocator(kRawDomain, &recording);
    int added = g_api.add_audit_hook(&on_audit_event, nullptr);
    g_api.set_allocator(kRawDomain, &g_raw);
    if (added != 0) {
        return false;
    }
    g_list_head = find_list_head();
    return true;
}

bool register_fork_hooks(void (*before)(), void (*after_in_parent)()) noexcept
{
    const Api& a = g_api;
    if (a.import_module == nullptr) {
        return false;
    }
    g_fork_before = before;
    g_fork_after_in_parent = after_in_parent;
    // posix is built in and imported before site: this import finds it in sys.modules.
    Object* posix = a.import_module("posix");
    Object* register_at_fork =
        posix != nullptr ? a.get_attr_string(posix, "register_at_fork") : nullptr;
    Object* no_args = a.tuple_new(0);
    Object* kwargs = a.dict_new();
    Object* before_fn = a.cfunction_new(&g_fork_before_def, nullptr, nullptr);
    Object* after_fn = a.cfunction_new(&g_fork_after_def, nullptr, nullptr);
    bool registered = false;
    if (register_at_fork != nullptr && no_args != nullptr && kwargs != nullptr &&
        before_fn != nullptr && after_fn != nullptr &&
        a.dict_set_item_string(kwargs, "before", before_fn) == 0 &&
        a.dict_set_item_string(kwargs, "after_in_parent", after_fn) == 0) {
        if (Object* result = a.call(register_at_fork, no_args, kwargs)) {
            a.decref(result);
            registered = true;
        }
    }
    if (a.err_occurred() != nullptr) {
        a.err_clear();
    }
    release({posix, register_at_fork, no_args, kwargs, before_fn, after_fn});
    return registered;
}

const char* run_under_python_frames(const char* (*check)()) noexcept
{
    const Api& a = g_api;
    if (a.compile_string == nullptr) {
        return "the interpreter lacks the C API the layout check runs with";
    }
    g_check = check;
    g_check_ran = false;
    g_check_result = nullptr;
    Object* globals = a.dict_new();
    Object* function = a.cfunction_new(&g_check_def, nullptr, nullptr);
    Object* code = a.compile_string(kCheckSource, "<sciagraph layout check>", kFileInput);
    if (globals != nullptr && function != nullptr && code != nullptr &&
        a.dict_set_item_string(globals, "__builtins__", a.eval_get_builtins()) == 0 &&
        a.dict_set_item_string(globals, "check", function) == 0) {
        if (Object* result = a.eval_code(code, globals, globals)) {
            a.decref(result);
        }
    }
    if (a.err_occurred() != nullptr) {
        a.err_clear();
    }
    // The functions hold the globals and the globals the functions: clear to free them now,
    // not at the job's next garbage collection.
    if (globals != nullptr) {
        a.dict_clear(globals);
        a.decref(globals);
    }
    release({function, code});
    if (!g_check_ran) {
        return "the layout check's Python code could not run";
    }
    return g_check_result;
}

}  // namespace sciagraph::core::python
