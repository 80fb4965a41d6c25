// core/python/debug_offsets.cpp — see debug_offsets.h.
#include "debug_offsets.h"

#include <cstring>

namespace sciagraph::core::python {
namespace {

// The readers copy fixed windows of each struct (remote.cpp, frame_walk.h, unicode.cpp): an
// offset past its window cannot be read, whatever the interpreter says.
constexpr size_t kThreadWindow = 512;
constexpr size_t kFrameWindow = 128;
constexpr size_t kCodeWindow = 256;
constexpr size_t kStringWindow = 128;
// A PyCompactUnicodeObject is the PyASCIIObject plus utf8_length and utf8 (3.12 to 3.15).
constexpr size_t kCompactExtra = 16;
// datastack_top and datastack_limit, read with datastack_chunk.
constexpr size_t kDatastackTail = 16;
// No struct the core reads is this large (PyInterpreterState, the largest, is about 8 KiB in
// 3.13 to 3.15): a larger value is garbage, and refusing it first keeps the sums below from
// wrapping around.
constexpr uint64_t kMaxOffset = uint64_t{1} << 20;

uint64_t at(const unsigned char* published, size_t position) noexcept
{
    uint64_t value;
    std::memcpy(&value, published + position, sizeof value);
    return value;
}

size_t end_of(size_t offset, size_t size) noexcept
{
    return offset + size;
}

template <typename... Ts>
size_t furthest(Ts... ends) noexcept
{
    size_t result = 0;
    ((result = ends > result ? ends : result), ...);
    return result;
}

size_t round_up8(size_t n) noexcept
{
    return (n + 7) & ~size_t{7};
}

}  // namespace

const char* layout_from_debug_offsets(const unsigned char* published,
                                      uint32_t py_version,
                                      const DebugOffsetsMap& map,
                                      const Layout& table,
                                      Layout& out) noexcept
{
    if (std::memcmp(published, kDebugCookie, sizeof kDebugCookie) != 0) {
        return "publishes no _Py_DebugOffsets (no \"xdebugpy\" cookie at _PyRuntime)";
    }
    if (at(published, kDebugVersionAt) != py_version) {
        return "publishes _Py_DebugOffsets of another version than Py_Version";
    }
    if (map.free_threaded != 0 && at(published, map.free_threaded) != 0) {
        return "is a free-threaded build, which sciagraph does not support";
    }
    bool too_large = false;
    auto value = [&](size_t position) {
        uint64_t v = at(published, position);
        too_large = too_large || v > kMaxOffset;
        return static_cast<size_t>(v);
    };
    Layout l = table;
    l.object_type = value(map.object_type);
    if (l.object_type != table.object_type) {
        // The free-threaded object header (ob_tid, ob_ref_local...) moves ob_type, and 3.13
        // does not say so in a flag; so does Py_TRACE_REFS (_ob_next, _ob_prev).
        return "has an object header sciagraph does not know (a free-threaded or trace-refs "
               "build)";
    }
    l.var_size = value(map.bytes_size);
    l.bytes_data = value(map.bytes_data);
    l.runtime_interpreters_head = value(map.runtime_interpreters_head);
    l.interp_next = value(map.interp_next);
    // The thread count keeps its distance from the list head: only the head is published.
    size_t count_after_head = table.interp_threads_count - table.interp_threads_head;
    l.interp_threads_head = value(map.interp_threads_head);
    l.interp_threads_count = l.interp_threads_head + count_after_head;
    l.tstate_prev = value(map.tstate_prev);
    l.tstate_next = value(map.tstate_next);
    l.tstate_interp = value(map.tstate_interp);
    l.current_frame = value(map.tstate_current_frame);
    l.tstate_thread_id = value(map.tstate_thread_id);
    l.tstate_native_thread_id = value(map.tstate_native_thread_id);
    l.tstate_datastack_chunk = value(map.tstate_datastack_chunk);
    l.tstate_size =
        round_up8(furthest(end_of(l.tstate_prev, 8), end_of(l.tstate_next, 8),
                           end_of(l.tstate_interp, 8), end_of(l.current_frame, 8),
                           end_of(l.tstate_thread_id, 8), end_of(l.tstate_native_thread_id, 8),
                           end_of(l.tstate_datastack_chunk, 8 + kDatastackTail)));
    l.frame_previous = value(map.frame_previous);
    l.frame_code = value(map.frame_executable);
    l.frame_instr = value(map.frame_instr_ptr);
    l.frame_owner = value(map.frame_owner);
    l.frame_size = value(map.frame_localsplus);
    l.code_filename = value(map.code_filename);
    l.code_name = value(map.code_name);
    l.code_qualname = value(map.code_qualname);
    l.code_linetable = value(map.code_linetable);
    l.code_firstlineno = value(map.code_firstlineno);
    l.code_code_adaptive = value(map.code_code_adaptive);
    // _co_firsttraceable keeps its distance from the bytecode, which is published.
    l.code_firsttraceable =
        l.code_code_adaptive - (table.code_code_adaptive - table.code_firsttraceable);
    l.code_header_size = round_up8(
        furthest(end_of(l.object_type, 8), end_of(l.var_size, 8), end_of(l.code_filename, 8),
                 end_of(l.code_name, 8), end_of(l.code_qualname, 8), end_of(l.code_linetable, 8),
                 end_of(l.code_firstlineno, 4), end_of(l.code_firsttraceable, 4)));
    l.unicode_state = value(map.unicode_state);
    l.unicode_length = value(map.unicode_length);
    l.unicode_ascii_size = value(map.unicode_ascii_size);
    l.unicode_compact_size = l.unicode_ascii_size + kCompactExtra;

    bool fits =
        !too_large && l.tstate_size <= kThreadWindow &&
        furthest(end_of(l.frame_code, 8), end_of(l.frame_previous, 8), end_of(l.frame_instr, 8),
                 end_of(l.frame_owner, 1)) <= l.frame_size &&
        l.frame_size <= kFrameWindow && l.code_header_size <= kCodeWindow &&
        l.code_code_adaptive > table.code_code_adaptive - table.code_firsttraceable &&
        furthest(end_of(l.unicode_state, 4), end_of(l.unicode_length, 8)) <= l.unicode_ascii_size &&
        l.unicode_compact_size <= kStringWindow && l.bytes_data >= end_of(l.var_size, 8);
    if (!fits) {
        return "publishes offsets outside what sciagraph reads (_Py_DebugOffsets)";
    }
    out = l;
    return nullptr;
}

}  // namespace sciagraph::core::python
