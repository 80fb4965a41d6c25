// Fail fast: which interpreters the core accepts, and the one line it gives for the others,
// through the real selection (Py_Version, then for 3.13+ the offsets the interpreter publishes).
#include "python/python.h"
#include "python/symbols.h"
#include "test_debug_offsets_image.h"
#include "test_python_fakes.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

using namespace sciagraph::core::python;
using sciagraph::core::python::fakes::Image;
using sciagraph::core::python::fakes::kVersion313;
using sciagraph::core::python::fakes::kVersion314;
using sciagraph::core::python::fakes::kVersion315;

namespace {

// version_supported()'s answer for an interpreter of `version` with `runtime`; "" when accepted.
std::string verdict(uint32_t version, const Image* runtime = nullptr)
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
    Image r313(kVersion313);
    Image r314(kVersion314);
    Image r315(kVersion315);
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
    Image runtime(kVersion314);
    SECTION("a free-threaded build says so")
    {
        runtime.set(kDebugOffsets314.free_threaded, 1);
        CHECK(verdict(0x030e0af0, &runtime) ==
              "Python 3.14.10 is a free-threaded build, which sciagraph does not support");
    }
    SECTION("a 3.13 free-threaded build shows in ob_type's offset")
    {
        Image r313(kVersion313);
        r313.set(kDebugOffsets313.object_type, 24);
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
        runtime.bytes[0] = 'y';
        CHECK(verdict(0x030e0af0, &runtime).find("xdebugpy") != std::string::npos);
    }
}
