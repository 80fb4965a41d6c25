// Copying str objects out as UTF-8: every PEP 393 kind, without the C API.
#include "python/unicode.h"
#include "test_python_fakes.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <iterator>
#include <string>
#include <vector>

using namespace sciagraph::core::python;
using sciagraph::core::python::fakes::fake_python;

namespace {

std::string copy(uintptr_t str)
{
    const char* text =
        copy_unicode_to_arena(&PlainReader::read, str, kLayout311, fake_python().unicode_type());
    return text != nullptr ? std::string(text) : std::string("(null)");
}

std::string encode(const std::u32string& chars, unsigned kind)
{
    std::vector<unsigned char> data(chars.size() * kind);
    for (size_t i = 0; i < chars.size(); ++i) {
        uint32_t c = chars[i];
        std::memcpy(data.data() + i * kind, &c, kind);
    }
    std::string out(chars.size() * 4, '\0');
    out.resize(encode_utf8(data.data(), chars.size(), kind, out.data()));
    return out;
}

}  // namespace

TEST_CASE("unicode: each kind encodes to UTF-8", "[python]")
{
    CHECK(encode(U"plain", 1) == "plain");
    CHECK(encode(U"caf\u00e9", 1) == "caf\xc3\xa9");
    CHECK(encode(U"\u03bb_\u4e2d", 2) == "\xce\xbb_\xe4\xb8\xad");
    CHECK(encode(U"\U0001f600x", 4) == "\xf0\x9f\x98\x80x");
    CHECK(encode(std::u32string(1, 0xd800), 2) == "\xef\xbf\xbd");  // lone surrogate
    CHECK(encode(U"a;b\nc", 1) == "a_b_c");  // never a ';' or newline in a folded frame
}

TEST_CASE("unicode: compact str objects are copied into the arena", "[python]")
{
    auto& py = fake_python();
    CHECK(copy(py.ascii("module.function")) == "module.function");
    CHECK(copy(py.str(U"na\u00efve", 1)) == "na\xc3\xafve");
    CHECK(copy(py.str(U"\u0394t", 2)) == "\xce\x94t");
    CHECK(copy(py.str(U"\U0001d11e", 4)) == "\xf0\x9d\x84\x9e");
    CHECK(copy(py.ascii("")) == "");
    std::string long_name(kMaxNameChars + 100, 'x');
    CHECK(copy(py.ascii(long_name)) == std::string(kMaxNameChars, 'x'));
}

TEST_CASE("unicode: str objects of every version are copied with its layout", "[python]")
{
    // 3.11's PyASCIIObject has wstr (48 bytes, compact 72); 3.12 on do not (40, 56).
    fakes::UsingLayout layout(
        *GENERATE(from_range(std::begin(fakes::kEveryLayout), std::end(fakes::kEveryLayout))));
    INFO("CPython 3." << layout->minor);
    auto& py = fake_python();
    auto copy_with = [&](uintptr_t str) {
        const char* text =
            copy_unicode_to_arena(&PlainReader::read, str, *layout, py.unicode_type());
        return text != nullptr ? std::string(text) : std::string("(null)");
    };
    CHECK(copy_with(py.ascii("module.function")) == "module.function");
    CHECK(copy_with(py.str(U"na\u00efve", 1)) == "na\xc3\xafve");
    CHECK(copy_with(py.str(U"\u0394t", 2)) == "\xce\x94t");
    CHECK(copy_with(py.str(U"\U0001d11e", 4)) == "\xf0\x9d\x84\x9e");
    CHECK(copy_with(py.ascii("")) == "");
    CHECK(copy_with(py.bytes({'x'})) == "(null)");
}

TEST_CASE("unicode: what is not a compact str is refused", "[python]")
{
    auto& py = fake_python();
    CHECK(copy(0) == "(null)");
    CHECK(copy(py.bytes({'x'})) == "(null)");  // wrong type
    uintptr_t legacy = py.ascii("legacy");
    fakes::FakePython::put_at<uint32_t>(legacy, kLayout311.unicode_state, 1u << 2);  // not compact
    CHECK(copy(legacy) == "(null)");
}

TEST_CASE("unicode: any code points give valid UTF-8 of bounded size", "[python]")
{
    rc::prop("valid UTF-8", [](const std::vector<uint32_t>& raw) {
        std::u32string chars;
        for (uint32_t c : raw) {
            chars.push_back(c % 0x110000);
        }
        std::string out = encode(chars, 4);
        RC_ASSERT(out.size() <= chars.size() * 4);
        // Structural UTF-8 check: lead bytes and continuation counts agree.
        for (size_t i = 0; i < out.size();) {
            auto lead = static_cast<unsigned char>(out[i]);
            size_t extra = lead < 0x80 ? 0 : lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
            RC_ASSERT(lead < 0x80 || lead >= 0xc2);
            RC_ASSERT(i + extra < out.size() + (extra == 0 ? 1 : 0));
            for (size_t k = 1; k <= extra; ++k) {
                RC_ASSERT((static_cast<unsigned char>(out[i + k]) & 0xc0) == 0x80);
            }
            i += extra + 1;
        }
    });
}
