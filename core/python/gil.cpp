// core/python/gil.cpp — finding the main interpreter's GIL state in _PyRuntime (see gil.h).
#include "gil.h"

#include "symbols.h"

#include <atomic>
#include <cstring>

namespace sciagraph::core::python {
namespace {

// {interval, last_holder, locked (int, padded), switch_number}: words relative to last_holder.
constexpr long kIntervalWord = -1;
constexpr long kLockedWord = 1;
constexpr long kSwitchWord = 2;
// The switch interval in microseconds: 5000 unless sys.setswitchinterval() ran before the
// check; anything from 1 µs to 100 s is taken as one.
constexpr uint64_t kMaxIntervalUs = 100'000'000;
// Switches counted by the time of the layout check: a start-up takes and drops the GIL a
// few times; 2^40 rules out a pointer in the switch_number slot.
constexpr uint64_t kMaxSwitchesAtCheck = uint64_t{1} << 40;

std::atomic<const uint64_t*> g_holder_word{nullptr};

uint64_t word_at(const unsigned char* image, size_t index) noexcept
{
    uint64_t word;
    std::memcpy(&word, image + index * sizeof word, sizeof word);
    return word;
}

}  // namespace

long find_gil_holder_word(const unsigned char* image, size_t size, uintptr_t tstate) noexcept
{
    if (image == nullptr || tstate == 0) {
        return -1;
    }
    const size_t words = size / sizeof(uint64_t);
    long found = -1;
    for (size_t i = 1; i + kSwitchWord < words; ++i) {
        if (word_at(image, i) != tstate) {
            continue;
        }
        const uint64_t interval = word_at(image, i + kIntervalWord);
        int locked;
        std::memcpy(&locked, image + (i + kLockedWord) * sizeof(uint64_t), sizeof locked);
        const uint64_t switches = word_at(image, i + kSwitchWord);
        if (interval == 0 || interval > kMaxIntervalUs || locked != 1 ||
            switches >= kMaxSwitchesAtCheck) {
            continue;
        }
        if (found >= 0) {
            return -1;  // two candidates: no way to tell, so no hint
        }
        found = static_cast<long>(i * sizeof(uint64_t));
    }
    return found;
}

bool in_static_runtime(uintptr_t address, size_t size) noexcept
{
    const Symbols& s = symbols();
    return s.runtime != 0 && s.runtime_size != 0 && address >= s.runtime &&
           size <= s.runtime_size && address - s.runtime <= s.runtime_size - size;
}

void locate_gil(uintptr_t tstate) noexcept
{
    const Symbols& s = symbols();
    if (s.runtime == 0 || s.runtime_size == 0 || s.runtime % sizeof(uint64_t) != 0) {
        return;
    }
    // Our own static memory: readable in place. Other threads do not take the GIL meanwhile
    // (the caller holds it), so last_holder and locked stand still while we look.
    const long offset = find_gil_holder_word(reinterpret_cast<const unsigned char*>(s.runtime),
                                             s.runtime_size, tstate);
    if (offset >= 0) {
        g_holder_word.store(reinterpret_cast<const uint64_t*>(s.runtime + offset),
                            std::memory_order_release);
    }
}

bool read_gil(GilState& out) noexcept
{
    const uint64_t* word = g_holder_word.load(std::memory_order_acquire);
    if (word == nullptr) {
        return false;
    }
    // Written by the GIL's takers without our knowledge: atomic loads, no tearing.
    out.last_holder = __atomic_load_n(word, __ATOMIC_RELAXED);
    out.switch_number = __atomic_load_n(word + kSwitchWord, __ATOMIC_RELAXED);
    // `locked` is an int at the start of its (padded) word; little-endian or not, its own
    // address is the word's.
    out.locked =
        __atomic_load_n(reinterpret_cast<const int*>(word + kLockedWord), __ATOMIC_RELAXED) == 1;
    return true;
}

namespace testing {
void set_gil_words(const uint64_t* last_holder_word) noexcept
{
    g_holder_word.store(last_holder_word, std::memory_order_release);
}
}  // namespace testing

}  // namespace sciagraph::core::python
