// report/write/text.h — the text rules every output shares: frame-name sanitising (the folded
// contract), UTF-8 repair, XML/HTML/JSON escaping and human-readable numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sciagraph::report {

// Makes a frame name safe for every format: invalid UTF-8 becomes U+FFFD, control characters
// are dropped, ';' becomes ':', and a name ending in space + digits gets its last space
// replaced by '_' (folded readers would take the digits for a count). An empty name becomes
// "[unnamed]". Returns true and fills `out` only when the name had to change.
bool sanitize_frame_name(std::string_view name, std::string& out);

// A Python frame's display name `function (file:line)` (dump_to_tree.h) taken apart; nullopt
// for a pseudo-frame or any other name. The file is what lies between the last " (" and the last
// ':', so a function name may hold either, a file name neither.
struct PythonFrameParts {
    std::string_view function;
    std::string_view file;
    uint32_t line = 0;
};
std::optional<PythonFrameParts> split_python_frame(std::string_view name);

// Appends `text` escaped for XML/HTML text and attribute values (& < > " ').
void append_xml_escaped(std::string& out, std::string_view text);
// Appends `text` as a JSON string literal (quotes included). '<', '>' and '&' are written as
// \u escapes so the JSON can sit inside an HTML <script> element.
void append_json_string(std::string& out, std::string_view text);

void append_uint(std::string& out, uint64_t value);
void append_double(std::string& out, double value, int decimals);

// "1.5 GiB", "312 KiB", "17 B".
std::string human_bytes(double bytes);
// "2.31 s", "1 min 5 s", "340 ms" from microseconds.
std::string human_micros(double micros);
// Fits `text` in `max_chars` code points: whole; or for "function (file:line)" the function and
// " .."; or cut, ending in "..", never splitting a UTF-8 sequence.
std::string fit_label(std::string_view text, size_t max_chars);

// One line of a source file as the reports show it beside its frame: leading and trailing
// white space stripped, tabs made spaces, other control characters dropped, invalid UTF-8 made
// U+FFFD, and cut to `max_chars` code points ending in "…" (never splitting a UTF-8 sequence).
// Escaping is left to each output's writer.
std::string clean_source_line(std::string_view line, size_t max_chars);

}  // namespace sciagraph::report
