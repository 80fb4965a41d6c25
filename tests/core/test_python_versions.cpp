// Fail fast: which interpreters the core accepts, and the one line it gives for the others,
// through the real selection (Py_Version, then for 3.13+ the offsets the interpreter publishes).
#include "python/debug_offsets.h"
#include "python/layout_313.h"
#include "python/layout_314.h"
#include "python/layout_315.h"
#include "python/python.h"
#include "python/symbols.h"
#include "test_python_fakes.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

using namespace sciagraph::core::python;

namespace {

// A fake _PyRuntime that starts with the _Py_DebugOffsets a version's headers describe.
std::vector<unsigned char>
published_offsets(uint32_t version, const Layout& table, const DebugOffsetsMap& map)
{
    std::vector<unsigned char> bytes(map.struct_size, 0);
    auto put = [&](size_t at, uint64_t value) { std::memcpy(bytes.data() + at, &value, 8); };
    std::memcpy(bytes.data(), kDebugCookie, sizeof kDebugCookie);
    put(kDebugVersionAt, version);
    put(map.object_type, table.object_type);
    put(map.bytes_size, table.var_size);
    put(map.bytes_data, table.bytes_data);
    put(map.runtime_interpreters_head, table.runtime_interpreters_head);
    put(map.interp_next, table.interp_next);
    put(map.interp_threads_head, table.interp_threads_head);
    put(map.tstate_prev, table.tstate_prev);
    put(map.tstate_next, table.tstate_next);
    put(map.tstate_interp, table.tstate_interp);
    put(map.tstate_current_frame, table.current_frame);
    put(map.tstate_thread_id, table.tstate_thread_id);
    put(map.tstate_native_thread_id, table.tstate_native_thread_id);
    put(map.tstate_datastack_chunk, table.tstate_datastack_chunk);
    put(map.frame_previous, table.frame_previous);
    put(map.frame_executable, table.frame_code);
    put(map.frame_instr_ptr, table.frame_instr);
    put(map.frame_localsplus, table.frame_size);
    put(map.frame_owner, table.frame_owner);
    put(map.code_filename, table.code_filename);
    put(map.code_name, table.code_name);
    put(map.code_qualname, table.code_qualname);
    put(map.code_linetable, table.code_linetable);
    put(map.code_firstlineno, table.code_firstlineno);
    put(map.code_code_adaptive, table.code_code_adaptive);
    put(map.unicode_state, table.unicode_state);
    put(map.unicode_length, table.unicode_length);
    put(map.unicode_ascii_size, table.unicode_ascii_size);
    return bytes;
}

// version_supported()'s answer for an interpreter of `version` with `runtime`; "" when accepted.
std::string verdict(uint32_t version, const std::vector<unsigned char>* runtime = nullptr)
{
    static uint32_t py_version;  // version_supported() reads it through a pointer
    py_version = version;
    testing::install_fake_interpreter(
        &py_version, runtime != nullptr ? reinterpret_cast<uintptr_t>(runtime->data()) : 0x1000);
    char why[256] = "unset";
    bool supported = version_supported(why, sizeof why);
    // Back to the fakes the other tests use.
    fakes::fake_python().use_layout(kLayout311);
    CHECK(supported == (why[0] == '\0'));
    return why;
}

}  // namespace

TEST_CASE("versions: 3.11 and 3.12 are accepted from their tables", "[python]")
{
    CHECK(verdict(0x030b07f0) == "");  // 3.11.7
    CHECK(verdict(0x030c08f0) == "");  // 3.12.8
}

TEST_CASE("versions: 3.13 to 3.15 are accepted from the offsets they publish", "[python]")
{
    auto r313 = published_offsets(0x030d12f0, kLayout313, kDebugOffsets313);
    auto r314 = published_offsets(0x030e0af0, kLayout314, kDebugOffsets314);
    auto r315 = published_offsets(0x030f02f0, kLayout315, kDebugOffsets315);
    CHECK(verdict(0x030d12f0, &r313) == "");
    CHECK(verdict(0x030e0af0, &r314) == "");
    CHECK(verdict(0x030f02f0, &r315) == "");
}

TEST_CASE("versions: unknown versions are refused in one line naming the version", "[python]")
{
    CHECK(verdict(0x031000f0) ==
          "Python 3.16.0 is not supported: sciagraph supports CPython 3.11 to 3.15");
    CHECK(verdict(0x030a0cf0) ==
          "Python 3.10.12 is not supported: sciagraph supports CPython 3.11 to 3.15");
    CHECK(verdict(0x040000a1) ==
          "Python 4.0.0 is not supported: sciagraph supports CPython 3.11 to 3.15");
}

TEST_CASE("versions: a 3.13+ interpreter whose publication is unusable is refused", "[python]")
{
    auto runtime = published_offsets(0x030e0af0, kLayout314, kDebugOffsets314);
    SECTION("a free-threaded build says so")
    {
        uint64_t one = 1;
        std::memcpy(runtime.data() + kDebugOffsets314.free_threaded, &one, 8);
        CHECK(verdict(0x030e0af0, &runtime) ==
              "Python 3.14.10 is a free-threaded build, which sciagraph does not support");
    }
    SECTION("a 3.13 free-threaded build shows in ob_type's offset")
    {
        auto r313 = published_offsets(0x030d12f0, kLayout313, kDebugOffsets313);
        uint64_t moved = 24;
        std::memcpy(r313.data() + kDebugOffsets313.object_type, &moved, 8);
        CHECK(verdict(0x030d12f0, &r313) ==
              "Python 3.13.18 has an object header sciagraph does not know (a free-threaded or "
              "trace-refs build)");
    }
    SECTION("offsets of another version")
    {
        CHECK(verdict(0x030e0bf0, &runtime).find("another version") != std::string::npos);
    }
    SECTION("no cookie")
    {
        runtime[0] = 'y';
        CHECK(verdict(0x030e0af0, &runtime).find("xdebugpy") != std::string::npos);
    }
}
