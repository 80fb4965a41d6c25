// A fake _Py_DebugOffsets for each version that publishes one (3.13+), for the unit tests of the
// published-offset reader and of the version gate: the cookie, Py_Version, and at each position
// of the version's map the value its headers give.
#pragma once

#include "python/debug_offsets.h"
#include "python/layout_313.h"
#include "python/layout_314.h"
#include "python/layout_315.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

namespace sciagraph::core::python::fakes {

// A version that publishes its offsets: its Py_Version, its table, where it publishes each one.
struct Version {
    uint32_t py_version;
    const Layout* table;
    const DebugOffsetsMap* map;
};

const Version kVersion313{0x030d12f0, &kLayout313, &kDebugOffsets313};  // 3.13.18
const Version kVersion314{0x030e0af0, &kLayout314, &kDebugOffsets314};  // 3.14.10
const Version kVersion315{0x030f02f0, &kLayout315, &kDebugOffsets315};  // 3.15.2

// Each published value: where the map says it is, and the Layout member it becomes.
struct Published {
    const char* name;
    size_t DebugOffsetsMap::*position;
    size_t Layout::*field;
};

const Published kPublished[] = {
    {"runtime_state.interpreters_head", &DebugOffsetsMap::runtime_interpreters_head,
     &Layout::runtime_interpreters_head},
    {"interpreter_state.next", &DebugOffsetsMap::interp_next, &Layout::interp_next},
    {"interpreter_state.threads_head", &DebugOffsetsMap::interp_threads_head,
     &Layout::interp_threads_head},
    {"thread_state.prev", &DebugOffsetsMap::tstate_prev, &Layout::tstate_prev},
    {"thread_state.next", &DebugOffsetsMap::tstate_next, &Layout::tstate_next},
    {"thread_state.interp", &DebugOffsetsMap::tstate_interp, &Layout::tstate_interp},
    {"thread_state.current_frame", &DebugOffsetsMap::tstate_current_frame, &Layout::current_frame},
    {"thread_state.thread_id", &DebugOffsetsMap::tstate_thread_id, &Layout::tstate_thread_id},
    {"thread_state.native_thread_id", &DebugOffsetsMap::tstate_native_thread_id,
     &Layout::tstate_native_thread_id},
    {"thread_state.datastack_chunk", &DebugOffsetsMap::tstate_datastack_chunk,
     &Layout::tstate_datastack_chunk},
    {"interpreter_frame.previous", &DebugOffsetsMap::frame_previous, &Layout::frame_previous},
    {"interpreter_frame.executable", &DebugOffsetsMap::frame_executable, &Layout::frame_code},
    {"interpreter_frame.instr_ptr", &DebugOffsetsMap::frame_instr_ptr, &Layout::frame_instr},
    {"interpreter_frame.localsplus", &DebugOffsetsMap::frame_localsplus, &Layout::frame_size},
    {"interpreter_frame.owner", &DebugOffsetsMap::frame_owner, &Layout::frame_owner},
    {"code_object.filename", &DebugOffsetsMap::code_filename, &Layout::code_filename},
    {"code_object.name", &DebugOffsetsMap::code_name, &Layout::code_name},
    {"code_object.qualname", &DebugOffsetsMap::code_qualname, &Layout::code_qualname},
    {"code_object.linetable", &DebugOffsetsMap::code_linetable, &Layout::code_linetable},
    {"code_object.firstlineno", &DebugOffsetsMap::code_firstlineno, &Layout::code_firstlineno},
    {"code_object.co_code_adaptive", &DebugOffsetsMap::code_code_adaptive,
     &Layout::code_code_adaptive},
    {"pyobject.ob_type", &DebugOffsetsMap::object_type, &Layout::object_type},
    {"bytes_object.ob_size", &DebugOffsetsMap::bytes_size, &Layout::var_size},
    {"bytes_object.ob_sval", &DebugOffsetsMap::bytes_data, &Layout::bytes_data},
    {"unicode_object.state", &DebugOffsetsMap::unicode_state, &Layout::unicode_state},
    {"unicode_object.length", &DebugOffsetsMap::unicode_length, &Layout::unicode_length},
    {"unicode_object.asciiobject_size", &DebugOffsetsMap::unicode_ascii_size,
     &Layout::unicode_ascii_size},
};
constexpr size_t kPublishedCount = sizeof kPublished / sizeof kPublished[0];

// A fake _Py_DebugOffsets: the cookie, the version, and at each position of the version's map
// the value of its table. Every other byte is filler the reader must not use.
struct Image {
    std::vector<unsigned char> bytes;

    explicit Image(const Version& v) : bytes(v.map->struct_size, 0xa5)
    {
        std::memcpy(bytes.data(), kDebugCookie, sizeof kDebugCookie);
        set(kDebugVersionAt, v.py_version);
        if (v.map->free_threaded != 0) {
            set(v.map->free_threaded, 0);
        }
        for (const Published& p : kPublished) {
            set(v.map->*p.position, (*v.table).*p.field);
        }
    }

    void set(size_t position, uint64_t value)
    {
        REQUIRE(position + sizeof value <= bytes.size());
        std::memcpy(bytes.data() + position, &value, sizeof value);
    }
    uint64_t get(size_t position) const
    {
        uint64_t value;
        std::memcpy(&value, bytes.data() + position, sizeof value);
        return value;
    }
    const unsigned char* data() const { return bytes.data(); }
};

}  // namespace sciagraph::core::python::fakes
