// Fake CPython objects for the unit tests of core/python/: memory images laid out with the 3.11
// offsets, with type pointers the tests choose (installed by FakePython), so the readers can be
// exercised without an interpreter.
#pragma once

#include "python/layout_311.h"
#include "python/symbols.h"

#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

namespace sciagraph::core::python::fakes {

// One for the whole test process, never destroyed: the core's code cache outlives every test,
// and fake objects freed and reallocated at the same addresses would alias its entries.
class FakePython;
FakePython& fake_python();

class FakePython {
public:
    FakePython()
    {
        testing::install_fake_python(addr(code_type_), addr(unicode_type_), addr(bytes_type_),
                                     addr(runtime_), &kLayout311);
    }

    uintptr_t code_type() const { return addr(code_type_); }
    uintptr_t unicode_type() const { return addr(unicode_type_); }
    uintptr_t runtime() const { return addr(runtime_); }

    // A compact str of `kind` (1, 2, 4) holding `chars` (code points).
    uintptr_t str(const std::u32string& chars, unsigned kind, bool ascii = false)
    {
        const Layout& l = kLayout311;
        size_t header = ascii ? l.unicode_ascii_size : l.unicode_compact_size;
        unsigned char* o = object(header + (chars.size() + 1) * kind);
        put<uintptr_t>(o, l.object_type, unicode_type());
        put<int64_t>(o, l.unicode_length, static_cast<int64_t>(chars.size()));
        put<uint32_t>(o, l.unicode_state, kind << 2 | 1u << 5 | (ascii ? 1u : 0u) << 6 | 1u << 7);
        for (size_t i = 0; i < chars.size(); ++i) {
            uint32_t c = chars[i];
            std::memcpy(o + header + i * kind, &c, kind);  // little-endian
        }
        return addr(o);
    }
    uintptr_t ascii(const std::string& text)
    {
        return str(std::u32string(text.begin(), text.end()), 1, true);
    }

    uintptr_t bytes(const std::vector<uint8_t>& data)
    {
        const Layout& l = kLayout311;
        unsigned char* o = object(l.bytes_data + data.size() + 1);
        put<uintptr_t>(o, l.object_type, addr(bytes_type_));
        put<int64_t>(o, l.var_size, static_cast<int64_t>(data.size()));
        if (!data.empty()) {
            std::memcpy(o + l.bytes_data, data.data(), data.size());
        }
        return addr(o);
    }

    // A code object of `units` code units; unit i is on line first_line + 1 + i (one-line
    // entries of one code unit, each one line below the last).
    uintptr_t code(uintptr_t qualname,
                   uintptr_t filename,
                   int first_line,
                   size_t units = 16,
                   int first_traceable = 0)
    {
        const Layout& l = kLayout311;
        std::vector<uint8_t> table;
        for (size_t i = 0; i < units; ++i) {
            table.insert(table.end(), {0x80 | 11 << 3, 0, 0});
        }
        unsigned char* o = object(l.code_code_adaptive + units * 2);
        put<uintptr_t>(o, l.object_type, code_type());
        put<int64_t>(o, l.var_size, static_cast<int64_t>(units));
        put<int32_t>(o, l.code_firstlineno, first_line);
        put<uintptr_t>(o, l.code_qualname, qualname);
        put<uintptr_t>(o, l.code_filename, filename);
        put<uintptr_t>(o, l.code_linetable, bytes(table));
        put<int32_t>(o, l.code_firsttraceable, first_traceable);
        return addr(o);
    }

    // A frame running `code` at code unit `unit` (-1: not started).
    uintptr_t frame(uintptr_t code, uintptr_t previous, long unit, uint8_t owner = 0)
    {
        const Layout& l = kLayout311;
        unsigned char* o = object(l.frame_size);
        put<uintptr_t>(o, l.frame_code, code);
        put<uintptr_t>(o, l.frame_previous, previous);
        put<uintptr_t>(o, l.frame_prev_instr, code + l.code_code_adaptive + unit * 2);
        put<uint8_t>(o, l.frame_owner, owner);
        return addr(o);
    }

    template <typename T>
    static void put(unsigned char* object, size_t offset, T value)
    {
        std::memcpy(object + offset, &value, sizeof value);
    }
    template <typename T>
    static void put_at(uintptr_t object, size_t offset, T value)
    {
        put(reinterpret_cast<unsigned char*>(object), offset, value);
    }

    unsigned char* object(size_t size)
    {
        storage_.emplace_back((size + 15) / 8 + 2, 0);
        return reinterpret_cast<unsigned char*>(storage_.back().data());
    }

private:
    template <typename T>
    static uintptr_t addr(const T* p)
    {
        return reinterpret_cast<uintptr_t>(p);
    }

    alignas(64) unsigned char code_type_[64] = {};
    alignas(64) unsigned char unicode_type_[64] = {};
    alignas(64) unsigned char bytes_type_[64] = {};
    alignas(64) unsigned char runtime_[128] = {};
    std::deque<std::vector<uint64_t>> storage_;
};

inline FakePython& fake_python()
{
    static auto* instance = new FakePython();
    return *instance;
}

}  // namespace sciagraph::core::python::fakes
