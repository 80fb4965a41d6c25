// core/python/linetable.h — decoding CPython's location table (co_linetable, 3.11 to 3.13
// format, Objects/locations.md) into a line number. Pure functions over a byte copy of the
// table: bounded, never read past `size`, whatever the bytes are.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core::python {

// 6-bit-chunk varint as in Objects/codeobject.c (bit 6: more chunks follow). Reads at
// table[pos...], advances pos. False when the table ends mid-number or the value would not
// fit 32 bits.
bool read_varint(const uint8_t* table, size_t size, size_t& pos, uint32_t& value) noexcept;
// Zig-zag on the low bit: odd values are negative.
bool read_signed_varint(const uint8_t* table, size_t size, size_t& pos, int32_t& value) noexcept;

// The line of the instruction `offset` code units into the bytecode, as PyCode_Addr2Line
// gives it; -1 when the instruction has no line (or the table is malformed or too short).
int32_t
line_for_offset(const uint8_t* table, size_t size, int32_t first_line, uint32_t offset) noexcept;

}  // namespace sciagraph::core::python
