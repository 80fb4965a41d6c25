// Units of core/python/gil: finding the GIL state's last_holder word in a copy of _PyRuntime.
#include "python/gil.h"

#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <cstring>
#include <vector>

using sciagraph::core::python::find_gil_holder_word;

namespace {

constexpr uintptr_t kTstate = 0x7f12'3456'7890;

// A fake _PyRuntime of `words` words, filler first, with {interval, last_holder, locked,
// switch_number} at word `at` (the interval's).
struct Image {
    explicit Image(size_t words) : bytes(words * 8, 0) {}
    void put(size_t word, uint64_t value) { std::memcpy(&bytes[word * 8], &value, 8); }
    void gil(size_t at, uint64_t interval, uintptr_t holder, uint64_t locked, uint64_t switches)
    {
        put(at, interval);
        put(at + 1, holder);
        put(at + 2, locked);
        put(at + 3, switches);
    }
    long find(uintptr_t tstate = kTstate) const
    {
        return find_gil_holder_word(bytes.data(), bytes.size(), tstate);
    }
    std::vector<unsigned char> bytes;
};

}  // namespace

TEST_CASE("gil: the holder word is found between the interval and locked", "[python]")
{
    Image image(4096);
    image.put(10, kTstate);  // the thread list's head, the current thread state: not a GIL
    image.put(300, kTstate);
    image.gil(2000, 5000, kTstate, 1, 7);
    CHECK(image.find() == 2001 * 8);
}

TEST_CASE("gil: no match, or two, is no hint", "[python]")
{
    Image image(4096);
    CHECK(image.find() == -1);
    image.gil(100, 5000, kTstate, 0, 7);  // not held
    CHECK(image.find() == -1);
    image.gil(200, 0, kTstate, 1, 7);  // no interval
    CHECK(image.find() == -1);
    image.gil(300, 5000, kTstate, 1, uint64_t{1} << 45);  // a pointer where switches would be
    CHECK(image.find() == -1);
    image.gil(400, 5000, kTstate, 1, 3);
    CHECK(image.find() == 401 * 8);
    image.gil(500, 5000, kTstate, 1, 3);  // a second candidate
    CHECK(image.find() == -1);
    CHECK(image.find(0) == -1);
    CHECK(find_gil_holder_word(nullptr, 64, kTstate) == -1);
}

TEST_CASE("gil: the locked word's padding is not looked at", "[python]")
{
    Image image(64);
    image.gil(20, 5000, kTstate, 0xdead'beef'0000'0001ull, 3);
    CHECK(image.find() == 21 * 8);
}

TEST_CASE("gil: found wherever it lies, whatever surrounds it", "[python]")
{
    rc::prop("a planted GIL state is found at its place", [] {
        const auto words = *rc::gen::inRange<size_t>(8, 2048);
        const auto at = *rc::gen::inRange<size_t>(0, words - 4);
        const auto interval = *rc::gen::inRange<uint64_t>(1, 100'000'000);
        const auto switches = *rc::gen::inRange<uint64_t>(0, 1'000'000);
        Image image(words);
        for (size_t i = 0; i < words; ++i) {
            // Filler that never equals the thread state.
            const auto filler = *rc::gen::arbitrary<uint64_t>();
            image.put(i, filler == kTstate ? filler + 1 : filler);
        }
        image.gil(at, interval, kTstate, 1, switches);
        RC_ASSERT(image.find() == static_cast<long>((at + 1) * 8));
    });
}
