// core/python/unicode.cpp — see unicode.h.
#include "unicode.h"

#include "arena.h"

namespace sciagraph::core::python {
namespace {

char sanitize(uint32_t c) noexcept
{
    return (c == ';' || c < 0x20 || c == 0x7f) ? '_' : static_cast<char>(c);
}

size_t put_code_point(uint32_t c, char* out) noexcept
{
    if (c < 0x80) {
        out[0] = sanitize(c);
        return 1;
    }
    if (c < 0x800) {
        out[0] = static_cast<char>(0xc0 | (c >> 6));
        out[1] = static_cast<char>(0x80 | (c & 0x3f));
        return 2;
    }
    if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) {
        c = 0xfffd;  // not encodable: lone surrogate (legal in a str) or garbage
    }
    if (c < 0x10000) {
        out[0] = static_cast<char>(0xe0 | (c >> 12));
        out[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        out[2] = static_cast<char>(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = static_cast<char>(0xf0 | (c >> 18));
    out[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out[3] = static_cast<char>(0x80 | (c & 0x3f));
    return 4;
}

uint32_t code_point_at(const unsigned char* data, size_t i, unsigned kind) noexcept
{
    switch (kind) {
    case 1:
        return data[i];
    case 2: {
        uint16_t c;
        __builtin_memcpy(&c, data + 2 * i, 2);
        return c;
    }
    default: {
        uint32_t c;
        __builtin_memcpy(&c, data + 4 * i, 4);
        return c;
    }
    }
}

size_t max_utf8_bytes(unsigned kind, bool ascii) noexcept
{
    if (ascii) {
        return 1;
    }
    return kind == 1 ? 2 : kind == 2 ? 3 : 4;
}

}  // namespace

size_t encode_utf8(const void* data, size_t length, unsigned kind, char* out) noexcept
{
    const auto* bytes = static_cast<const unsigned char*>(data);
    size_t written = 0;
    for (size_t i = 0; i < length; ++i) {
        written += put_code_point(code_point_at(bytes, i, kind), out + written);
    }
    return written;
}

const char* copy_unicode_to_arena(ReadFn read,
                                  uintptr_t str,
                                  const Layout& layout,
                                  uintptr_t unicode_type) noexcept
{
    unsigned char header[128];
    static_assert(sizeof header >= 72);
    if (str == 0 || layout.unicode_compact_size > sizeof header ||
        !read(header, str, layout.unicode_ascii_size)) {
        return nullptr;
    }
    // Exact type only: a str subclass cannot be a code object's name or file name.
    if (load_field<uintptr_t>(header, layout.object_type) != unicode_type) {
        return nullptr;
    }
    auto length = load_field<int64_t>(header, layout.unicode_length);
    uint32_t state = load_field<uint32_t>(header, layout.unicode_state);
    unsigned kind = (state >> layout.unicode_kind_shift) & 7;
    bool compact = (state >> layout.unicode_compact_bit) & 1;
    bool ascii = (state >> layout.unicode_ascii_bit) & 1;
    if (!compact || length < 0 || (kind != 1 && kind != 2 && kind != 4)) {
        return nullptr;  // legacy (non-compact) strings never name code objects
    }
    size_t chars =
        static_cast<size_t>(length) < kMaxNameChars ? static_cast<size_t>(length) : kMaxNameChars;
    uintptr_t data = str + (ascii ? layout.unicode_ascii_size : layout.unicode_compact_size);
    auto* out = static_cast<char*>(arena_alloc(chars * max_utf8_bytes(kind, ascii) + 1, 1));
    if (out == nullptr) {
        return nullptr;
    }
    // Converted in small pieces: this may run on a thread with a small stack.
    unsigned char piece[256];
    size_t per_piece = sizeof piece / kind;
    size_t written = 0;
    for (size_t done = 0; done < chars; done += per_piece) {
        size_t n = chars - done < per_piece ? chars - done : per_piece;
        if (!read(piece, data + done * kind, n * kind)) {
            return nullptr;  // the arena bytes are lost: rare, and bounded by the name size
        }
        written += encode_utf8(piece, n, kind, out + written);
    }
    out[written] = '\0';
    return out;
}

}  // namespace sciagraph::core::python
