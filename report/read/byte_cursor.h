// report/read/byte_cursor.h — a bounded little-endian cursor over bytes, shared by the dump reader
// and the record reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sciagraph::report {

// A bounded cursor over one payload. Any read past the end sets `failed` and returns zeros, so
// parsing code checks once per record instead of once per field.
class Cursor {
public:
    Cursor(const unsigned char* data, size_t size) : p_(data), end_(data + size) {}

    size_t left() const { return static_cast<size_t>(end_ - p_); }
    bool failed() const { return failed_; }
    // Every byte read, none missing: a record that is exactly as long as its fields.
    bool ok_at_end() const { return !failed_ && p_ == end_; }

    uint32_t u32() { return read_le<uint32_t>(); }
    uint64_t u64() { return read_le<uint64_t>(); }
    std::string string()
    {
        const uint32_t n = u32();
        if (failed_ || n > left()) {
            failed_ = true;
            return {};
        }
        std::string s(reinterpret_cast<const char*>(p_), n);
        p_ += n;
        return s;
    }

private:
    template <typename T>
    T read_le()
    {
        if (left() < sizeof(T)) {
            failed_ = true;
            p_ = end_;
            return 0;
        }
        T v = 0;
        for (size_t i = 0; i < sizeof(T); ++i) {
            v |= static_cast<T>(p_[i]) << (8 * i);
        }
        p_ += sizeof(T);
        return v;
    }

    const unsigned char* p_;
    const unsigned char* end_;
    bool failed_ = false;
};

}  // namespace sciagraph::report
