// core/python/symbols.cpp — finding CPython in our own process, and which layout it has.
#include "symbols.h"

#include "debug_offsets.h"
#include "failpoints.h"
#include "layout_311.h"
#include "layout_312.h"
#include "layout_313.h"
#include "layout_314.h"
#include "layout_315.h"
#include "python.h"

#include <atomic>
#include <cstdio>
#include <cstring>

#include <dlfcn.h>
#include <link.h>

namespace sciagraph::core::python {
namespace {

Symbols g_symbols;
const Layout* g_layout = nullptr;
Layout g_live_layout;                    // the table, with what the interpreter publishes applied
const char* g_layout_problem = nullptr;  // why the published offsets cannot be used
std::atomic<bool> g_is_python{false};    // set in the constructor, read by every thread

template <typename Fn>
void lookup(Fn& out, const char* name) noexcept
{
    out = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

uintptr_t lookup_address(const char* name) noexcept
{
    return reinterpret_cast<uintptr_t>(dlsym(RTLD_DEFAULT, name));
}

// The size of the object a dynamic symbol names at `address` (0: unknown). dladdr1 reads the
// loaded objects' symbol tables in place: no allocation.
size_t symbol_size(uintptr_t address) noexcept
{
    Dl_info info{};
    void* entry = nullptr;
    if (address == 0 ||
        dladdr1(reinterpret_cast<void*>(address), &info, &entry, RTLD_DL_SYMENT) == 0 ||
        entry == nullptr || info.dli_saddr != reinterpret_cast<void*>(address)) {
        return 0;
    }
    return static_cast<const ElfW(Sym)*>(entry)->st_size;
}

// Each supported minor version: its table, and where it publishes offsets (3.13+).
struct Supported {
    uint32_t minor;
    const Layout* table;
    const DebugOffsetsMap* published;
};
constexpr Supported kSupported[] = {
    {11, &kLayout311, nullptr},           {12, &kLayout312, nullptr},
    {13, &kLayout313, &kDebugOffsets313}, {14, &kLayout314, &kDebugOffsets314},
    {15, &kLayout315, &kDebugOffsets315},
};

const Supported* support_for(uint32_t version) noexcept
{
    uint32_t major = version >> 24;
    uint32_t minor = (version >> 16) & 0xff;
    for (const Supported& s : kSupported) {
        if (major == 3 && minor == s.minor) {
            return &s;
        }
    }
    return nullptr;
}

// The layout of this interpreter: the version's table, with the offsets the interpreter
// publishes in place of the table's. nullptr (and g_layout_problem) when those are unusable.
const Layout* live_layout(const Supported& version) noexcept
{
    g_live_layout = *version.table;
    if (version.published != nullptr) {
        // _Py_DebugOffsets is the first member of _PyRuntime: static data of this process.
        const auto* published = reinterpret_cast<const unsigned char*>(g_symbols.runtime);
        g_layout_problem = layout_from_debug_offsets(
            published, *g_symbols.py_version, *version.published, *version.table, g_live_layout);
        if (g_layout_problem != nullptr) {
            return nullptr;
        }
    }
    if (failpoint(Failpoint::WrongOffsets)) {
        g_live_layout.tstate_native_thread_id += 8;  // as a wrong table or publication would
    }
    return &g_live_layout;
}

}  // namespace

const Symbols& symbols() noexcept
{
    return g_symbols;
}

const Layout* current_layout() noexcept
{
    return g_layout;
}

bool resolve_symbols() noexcept
{
    // A failed dlsym records its error in a buffer that glibc mallocs; a successful one does
    // not allocate. So one probe decides whether this is Python at all, and a process that is
    // not Python (a shell script, a C tool run by the job) pays one failed lookup only. The
    // caller holds the recursion guard in any case.
    lookup(g_symbols.is_initialized, "Py_IsInitialized");
    if (g_symbols.is_initialized == nullptr) {
        g_is_python.store(false, std::memory_order_release);
        return false;
    }
    g_is_python.store(true, std::memory_order_release);
    g_symbols.py_version = reinterpret_cast<const uint32_t*>(lookup_address("Py_Version"));
    if (g_symbols.py_version == nullptr) {
        return true;  // Python older than 3.11: version_supported() says so
    }
    g_symbols.runtime = lookup_address("_PyRuntime");
    g_symbols.runtime_size = symbol_size(g_symbols.runtime);
    g_symbols.code_type = lookup_address("PyCode_Type");
    g_symbols.unicode_type = lookup_address("PyUnicode_Type");
    g_symbols.bytes_type = lookup_address("PyBytes_Type");
    lookup(g_symbols.gilstate_this_thread, "PyGILState_GetThisThreadState");
    lookup(g_symbols.interp_head, "PyInterpreterState_Head");
    lookup(g_symbols.interp_next, "PyInterpreterState_Next");
    lookup(g_symbols.interp_thread_head, "PyInterpreterState_ThreadHead");
    lookup(g_symbols.thread_next, "PyThreadState_Next");
    lookup(g_symbols.thread_get, "PyThreadState_Get");
    lookup(g_symbols.interp_get, "PyInterpreterState_Get");
    lookup(g_symbols.thread_ident, "PyThread_get_thread_ident");
    lookup(g_symbols.eval_get_frame, "PyEval_GetFrame");
    lookup(g_symbols.frame_get_back, "PyFrame_GetBack");
    lookup(g_symbols.frame_get_code, "PyFrame_GetCode");
    lookup(g_symbols.frame_get_lasti, "PyFrame_GetLasti");
    lookup(g_symbols.frame_get_line, "PyFrame_GetLineNumber");
    lookup(g_symbols.decref, "Py_DecRef");

    bool complete = g_symbols.runtime != 0 && g_symbols.code_type != 0 &&
                    g_symbols.unicode_type != 0 && g_symbols.bytes_type != 0 &&
                    g_symbols.gilstate_this_thread != nullptr;
    const Supported* version = support_for(*g_symbols.py_version);
    g_layout = complete && version != nullptr ? live_layout(*version) : nullptr;
    return true;
}

bool is_python() noexcept
{
    return g_is_python.load(std::memory_order_acquire);
}

uint32_t version_hex() noexcept
{
    return g_symbols.py_version != nullptr ? *g_symbols.py_version : 0;
}

bool version_supported(char* why, size_t why_size) noexcept
{
    // The version in front of a reason: "Python 3.10.4 is not supported: ...".
    auto say = [&](const char* reason) {
        if (why != nullptr && why_size > 0) {
            why[0] = '\0';
            std::strncat(why, reason, why_size - 1);
        }
        return false;
    };
    auto say_version = [&](unsigned major, unsigned minor, unsigned micro, const char* reason) {
        if (why != nullptr && why_size > 0 &&
            std::snprintf(why, why_size, "Python %u.%u.%u %s", major, minor, micro, reason) < 0) {
            why[0] = '\0';
        }
        return false;
    };
    if (!g_is_python.load(std::memory_order_acquire)) {
        return say("this process is not CPython");
    }
    uint32_t version = version_hex();
    if (version == 0) {
        return say("Python older than 3.11 is not supported: sciagraph supports CPython 3.11 "
                   "to 3.15");
    }
    unsigned major = version >> 24, minor = (version >> 16) & 0xff, micro = (version >> 8) & 0xff;
    if (support_for(version) == nullptr) {
        return say_version(major, minor, micro,
                           "is not supported: sciagraph supports CPython 3.11 to 3.15");
    }
    // Debug builds (Py_REF_DEBUG) export _Py_RefTotal (3.11) or _Py_GetGlobalRefTotal (3.12+)
    // and may add fields to every object. These lookups fail (and malloc their error text) on
    // release builds, so they live here, in the start-up check, not in resolve_symbols().
    if (dlsym(RTLD_DEFAULT, "_Py_RefTotal") != nullptr ||
        dlsym(RTLD_DEFAULT, "_Py_GetGlobalRefTotal") != nullptr) {
        return say_version(major, minor, micro,
                           "is a debug build, which sciagraph does not support");
    }
    if (g_layout_problem != nullptr) {
        return say_version(major, minor, micro, g_layout_problem);
    }
    if (g_layout == nullptr) {
        return say_version(major, minor, micro, "does not export the symbols sciagraph reads");
    }
    if (why != nullptr && why_size > 0) {
        why[0] = '\0';
    }
    return true;
}

namespace testing {
void install_fake_python(uintptr_t code_type,
                         uintptr_t unicode_type,
                         uintptr_t bytes_type,
                         uintptr_t runtime,
                         const Layout* layout) noexcept
{
    g_symbols.runtime = runtime;
    g_symbols.code_type = code_type;
    g_symbols.unicode_type = unicode_type;
    g_symbols.bytes_type = bytes_type;
    g_layout = layout;
}

void install_fake_interpreter(const uint32_t* version, uintptr_t runtime) noexcept
{
    g_is_python.store(true, std::memory_order_release);
    g_symbols.py_version = version;
    g_symbols.runtime = runtime;
    g_layout_problem = nullptr;
    const Supported* supported = version != nullptr ? support_for(*version) : nullptr;
    g_layout = supported != nullptr ? live_layout(*supported) : nullptr;
}
}  // namespace testing

}  // namespace sciagraph::core::python
