// core/python/unicode.h — copying a str object's text out as UTF-8, without the C API
// (PyUnicode_AsUTF8 allocates and caches inside the object).
#pragma once

#include "layout.h"
#include "reader.h"

#include <cstddef>
#include <cstdint>

namespace sciagraph::core::python {

// Longest name kept, in code points; longer names are cut (a profile needs no 4 KiB names).
inline constexpr size_t kMaxNameChars = 4096;

// Encodes `length` code points of PEP 393 `kind` (1, 2 or 4 bytes each) as UTF-8 into `out`
// (room for length * 4 bytes at most). Lone surrogates become U+FFFD. ';' and control
// characters become '_' so a name can go into a folded stack as is. Returns bytes written.
size_t encode_utf8(const void* data, size_t length, unsigned kind, char* out) noexcept;

// Reads the compact str at `str` with `read` and returns a NUL-terminated UTF-8 copy in arena
// memory; nullptr when the object is not a compact str (or unreadable) or the arena is full.
const char* copy_unicode_to_arena(ReadFn read,
                                  uintptr_t str,
                                  const Layout& layout,
                                  uintptr_t unicode_type) noexcept;

}  // namespace sciagraph::core::python
