// Decoding co_linetable: against CPython's own decoder (co_positions) on real code objects, and
// on random bytes, where it must never read past the table.
#include "python/linetable.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

using namespace sciagraph::core::python;

namespace {

struct Vector {
    const char* name;
    int first_line;
    std::vector<uint8_t> table;
    std::vector<int> lines;
};

const std::vector<Vector> kVectors = {
#include "data/linetable_vectors.inc"
};

// `bytes` placed so that the byte after the last one is an inaccessible page: any read past the
// end faults, with or without a sanitizer.
class GuardedBytes {
public:
    explicit GuardedBytes(const std::vector<uint8_t>& bytes)
    {
        size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
        span_ = (bytes.size() / page + 2) * page;
        base_ = static_cast<uint8_t*>(
            mmap(nullptr, span_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        REQUIRE(base_ != MAP_FAILED);
        uint8_t* guard = base_ + span_ - page;
        REQUIRE(mprotect(guard, page, PROT_NONE) == 0);
        data_ = guard - bytes.size();
        if (!bytes.empty()) {
            std::memcpy(data_, bytes.data(), bytes.size());
        }
    }
    ~GuardedBytes() { munmap(base_, span_); }
    GuardedBytes(const GuardedBytes&) = delete;
    GuardedBytes& operator=(const GuardedBytes&) = delete;
    const uint8_t* data() const { return data_; }

private:
    uint8_t* base_ = nullptr;
    uint8_t* data_ = nullptr;
    size_t span_ = 0;
};

}  // namespace

TEST_CASE("linetable: every code unit of real code objects gets CPython's line", "[python]")
{
    REQUIRE(kVectors.size() > 10);
    size_t checked = 0;
    for (const Vector& v : kVectors) {
        INFO(v.name);
        GuardedBytes table(v.table);
        for (size_t offset = 0; offset < v.lines.size(); ++offset) {
            INFO("offset " << offset);
            CHECK(line_for_offset(table.data(), v.table.size(), v.first_line,
                                  static_cast<uint32_t>(offset)) == v.lines[offset]);
            ++checked;
        }
    }
    CHECK(checked > 1000);
}

TEST_CASE("linetable: offsets past the table have no line", "[python]")
{
    const Vector& v = kVectors.front();
    CHECK(line_for_offset(v.table.data(), v.table.size(), v.first_line,
                          static_cast<uint32_t>(v.lines.size())) == -1);
    CHECK(line_for_offset(v.table.data(), 0, v.first_line, 0) == -1);
}

TEST_CASE("linetable: the vectors cover every entry form", "[python]")
{
    bool seen[16] = {};
    for (const Vector& v : kVectors) {
        for (uint8_t byte : v.table) {
            if (byte & 0x80) {
                seen[(byte >> 3) & 15] = true;
            }
        }
    }
    CHECK(seen[0]);   // short form
    CHECK(seen[10]);  // one-line forms
    CHECK(seen[11]);
    CHECK(seen[12]);
    CHECK(seen[13]);  // no columns
    CHECK(seen[14]);  // long form
    CHECK(seen[15]);  // no location
}

TEST_CASE("linetable: varints decode as CPython writes them", "[python]")
{
    const uint8_t one_chunk[] = {0x25};
    const uint8_t two_chunks[] = {0x41, 0x02};  // 1 | 2 << 6
    const uint8_t negative[] = {0x07};          // zig-zag: -(7 >> 1)
    size_t pos = 0;
    uint32_t value = 0;
    REQUIRE(read_varint(one_chunk, 1, pos, value));
    CHECK(value == 0x25);
    CHECK(pos == 1);
    pos = 0;
    REQUIRE(read_varint(two_chunks, 2, pos, value));
    CHECK(value == 129);
    pos = 0;
    REQUIRE_FALSE(read_varint(two_chunks, 1, pos, value));  // cut in the middle
    pos = 0;
    int32_t signed_value = 0;
    REQUIRE(read_signed_varint(negative, 1, pos, signed_value));
    CHECK(signed_value == -3);
}

TEST_CASE("linetable: readers never read past the end of random bytes", "[python]")
{
    rc::prop("varint reader stays inside", [](const std::vector<uint8_t>& bytes) {
        GuardedBytes table(bytes);
        size_t pos = 0;
        uint32_t value = 0;
        while (pos < bytes.size() && read_varint(table.data(), bytes.size(), pos, value)) {
        }
        RC_ASSERT(pos <= bytes.size());
    });
    rc::prop("line decoder stays inside", [](const std::vector<uint8_t>& bytes, uint16_t offset) {
        GuardedBytes table(bytes);
        int32_t line = line_for_offset(table.data(), bytes.size(), 1, offset);
        RC_ASSERT(line >= -1);
    });
}

TEST_CASE("linetable: varints round-trip", "[python]")
{
    rc::prop("encode then decode", [](uint32_t raw) {
        uint32_t value = raw >> 2;  // CPython's tables stay far below 2^30
        std::vector<uint8_t> bytes;
        uint32_t rest = value;
        while (rest >= 64) {
            bytes.push_back(static_cast<uint8_t>(64 | (rest & 63)));
            rest >>= 6;
        }
        bytes.push_back(static_cast<uint8_t>(rest));
        size_t pos = 0;
        uint32_t decoded = 0;
        RC_ASSERT(read_varint(bytes.data(), bytes.size(), pos, decoded));
        RC_ASSERT(decoded == value);
        RC_ASSERT(pos == bytes.size());
    });
}
