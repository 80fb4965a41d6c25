// report/write/graph.cpp — see graph.h.
#include "graph.h"

#include "text.h"

#include <cstdio>

namespace sciagraph::report {

const char* unit_name(GraphKind kind)
{
    switch (kind) {
    case GraphKind::MemoryPeak:
        return "bytes";
    case GraphKind::Time:
        return "microseconds";
    case GraphKind::Samples:
        return "samples";
    }
    return "samples";
}

std::string format_value(GraphKind kind, uint64_t value)
{
    switch (kind) {
    case GraphKind::MemoryPeak:
        return human_bytes(static_cast<double>(value));
    case GraphKind::Time:
        return human_micros(static_cast<double>(value));
    case GraphKind::Samples:
        break;
    }
    std::string digits;
    append_uint(digits, value);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    out += value == 1 ? " sample" : " samples";
    return out;
}

Origin frame_origin(std::string_view name)
{
    if (!name.empty() && name.front() == '[') {
        return Origin::Pseudo;
    }
    if (name.find("site-packages") != std::string_view::npos ||
        name.find("dist-packages") != std::string_view::npos) {
        return Origin::Library;
    }
    if (name.find("/lib/python") != std::string_view::npos ||
        name.find("<frozen ") != std::string_view::npos) {
        return Origin::Stdlib;
    }
    return Origin::User;
}

namespace {

// FNV-1a, as the viewer computes it, so both outputs agree on shades.
uint32_t name_hash(std::string_view name)
{
    uint32_t h = 2166136261u;
    for (unsigned char c : name) {
        h = (h ^ c) * 16777619u;
    }
    return h;
}

std::string rgb(int r, int g, int b)
{
    char buffer[8];
    std::snprintf(buffer, sizeof(buffer), "#%02x%02x%02x", r & 255, g & 255, b & 255);
    return buffer;
}

}  // namespace

std::string frame_colour(GraphKind kind, std::string_view name, uint64_t cpu, uint64_t wait)
{
    if (kind == GraphKind::Time) {
        const double total = static_cast<double>(cpu) + static_cast<double>(wait);
        const double t = total > 0 ? static_cast<double>(cpu) / total : 0;
        // waiting #4e8fd6 → CPU #f0782d: blue/orange stays apart for colour-blind readers.
        return rgb(static_cast<int>(0x4e + t * (0xf0 - 0x4e)),
                   static_cast<int>(0x8f + t * (0x78 - 0x8f)),
                   static_cast<int>(0xd6 + t * (0x2d - 0xd6)));
    }
    const double shade = static_cast<double>(name_hash(name) % 1000) / 1000.0;  // 0..1
    switch (frame_origin(name)) {
    case Origin::Pseudo:
        return rgb(160 + static_cast<int>(shade * 30), 160 + static_cast<int>(shade * 30),
                   165 + static_cast<int>(shade * 30));
    case Origin::Library:
        return rgb(80 + static_cast<int>(shade * 50), 150 + static_cast<int>(shade * 50),
                   205 + static_cast<int>(shade * 40));
    case Origin::Stdlib:
        return rgb(120 + static_cast<int>(shade * 50), 185 + static_cast<int>(shade * 40),
                   110 + static_cast<int>(shade * 40));
    case Origin::User:
        break;
    }
    return rgb(235 + static_cast<int>(shade * 20), 110 + static_cast<int>(shade * 90),
               40 + static_cast<int>(shade * 30));
}

}  // namespace sciagraph::report
