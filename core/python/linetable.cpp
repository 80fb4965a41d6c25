// core/python/linetable.cpp — see linetable.h. Mirrors advance()/get_line_delta() of CPython's
// Objects/codeobject.c, with every read bounds-checked.
#include "linetable.h"

namespace sciagraph::core::python {
namespace {

// The first byte of an entry: 1 (bit 7), code (bits 3-6), length in code units minus 1 (0-2).
constexpr uint8_t kEntryStart = 0x80;
constexpr unsigned kNoColumns = 13;
constexpr unsigned kLong = 14;
constexpr unsigned kNone = 15;
constexpr unsigned kOneLine0 = 10;
constexpr unsigned kOneLine2 = 12;

}  // namespace

bool read_varint(const uint8_t* table, size_t size, size_t& pos, uint32_t& value) noexcept
{
    uint32_t result = 0;
    unsigned shift = 0;
    while (pos < size) {
        uint8_t byte = table[pos++];
        if (shift > 30 || (shift == 30 && (byte & 63) > 3)) {
            return false;  // would overflow 32 bits: not a table CPython writes
        }
        result |= static_cast<uint32_t>(byte & 63) << shift;
        if ((byte & 64) == 0) {
            value = result;
            return true;
        }
        shift += 6;
    }
    return false;
}

bool read_signed_varint(const uint8_t* table, size_t size, size_t& pos, int32_t& value) noexcept
{
    uint32_t raw = 0;
    if (!read_varint(table, size, pos, raw)) {
        return false;
    }
    auto magnitude = static_cast<int32_t>(raw >> 1);
    value = (raw & 1) != 0 ? -magnitude : magnitude;
    return true;
}

int32_t
line_for_offset(const uint8_t* table, size_t size, int32_t first_line, uint32_t offset) noexcept
{
    int64_t line = first_line;
    uint64_t start = 0;  // in code units
    size_t pos = 0;
    while (pos < size) {
        uint8_t head = table[pos];
        if ((head & kEntryStart) == 0) {
            return -1;  // not at an entry: malformed
        }
        unsigned code = (head >> 3) & 15;
        uint64_t end = start + (head & 7) + 1;
        size_t cursor = pos + 1;
        if (code == kNoColumns || code == kLong) {
            int32_t delta = 0;
            if (!read_signed_varint(table, size, cursor, delta)) {
                return -1;
            }
            line += delta;
        } else if (code >= kOneLine0 && code <= kOneLine2) {
            line += code - kOneLine0;
        }
        if (offset < end) {
            if (code == kNone || line < 0 || line > INT32_MAX) {
                return -1;
            }
            return static_cast<int32_t>(line);
        }
        start = end;
        // The rest of the entry (columns, end line) has bit 7 clear: skip to the next entry.
        ++pos;
        while (pos < size && (table[pos] & kEntryStart) == 0) {
            ++pos;
        }
    }
    return -1;
}

}  // namespace sciagraph::core::python
