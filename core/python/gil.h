// core/python/gil.h — which thread holds the GIL, read without a system call, for the sampler.
//
// A job whose threads take turns at the GIL (64 threads computing in pure Python) leaves the
// sampler to guess which of them ran since the last tick: each has a little CPU every few
// ticks. CPython says it for free: `struct _gil_runtime_state` (3.11 to 3.15, GIL builds)
// starts {unsigned long interval; PyThreadState* last_holder; int locked; unsigned long
// switch_number; ...}, take_gil() sets last_holder to the taker and counts the switch. The
// main interpreter's GIL lies inside _PyRuntime itself (3.11: _PyRuntime.ceval.gil; 3.12+:
// _PyRuntime._main_interpreter._gil), static memory never unmapped: plain loads are safe.
//
// Its offset is not in any table: locate_gil() finds it once, at the layout check (the GIL held
// by the checking thread), as the one word of _PyRuntime that holds the checking thread's state
// between a plausible interval and locked == 1. No match, or more than one: no hint, and the
// sampler finds running threads as it would without it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core::python {

// The offset, within `image` (a copy of `size` bytes of _PyRuntime), of the last_holder word of
// a GIL held by `tstate`; -1 when no single word matches. Pure: unit-tested on fake images.
long find_gil_holder_word(const unsigned char* image, size_t size, uintptr_t tstate) noexcept;

// At the layout check, GIL held by the thread whose state is `tstate`.
void locate_gil(uintptr_t tstate) noexcept;

struct GilState {
    uintptr_t last_holder;   // the thread state that holds or last held it
    uint64_t switch_number;  // switches between holders since the start
    bool locked;             // held now (by last_holder)
};
// False when locate_gil() found nothing. Three relaxed loads; callable from any thread.
bool read_gil(GilState& out) noexcept;

// Whether [address, address + size) lies inside _PyRuntime, static memory that plain loads may
// read at any time (false when the symbol's size is unknown).
bool in_static_runtime(uintptr_t address, size_t size) noexcept;

namespace testing {
// Points read_gil at a fake GIL state (nullptr: none).
void set_gil_words(const uint64_t* last_holder_word) noexcept;
}  // namespace testing

}  // namespace sciagraph::core::python
