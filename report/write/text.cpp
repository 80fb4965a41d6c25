// report/write/text.cpp — see text.h.
#include "text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace sciagraph::report {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid.
size_t utf8_sequence_length(std::string_view s, size_t i)
{
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
        return 1;
    }
    size_t n = 0;
    uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (i + n > s.size()) {
        return 0;
    }
    uint32_t cp = c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return n;
}

bool ends_in_space_digits(std::string_view s)
{
    size_t i = s.size();
    while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') {
        --i;
    }
    return i < s.size() && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t');
}

}  // namespace

bool sanitize_frame_name(std::string_view name, std::string& out)
{
    bool clean = !name.empty() && !ends_in_space_digits(name);
    for (size_t i = 0; clean && i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (c < 0x20 || c == 0x7F || c == ';' || c >= 0x80) {
            clean = false;  // rare: do the careful pass below
        }
    }
    if (clean) {
        return false;
    }
    std::string result;
    result.reserve(name.size());
    for (size_t i = 0; i < name.size();) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (c >= 0x80) {
            const size_t n = utf8_sequence_length(name, i);
            if (n == 0) {
                result += "\xEF\xBF\xBD";
                ++i;
            } else {
                result.append(name.substr(i, n));
                i += n;
            }
            continue;
        }
        if (c == ';') {
            result += ':';
        } else if (c == '\t') {
            result += ' ';
        } else if (c >= 0x20 && c != 0x7F) {
            result += static_cast<char>(c);
        }
        ++i;
    }
    if (ends_in_space_digits(result)) {
        size_t i = result.size();
        while (result[i - 1] >= '0' && result[i - 1] <= '9') {
            --i;
        }
        result[i - 1] = '_';
    }
    if (result.empty()) {
        result = "[unnamed]";
    }
    out = std::move(result);
    return true;
}

void append_xml_escaped(std::string& out, std::string_view text)
{
    size_t start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char* replacement = nullptr;
        switch (text[i]) {
        case '&':
            replacement = "&amp;";
            break;
        case '<':
            replacement = "&lt;";
            break;
        case '>':
            replacement = "&gt;";
            break;
        case '"':
            replacement = "&quot;";
            break;
        case '\'':
            replacement = "&#39;";
            break;
        default:
            continue;
        }
        out.append(text.substr(start, i - start));
        out += replacement;
        start = i + 1;
    }
    out.append(text.substr(start));
}

void append_json_string(std::string& out, std::string_view text)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    size_t start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
            continue;
        }
        out.append(text.substr(start, i - start));
        start = i + 1;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    out.append(text.substr(start));
    out += '"';
}

void append_uint(std::string& out, uint64_t value)
{
    char buffer[24];
    char* end = buffer + sizeof(buffer);
    char* p = end;
    do {
        *--p = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    out.append(p, static_cast<size_t>(end - p));
}

void append_double(std::string& out, double value, int decimals)
{
    if (!std::isfinite(value)) {
        out += '0';
        return;
    }
    // Fixed point by hand for the common case: the SVG writes hundreds of thousands of
    // coordinates, and snprintf("%f") is several times slower.
    static constexpr double kScale[] = {1, 10, 100, 1000, 10000};
    if (decimals >= 0 && decimals <= 4 && std::fabs(value) < 1e12) {
        const bool negative = value < 0;
        const auto scaled = static_cast<uint64_t>(std::fabs(value) * kScale[decimals] + 0.5);
        const auto unit = static_cast<uint64_t>(kScale[decimals]);
        if (negative && scaled != 0) {
            out += '-';
        }
        append_uint(out, scaled / unit);
        if (decimals > 0) {
            out += '.';
            char digits[4];
            uint64_t frac = scaled % unit;
            for (int i = decimals - 1; i >= 0; --i) {
                digits[i] = static_cast<char>('0' + frac % 10);
                frac /= 10;
            }
            out.append(digits, static_cast<size_t>(decimals));
        }
        return;
    }
    char buffer[64];
    const int n = std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
    if (n > 0) {
        out.append(buffer, static_cast<size_t>(std::min(n, static_cast<int>(sizeof(buffer) - 1))));
    }
}

std::string human_bytes(double bytes)
{
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int unit = 0;
    while (std::fabs(bytes) >= 1024 && unit < 5) {
        bytes /= 1024;
        ++unit;
    }
    std::string out;
    append_double(out, bytes, unit == 0 ? 0 : (bytes < 10 ? 2 : (bytes < 100 ? 1 : 0)));
    out += ' ';
    out += kUnits[unit];
    return out;
}

std::string human_micros(double micros)
{
    std::string out;
    const double seconds = micros / 1e6;
    if (seconds >= 60) {
        const auto whole = static_cast<uint64_t>(seconds);
        if (whole >= 3600) {
            append_uint(out, whole / 3600);
            out += " h ";
        }
        append_uint(out, (whole % 3600) / 60);
        out += " min ";
        append_uint(out, whole % 60);
        out += " s";
    } else if (seconds >= 1) {
        append_double(out, seconds, 2);
        out += " s";
    } else if (micros >= 1000) {
        append_double(out, micros / 1000, micros < 10000 ? 2 : 1);
        out += " ms";
    } else {
        append_double(out, micros, 0);
        out += " \xC2\xB5s";
    }
    return out;
}

std::string fit_label(std::string_view text, size_t max_chars)
{
    // A Python frame that does not fit shows its function alone before being cut (the viewer
    // scripts do the same).
    const size_t paren = text.find(" (");
    if (paren != std::string_view::npos && paren > 0 && paren + 2 <= max_chars &&
        text.size() > max_chars) {
        size_t chars = 0;
        for (size_t i = 0; i < text.size(); ++i) {
            chars += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 ? 1 : 0;
        }
        if (chars > max_chars) {
            return std::string(text.substr(0, paren)) + " ..";
        }
    }
    size_t chars = 0;
    size_t cut_at = 0;  // byte offset after max_chars - 2 code points
    for (size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) {
            continue;  // continuation byte
        }
        if (chars + 2 == max_chars) {
            cut_at = i;
        }
        if (++chars > max_chars) {
            if (max_chars < 3) {
                return {};
            }
            return std::string(text.substr(0, cut_at)) + "..";
        }
    }
    return std::string(text);
}

std::string clean_source_line(std::string_view line, size_t max_chars)
{
    auto blank = [](char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
    };
    while (!line.empty() && blank(line.front())) {
        line.remove_prefix(1);
    }
    while (!line.empty() && blank(line.back())) {
        line.remove_suffix(1);
    }
    std::string out;
    out.reserve(std::min(line.size(), max_chars * 4) + 3);
    size_t chars = 0;
    for (size_t i = 0; i < line.size();) {
        if (chars == max_chars) {
            out += "\xE2\x80\xA6";  // the line goes on: "…"
            break;
        }
        const auto c = static_cast<unsigned char>(line[i]);
        if (c >= 0x80) {
            const size_t n = utf8_sequence_length(line, i);
            if (n == 0) {
                out += "\xEF\xBF\xBD";
                ++i;
            } else {
                out.append(line.substr(i, n));
                i += n;
            }
            ++chars;
            continue;
        }
        if (c == '\t') {
            out += ' ';
            ++chars;
        } else if (c >= 0x20 && c != 0x7F) {
            out += static_cast<char>(c);
            ++chars;
        }
        ++i;
    }
    return out;
}

std::optional<PythonFrameParts> split_python_frame(std::string_view name)
{
    if (name.size() < 5 || name.back() != ')') {
        return std::nullopt;
    }
    const size_t open = name.rfind(" (");
    const size_t colon = name.rfind(':');
    if (open == std::string_view::npos || colon == std::string_view::npos || colon < open) {
        return std::nullopt;
    }
    PythonFrameParts parts;
    const char* begin = name.data() + colon + 1;
    const char* end = name.data() + name.size() - 1;
    const auto [ptr, ec] = std::from_chars(begin, end, parts.line);
    if (ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    parts.function = name.substr(0, open);
    parts.file = name.substr(open + 2, colon - open - 2);
    return parts;
}

}  // namespace sciagraph::report
