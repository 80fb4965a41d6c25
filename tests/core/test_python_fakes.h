// Fake CPython objects for the unit tests of core/python/: memory images laid out with any
// version's offsets (3.11 unless a test picks another with UsingLayout), with type pointers the
// tests choose (installed by FakePython), so the readers can be exercised without an interpreter.
#pragma once

#include "python/layout_311.h"
#include "python/layout_312.h"
#include "python/layout_313.h"
#include "python/layout_314.h"
#include "python/layout_315.h"
#include "python/symbols.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <deque>
#include <iterator>
#include <string>
#include <vector>

namespace sciagraph::core::python::fakes {

// Every layout the core supports, oldest first.
inline const Layout* const kEveryLayout[] = {&kLayout311, &kLayout312, &kLayout313, &kLayout314,
                                             &kLayout315};

// For GENERATE: a test case that runs once per supported layout.
inline Catch::Generators::GeneratorWrapper<const Layout*> every_layout()
{
    return Catch::Generators::from_range(std::begin(kEveryLayout), std::end(kEveryLayout));
}

// One for the whole test process, never destroyed: the core's code cache outlives every test,
// and fake objects freed and reallocated at the same addresses would alias its entries.
class FakePython;
FakePython& fake_python();

class FakePython {
public:
    FakePython() { install(); }

    uintptr_t code_type() const { return addr(code_type_); }
    uintptr_t unicode_type() const { return addr(unicode_type_); }
    uintptr_t runtime() const { return addr(runtime_); }

    // The layout every builder below uses, and the one the core reads with. Objects built with
    // one layout are only meant to be read with it: build new ones after a change.
    const Layout& layout() const { return *layout_; }
    void use_layout(const Layout& layout)
    {
        layout_ = &layout;
        install();
    }

    // A compact str of `kind` (1, 2, 4) holding `chars` (code points).
    uintptr_t str(const std::u32string& chars, unsigned kind, bool ascii = false)
    {
        const Layout& l = layout();
        size_t header = ascii ? l.unicode_ascii_size : l.unicode_compact_size;
        unsigned char* o = object(header + (chars.size() + 1) * kind);
        put<uintptr_t>(o, l.object_type, unicode_type());
        put<int64_t>(o, l.unicode_length, static_cast<int64_t>(chars.size()));
        // kind, compact, ascii, and bit 7 (ready in 3.11, statically_allocated from 3.12)
        put<uint32_t>(o, l.unicode_state,
                      kind << l.unicode_kind_shift | 1u << l.unicode_compact_bit |
                          (ascii ? 1u : 0u) << l.unicode_ascii_bit | 1u << 7);
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
        const Layout& l = layout();
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
        const Layout& l = layout();
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

    // The f_code / f_executable word of a frame running `code`: from 3.14 a _PyStackRef, here
    // with its deferred-reference tag (Py_TAG_DEFERRED, 1) set as the interpreter sets it on
    // most frames. 0 stays 0.
    uintptr_t code_word(uintptr_t code, uintptr_t tag = 1) const
    {
        return code != 0 && layout().frame_code_tag_bits != 0
                   ? code | (tag & layout().frame_code_tag_bits)
                   : code;
    }

    // Fills the frame at `frame` (layout().frame_size bytes): running `code` at code unit `unit`
    // (-1: not started), owned by `owner`.
    void fill_frame(uintptr_t frame, uintptr_t code, uintptr_t previous, long unit, uint8_t owner)
    {
        const Layout& l = layout();
        std::memset(reinterpret_cast<void*>(frame), 0, l.frame_size);
        put_at<uintptr_t>(frame, l.frame_code, code_word(code));
        put_at<uintptr_t>(frame, l.frame_previous, previous);
        put_at<uintptr_t>(frame, l.frame_instr, code + l.code_code_adaptive + unit * 2);
        put_at<uint8_t>(frame, l.frame_owner, owner);
    }

    // A frame on the heap (as a generator's is) running `code` at code unit `unit`.
    uintptr_t frame(uintptr_t code, uintptr_t previous, long unit, uint8_t owner = 0)
    {
        auto o = addr(object(layout().frame_size));
        fill_frame(o, code, previous, unit, owner);
        return o;
    }

    // An interpreter state, big enough for every field of the layout.
    uintptr_t interpreter()
    {
        const Layout& l = layout();
        size_t end =
            l.interp_threads_count > l.interp_next ? l.interp_threads_count : l.interp_next;
        return addr(object(end + 64));
    }
    // Makes `interp` the runtime's first (main) interpreter.
    void set_main_interpreter(uintptr_t interp)
    {
        put_at<uintptr_t>(runtime(), layout().runtime_interpreters_head, interp);
    }

    // A thread state of `interp` whose top frame is `top` (0: idle): held by the thread state
    // itself from 3.13 (current_frame), by a _PyCFrame before.
    uintptr_t thread_state(uintptr_t interp, long native_tid, uintptr_t top)
    {
        const Layout& l = layout();
        auto tstate = addr(object(l.tstate_size));
        put_at<uintptr_t>(tstate, l.tstate_interp, interp);
        put_at<long>(tstate, l.tstate_native_thread_id, native_tid);
        put_at<unsigned long>(tstate, l.tstate_thread_id, static_cast<unsigned long>(native_tid));
        if (!l.frame_in_tstate) {
            auto cframe = addr(object(l.current_frame + 16));
            put_at<uintptr_t>(tstate, l.tstate_cframe, cframe);
        }
        put_at<uintptr_t>(current_frame_slot(tstate), 0, top);
        return tstate;
    }
    // Where the top frame of the thread at `tstate` is stored (holder->current_frame).
    uintptr_t current_frame_slot(uintptr_t tstate) const
    {
        const Layout& l = layout();
        return frame_holder(l, tstate, reinterpret_cast<const unsigned char*>(tstate)) +
               l.current_frame;
    }
    // Makes `tstates` the thread list of `interp`, first to last (head, next, prev, count).
    void set_threads(uintptr_t interp, const std::vector<uintptr_t>& tstates)
    {
        const Layout& l = layout();
        uintptr_t previous = 0;
        for (uintptr_t tstate : tstates) {
            put_at<uintptr_t>(tstate, l.tstate_prev, previous);
            put_at<uintptr_t>(tstate, l.tstate_next, 0);
            if (previous != 0) {
                put_at<uintptr_t>(previous, l.tstate_next, tstate);
            }
            previous = tstate;
        }
        put_at<uintptr_t>(interp, l.interp_threads_head, tstates.empty() ? 0 : tstates.front());
        put_at<long>(interp, l.interp_threads_count, static_cast<long>(tstates.size()));
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

    void install()
    {
        testing::install_fake_python(addr(code_type_), addr(unicode_type_), addr(bytes_type_),
                                     addr(runtime_), layout_);
    }

    alignas(64) unsigned char code_type_[64] = {};
    alignas(64) unsigned char unicode_type_[64] = {};
    alignas(64) unsigned char bytes_type_[64] = {};
    alignas(64) unsigned char runtime_[2048] = {};  // up to every runtime_interpreters_head
    const Layout* layout_ = &kLayout311;
    std::deque<std::vector<uint64_t>> storage_;
};

inline FakePython& fake_python()
{
    static auto* instance = new FakePython();
    return *instance;
}

// The fake interpreter uses `layout` while this lives, 3.11's again after: the layout every
// other test expects.
class UsingLayout {
public:
    explicit UsingLayout(const Layout& layout) : layout_(layout)
    {
        fake_python().use_layout(layout);
    }
    ~UsingLayout() { fake_python().use_layout(kLayout311); }
    UsingLayout(const UsingLayout&) = delete;
    UsingLayout& operator=(const UsingLayout&) = delete;

    const Layout& operator*() const { return layout_; }
    const Layout* operator->() const { return &layout_; }

private:
    const Layout& layout_;
};

}  // namespace sciagraph::core::python::fakes
