// The layout of a running 3.13+ interpreter, from the offsets it publishes (_Py_DebugOffsets at
// the start of _PyRuntime): on fake images of that structure, what the headers say gives the
// table back, a moved field is read where it moved, and what the readers cannot use is refused.
#include "python/debug_offsets.h"
#include "python/layout_313.h"
#include "python/layout_314.h"
#include "python/layout_315.h"
#include "test_debug_offsets_image.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

using namespace sciagraph::core::python;
using namespace sciagraph::core::python::fakes;

namespace {

Catch::Generators::GeneratorWrapper<const Version*> every_version()
{
    return Catch::Generators::values<const Version*>({&kVersion313, &kVersion314, &kVersion315});
}

// A member added to Layout changes its size: compare it below too, then update this.
static_assert(sizeof(Layout) == 312, "compare every member of Layout in differences()");

// The members that differ, by name, comparing every member one by one (Layout has no
// operator==).
std::vector<std::string> differences(const Layout& actual, const Layout& expected)
{
    std::vector<std::string> names;
#define SAME(member)                                                                               \
    if (actual.member != expected.member) {                                                        \
        names.push_back(#member " " + std::to_string(actual.member) + " (expected " +              \
                        std::to_string(expected.member) + ")");                                    \
    }
    SAME(minor);
    SAME(object_type);
    SAME(var_size);
    SAME(bytes_data);
    SAME(runtime_interpreters_head);
    SAME(interp_next);
    SAME(interp_threads_head);
    SAME(interp_threads_count);
    SAME(tstate_prev);
    SAME(tstate_next);
    SAME(tstate_interp);
    SAME(tstate_cframe);
    SAME(frame_in_tstate);
    SAME(tstate_thread_id);
    SAME(tstate_native_thread_id);
    SAME(tstate_datastack_chunk);
    SAME(tstate_size);
    SAME(current_frame);
    SAME(frame_code);
    SAME(frame_code_tag_bits);
    SAME(frame_previous);
    SAME(frame_instr);
    SAME(frame_owner);
    SAME(frame_size);
    SAME(frame_owned_by_generator);
    SAME(frame_owned_by_shim);
    SAME(code_firstlineno);
    SAME(code_filename);
    SAME(code_name);
    SAME(code_qualname);
    SAME(code_linetable);
    SAME(code_firsttraceable);
    SAME(code_code_adaptive);
    SAME(code_header_size);
    SAME(unicode_length);
    SAME(unicode_state);
    SAME(unicode_ascii_size);
    SAME(unicode_compact_size);
    SAME(unicode_kind_shift);
    SAME(unicode_compact_bit);
    SAME(unicode_ascii_bit);
#undef SAME
    return names;
}

using Differences = std::vector<std::string>;

// What `out` holds before a call that must leave it alone: no table looks like it.
Layout untouched_sentinel()
{
    Layout sentinel = kLayout313;
    sentinel.minor = 99;
    sentinel.tstate_native_thread_id = 4242;
    sentinel.code_header_size = 7;
    return sentinel;
}

const char* apply(const Version& v, const Image& image, Layout& out)
{
    return layout_from_debug_offsets(image.data(), v.py_version, *v.map, *v.table, out);
}

// The image is refused, with a reason, and `out` is left as it was.
void check_refused(const Version& v, const Image& image, const char* reason_contains = "")
{
    const Layout sentinel = untouched_sentinel();
    Layout out = sentinel;
    const char* reason = apply(v, image, out);
    REQUIRE(reason != nullptr);
    CHECK(std::string(reason).find(reason_contains) != std::string::npos);
    CHECK(differences(out, sentinel) == Differences{});
}

size_t round_up8(size_t n)
{
    return (n + 7) & ~size_t{7};
}

}  // namespace

TEST_CASE("debug offsets: what the headers say gives the table back", "[python]")
{
    const Version& v = *GENERATE(every_version());
    INFO("CPython 3." << v.table->minor);
    Image image(v);
    Layout out = untouched_sentinel();
    const char* reason = apply(v, image, out);
    INFO((reason != nullptr ? reason : "accepted"));
    REQUIRE(reason == nullptr);
    CHECK(differences(out, *v.table) == Differences{});
}

TEST_CASE("debug offsets: a moved field is read where the interpreter says it is", "[python]")
{
    const Version& v = *GENERATE(every_version());
    INFO("CPython 3." << v.table->minor);
    const DebugOffsetsMap& m = *v.map;
    Image image(v);
    Layout expected = *v.table;

    SECTION("native_thread_id 8 bytes down the thread state")
    {
        image.set(m.tstate_native_thread_id, v.table->tstate_native_thread_id + 8);
        expected.tstate_native_thread_id += 8;
    }
    SECTION("the bytecode 16 bytes down the code object: _co_firsttraceable moves with it")
    {
        image.set(m.code_code_adaptive, v.table->code_code_adaptive + 16);
        expected.code_code_adaptive += 16;
        expected.code_firsttraceable += 16;
        // The header a reader copies now ends after _co_firsttraceable (an int).
        expected.code_header_size = round_up8(expected.code_firsttraceable + 4);
    }
    SECTION("the thread list head 8 bytes down the interpreter: its count moves with it")
    {
        image.set(m.interp_threads_head, v.table->interp_threads_head + 8);
        expected.interp_threads_head += 8;
        expected.interp_threads_count += 8;
    }
    SECTION("the data stack 8 bytes down: the thread state a reader copies grows")
    {
        image.set(m.tstate_datastack_chunk, v.table->tstate_datastack_chunk + 8);
        expected.tstate_datastack_chunk += 8;
        // datastack_chunk, datastack_top and datastack_limit are read together.
        expected.tstate_size = round_up8(expected.tstate_datastack_chunk + 24);
    }
    SECTION("current_frame and the frame's executable swapped with other fields")
    {
        image.set(m.tstate_current_frame, v.table->tstate_interp);
        image.set(m.tstate_interp, v.table->current_frame);
        expected.current_frame = v.table->tstate_interp;
        expected.tstate_interp = v.table->current_frame;
        image.set(m.frame_executable, v.table->frame_previous);
        image.set(m.frame_previous, v.table->frame_code);
        expected.frame_code = v.table->frame_previous;
        expected.frame_previous = v.table->frame_code;
    }
    SECTION("a longer str header: compact strings start 16 bytes after ASCII ones")
    {
        image.set(m.unicode_ascii_size, v.table->unicode_ascii_size + 8);
        expected.unicode_ascii_size += 8;
        expected.unicode_compact_size += 8;
    }
    SECTION("the first interpreter further into the runtime, the next one further on")
    {
        image.set(m.runtime_interpreters_head, v.table->runtime_interpreters_head + 64);
        image.set(m.interp_next, v.table->interp_next + 8);
        expected.runtime_interpreters_head += 64;
        expected.interp_next += 8;
    }
    Layout out = untouched_sentinel();
    const char* reason = apply(v, image, out);
    INFO((reason != nullptr ? reason : "accepted"));
    REQUIRE(reason == nullptr);
    CHECK(differences(out, expected) == Differences{});
}

TEST_CASE("debug offsets: what cannot be used is refused and changes nothing", "[python]")
{
    const Version& v = *GENERATE(every_version());
    INFO("CPython 3." << v.table->minor);
    const DebugOffsetsMap& m = *v.map;
    const Layout& t = *v.table;
    Image image(v);

    SECTION("no cookie")
    {
        image.bytes[7] = 'z';
        check_refused(v, image, "cookie");
        std::memset(image.bytes.data(), 0, 8);
        check_refused(v, image, "cookie");
    }
    SECTION("the offsets of another version")
    {
        image.set(kDebugVersionAt, v.py_version + 0x100);  // the next micro release
        check_refused(v, image, "version");
        image.set(kDebugVersionAt, v.py_version - 0x10000);  // the previous minor
        check_refused(v, image, "version");
    }
    SECTION("a free-threaded object header: ob_type further than 8")
    {
        image.set(m.object_type, 24);
        check_refused(v, image, "free-threaded");
    }
    SECTION("the frame's owner past localsplus")
    {
        image.set(m.frame_owner, t.frame_size);
        check_refused(v, image);
    }
    SECTION("the frame's executable past localsplus")
    {
        image.set(m.frame_executable, t.frame_size - 4);
        check_refused(v, image);
    }
    SECTION("a frame bigger than a reader copies")
    {
        image.set(m.frame_localsplus, 136);
        check_refused(v, image);
    }
    SECTION("a thread-state field at 600")
    {
        image.set(m.tstate_thread_id, 600);
        check_refused(v, image);
    }
    SECTION("the data stack at the end of the 512 bytes a reader copies")
    {
        image.set(m.tstate_datastack_chunk, 512 - 16);  // datastack_limit would be past them
        check_refused(v, image);
    }
    SECTION("a code object field past the 256 bytes a reader copies")
    {
        image.set(m.code_qualname, 256);
        check_refused(v, image);
    }
    SECTION("bytecode before where _co_firsttraceable could be")
    {
        image.set(m.code_code_adaptive, t.code_code_adaptive - t.code_firsttraceable);
        check_refused(v, image);
    }
    SECTION("a str state past the ASCII header")
    {
        image.set(m.unicode_state, t.unicode_ascii_size);
        check_refused(v, image);
    }
    SECTION("a str header longer than a reader copies")
    {
        image.set(m.unicode_ascii_size, 120);
        check_refused(v, image);
    }
    SECTION("bytes data inside the size field")
    {
        image.set(m.bytes_data, t.var_size + 4);
        check_refused(v, image);
    }
}

TEST_CASE("debug offsets: a free-threaded build is refused (3.14+ say so)", "[python]")
{
    const Version& v = *GENERATE(values<const Version*>({&kVersion314, &kVersion315}));
    INFO("CPython 3." << v.table->minor);
    REQUIRE(v.map->free_threaded != 0);
    Image image(v);
    image.set(v.map->free_threaded, 1);
    check_refused(v, image, "free-threaded");
}

TEST_CASE("debug offsets: a published value that moves is used or refused, never half-used",
          "[python]")
{
    for (const Version* version : {&kVersion313, &kVersion314, &kVersion315}) {
        const Version& v = *version;
        rc::prop("CPython 3." + std::to_string(v.table->minor), [&v] {
            Image image(v);
            // Up to four published values, each moved by up to 64 bytes either way.
            auto moves = *rc::gen::container<std::vector<std::pair<size_t, int>>>(
                *rc::gen::inRange<size_t>(1, 5),
                rc::gen::pair(rc::gen::inRange<size_t>(0, kPublishedCount),
                              rc::gen::inRange(-8, 9)));
            for (auto [index, eighths] : moves) {
                size_t position = v.map->*kPublished[index].position;
                auto now = static_cast<int64_t>(image.get(position));
                image.set(position, static_cast<uint64_t>(std::max<int64_t>(0, now + eighths * 8)));
            }
            const Layout sentinel = untouched_sentinel();
            Layout out = sentinel;
            const char* reason = apply(v, image, out);
            if (reason != nullptr) {
                RC_ASSERT(differences(out, sentinel).empty());
                return;
            }
            const Layout& t = *v.table;
            // Every published value is where the interpreter said...
            for (const Published& p : kPublished) {
                RC_ASSERT((out.*p.field) == image.get(v.map->*p.position));
            }
            // ...what it does not publish keeps its distance to what it does...
            RC_ASSERT(out.interp_threads_count - out.interp_threads_head ==
                      t.interp_threads_count - t.interp_threads_head);
            RC_ASSERT(out.code_code_adaptive - out.code_firsttraceable ==
                      t.code_code_adaptive - t.code_firsttraceable);
            RC_ASSERT(out.unicode_compact_size == out.unicode_ascii_size + 16);
            RC_ASSERT(out.minor == t.minor);
            RC_ASSERT(out.frame_in_tstate == t.frame_in_tstate);
            RC_ASSERT(out.frame_code_tag_bits == t.frame_code_tag_bits);
            RC_ASSERT(out.frame_owned_by_shim == t.frame_owned_by_shim);
            RC_ASSERT(out.frame_owned_by_generator == t.frame_owned_by_generator);
            RC_ASSERT(out.unicode_kind_shift == t.unicode_kind_shift);
            // ...and every field is inside what the readers copy.
            for (size_t at : {out.tstate_prev, out.tstate_next, out.tstate_interp,
                              out.current_frame, out.tstate_thread_id, out.tstate_native_thread_id,
                              out.tstate_datastack_chunk + 16}) {
                RC_ASSERT(at + 8 <= out.tstate_size);
            }
            RC_ASSERT(out.tstate_size <= 512);
            for (size_t at : {out.frame_code, out.frame_previous, out.frame_instr}) {
                RC_ASSERT(at + 8 <= out.frame_size);
            }
            RC_ASSERT(out.frame_owner + 1 <= out.frame_size);
            RC_ASSERT(out.frame_size <= 128);
            for (size_t at : {out.object_type, out.var_size, out.code_filename, out.code_name,
                              out.code_qualname, out.code_linetable}) {
                RC_ASSERT(at + 8 <= out.code_header_size);
            }
            RC_ASSERT(out.code_firstlineno + 4 <= out.code_header_size);
            RC_ASSERT(out.code_firsttraceable + 4 <= out.code_header_size);
            RC_ASSERT(out.code_header_size <= 256);
            RC_ASSERT(out.unicode_state + 4 <= out.unicode_ascii_size);
            RC_ASSERT(out.unicode_length + 8 <= out.unicode_ascii_size);
            RC_ASSERT(out.unicode_compact_size <= 128);
            RC_ASSERT(out.var_size + 8 <= out.bytes_data);
        });
    }
}

TEST_CASE("debug offsets: offsets near the top of the address range are refused", "[python]")
{
    // An offset whose end wraps around past 2^64 is as far outside what the readers copy as
    // 600 is: used, it would read before the reader's buffer.
    const Version& v = *GENERATE(every_version());
    INFO("CPython 3." << v.table->minor);
    const DebugOffsetsMap& m = *v.map;
    constexpr uint64_t kLast8 = UINT64_MAX - 7;  // + 8 is 0
    Image image(v);

    SECTION("a thread-state field")
    {
        image.set(m.tstate_thread_id, kLast8);
        check_refused(v, image);
    }
    SECTION("the frame's executable")
    {
        image.set(m.frame_executable, kLast8);
        check_refused(v, image);
    }
    SECTION("the frame's owner")
    {
        image.set(m.frame_owner, UINT64_MAX);  // + 1 is 0
        check_refused(v, image);
    }
    SECTION("a code object field")
    {
        image.set(m.code_filename, kLast8);
        check_refused(v, image);
    }
    SECTION("the str header size")
    {
        image.set(m.unicode_ascii_size, UINT64_MAX - 15);  // the compact one would be 0
        check_refused(v, image);
    }
    SECTION("the bytes size field")
    {
        image.set(m.bytes_size, kLast8);
        check_refused(v, image);
    }
}
