// Each version's layout table, checked against itself and against what the readers copy: every
// field a reader loads from a copied window is inside that window, and the windows fit the
// readers' buffers (remote.cpp, frame_walk.h, unicode.cpp).
#include "python/layout_311.h"
#include "python/layout_312.h"
#include "python/layout_313.h"
#include "python/layout_314.h"
#include "python/layout_315.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

using namespace sciagraph::core::python;

namespace {

const Layout* const kTables[] = {&kLayout311, &kLayout312, &kLayout313, &kLayout314, &kLayout315};

// A field: its name, where it starts and how many bytes a reader loads.
struct Field {
    const char* name;
    size_t offset;
    size_t size;
};

// Every field ends inside `window` bytes, and no two of them overlap.
void check_fields(const std::vector<Field>& fields, size_t window)
{
    for (const Field& f : fields) {
        INFO(f.name << " at " << f.offset << ", " << f.size << " bytes");
        CHECK(f.offset + f.size <= window);
    }
    for (size_t i = 0; i < fields.size(); ++i) {
        for (size_t j = i + 1; j < fields.size(); ++j) {
            const Field& a = fields[i];
            const Field& b = fields[j];
            INFO(a.name << " and " << b.name);
            CHECK((a.offset + a.size <= b.offset || b.offset + b.size <= a.offset));
        }
    }
}

}  // namespace

TEST_CASE("layout tables: frame fields are inside what a reader copies of a frame", "[python]")
{
    const Layout& l = *GENERATE(from_range(std::begin(kTables), std::end(kTables)));
    INFO("CPython 3." << l.minor);
    check_fields({{"frame_code", l.frame_code, 8},
                  {"frame_previous", l.frame_previous, 8},
                  {"frame_instr", l.frame_instr, 8},
                  {"frame_owner", l.frame_owner, 1}},
                 l.frame_size);
    CHECK(l.frame_size <= 128);  // walk_frames' and the sampler's frame buffers
    CHECK(l.frame_size % 8 == 0);
    CHECK(l.frame_owned_by_generator < l.frame_owned_by_shim);
    // Code objects are 8-aligned: tags live in the 3 low bits at most.
    CHECK(l.frame_code_tag_bits < 8);
    CHECK((l.frame_code_tag_bits != 0) == (l.minor >= 14));
}

TEST_CASE("layout tables: code fields are inside what a reader copies of a code object", "[python]")
{
    const Layout& l = *GENERATE(from_range(std::begin(kTables), std::end(kTables)));
    INFO("CPython 3." << l.minor);
    check_fields({{"object_type", l.object_type, 8},
                  {"var_size", l.var_size, 8},
                  {"code_filename", l.code_filename, 8},
                  {"code_name", l.code_name, 8},
                  {"code_qualname", l.code_qualname, 8},
                  {"code_linetable", l.code_linetable, 8},
                  {"code_firstlineno", l.code_firstlineno, 4},
                  {"code_firsttraceable", l.code_firsttraceable, 4}},
                 l.code_header_size);
    CHECK(l.code_header_size <= 256);  // walk_frames' and the sampler's code buffers
    CHECK(l.code_header_size % 8 == 0);
    // The bytecode follows the header: the first instruction is not inside a field.
    CHECK(l.code_code_adaptive >= l.code_header_size);
    CHECK(l.code_firsttraceable < l.code_code_adaptive);
}

TEST_CASE("layout tables: thread fields are inside what a reader copies of a thread state",
          "[python]")
{
    const Layout& l = *GENERATE(from_range(std::begin(kTables), std::end(kTables)));
    INFO("CPython 3." << l.minor);
    std::vector<Field> fields = {
        {"tstate_prev", l.tstate_prev, 8},
        {"tstate_next", l.tstate_next, 8},
        {"tstate_interp", l.tstate_interp, 8},
        {"tstate_thread_id", l.tstate_thread_id, 8},
        {"tstate_native_thread_id", l.tstate_native_thread_id, 8},
        // datastack_chunk, then datastack_top and datastack_limit, read together
        {"tstate_datastack_chunk", l.tstate_datastack_chunk, 24},
    };
    if (l.frame_in_tstate) {
        fields.push_back({"current_frame", l.current_frame, 8});
    } else {
        fields.push_back({"tstate_cframe", l.tstate_cframe, 8});
        // _PyCFrame: current_frame inside its 16 or 24 bytes
        CHECK(l.current_frame + 8 <= 16);
    }
    check_fields(fields, l.tstate_size);
    CHECK(l.tstate_size <= 512);  // the sampler's thread-state buffer
    CHECK(l.tstate_size % 8 == 0);
    CHECK(l.frame_in_tstate == (l.minor >= 13));
}

TEST_CASE("layout tables: interpreter, bytes and str fields fit their readers", "[python]")
{
    const Layout& l = *GENERATE(from_range(std::begin(kTables), std::end(kTables)));
    INFO("CPython 3." << l.minor);
    // The thread list's head and count are read in one 64-byte window.
    CHECK(l.interp_threads_count > l.interp_threads_head);
    CHECK(l.interp_threads_count - l.interp_threads_head + 8 <= 64);
    CHECK(l.interp_next != l.interp_threads_head);
    CHECK(l.object_type == 8);
    CHECK(l.var_size == 16);
    CHECK(l.bytes_data >= l.var_size + 8);
    check_fields({{"object_type", l.object_type, 8},
                  {"unicode_length", l.unicode_length, 8},
                  {"unicode_state", l.unicode_state, 4}},
                 l.unicode_ascii_size);
    CHECK(l.unicode_compact_size > l.unicode_ascii_size);
    CHECK(l.unicode_compact_size <= 128);
    CHECK(l.unicode_ascii_size == (l.minor == 11 ? 48 : 40));
    CHECK(l.unicode_compact_size == (l.minor == 11 ? 72 : 56));
    CHECK(l.unicode_kind_shift + 3 <= l.unicode_compact_bit);
    CHECK(l.unicode_compact_bit < l.unicode_ascii_bit);
    CHECK(l.unicode_ascii_bit < 32);
}

TEST_CASE("layout tables: the minor versions are 3.11 to 3.15 in order", "[python]")
{
    uint32_t minor = 11;
    for (const Layout* l : kTables) {
        CHECK(l->minor == minor++);
    }
}

TEST_CASE("layout tables: where _Py_DebugOffsets keeps each value is inside it", "[python]")
{
    using Map = std::pair<uint32_t, const DebugOffsetsMap*>;
    auto [minor, map] = GENERATE(
        values<Map>({{13, &kDebugOffsets313}, {14, &kDebugOffsets314}, {15, &kDebugOffsets315}}));
    const DebugOffsetsMap& m = *map;
    INFO("CPython 3." << minor);
    std::vector<Field> positions = {
        {"cookie and version", 0, 16},
        {"runtime_interpreters_head", m.runtime_interpreters_head, 8},
        {"interp_next", m.interp_next, 8},
        {"interp_threads_head", m.interp_threads_head, 8},
        {"tstate_prev", m.tstate_prev, 8},
        {"tstate_next", m.tstate_next, 8},
        {"tstate_interp", m.tstate_interp, 8},
        {"tstate_current_frame", m.tstate_current_frame, 8},
        {"tstate_thread_id", m.tstate_thread_id, 8},
        {"tstate_native_thread_id", m.tstate_native_thread_id, 8},
        {"tstate_datastack_chunk", m.tstate_datastack_chunk, 8},
        {"frame_previous", m.frame_previous, 8},
        {"frame_executable", m.frame_executable, 8},
        {"frame_instr_ptr", m.frame_instr_ptr, 8},
        {"frame_localsplus", m.frame_localsplus, 8},
        {"frame_owner", m.frame_owner, 8},
        {"code_filename", m.code_filename, 8},
        {"code_name", m.code_name, 8},
        {"code_qualname", m.code_qualname, 8},
        {"code_linetable", m.code_linetable, 8},
        {"code_firstlineno", m.code_firstlineno, 8},
        {"code_code_adaptive", m.code_code_adaptive, 8},
        {"object_type", m.object_type, 8},
        {"bytes_size", m.bytes_size, 8},
        {"bytes_data", m.bytes_data, 8},
        {"unicode_state", m.unicode_state, 8},
        {"unicode_length", m.unicode_length, 8},
        {"unicode_ascii_size", m.unicode_ascii_size, 8},
    };
    // 3.13 has no free_threaded flag; 3.14 and 3.15 do.
    CHECK((m.free_threaded != 0) == (minor >= 14));
    if (m.free_threaded != 0) {
        positions.push_back({"free_threaded", m.free_threaded, 8});
    }
    check_fields(positions, m.struct_size);
    for (const Field& f : positions) {
        INFO(f.name);
        CHECK(f.offset % 8 == 0);
    }
    CHECK(m.struct_size % 8 == 0);
}
