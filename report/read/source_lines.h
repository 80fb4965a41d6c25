// report/read/source_lines.h — the line of code a frame stands for, read from its source file when
// the report is rendered (as Fil does), for the tooltips and the top-lines table of index.html
// and the <title>s of the SVGs. The folded files never carry it: their frames stay
// `function (file:line)`, the data contract.
//
// A file is read at most once per render, however many processes and graphs name it (the
// processes of one run mostly share their files: a pool of a thousand workers reads pandas
// once, not a thousand times). Only a regular file of at most kMaxFileBytes with no NUL byte is
// read. A missing, unreadable, special, binary or too large file, a line past its end, or a file
// modified after its process started gives no line, and the frame is shown as it always was.
#pragma once

#include "call_tree.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sciagraph::report {

struct FrameLocation {
    std::string_view file;
    uint32_t line = 0;
};
// The file and line of a Python frame's name, "function (file:line)"; nullopt for pseudo-frames
// ("[native thread]"), frames of code with no file ("<frozen ...>", "<string>") and names of any
// other shape.
std::optional<FrameLocation> parse_frame_location(std::string_view name);

// What a process's file names mean.
struct SourceContext {
    // The job's working directory, which its relative file names start from (Python records
    // `mod.py` for a module found through '' in sys.path). Empty: relative names are not read.
    std::filesystem::path cwd;
    // When the process started: a file modified later was edited after the process read it,
    // so its lines may not be the ones that ran. Unknown: not checked.
    std::optional<std::filesystem::file_time_type> started;
};

// The files read in one render, by path.
class SourceFiles {
public:
    static constexpr size_t kMaxFileBytes = 4u << 20;  // larger: generated code, not read
    static constexpr size_t kMaxLineChars = 200;       // a longer line is cut, ending in "…"
    // Beyond this the cache starts again empty, so a render's memory stays bounded.
    static constexpr size_t kMaxCachedBytes = 256u << 20;
    // A file modified up to this long after its process's start still counts as unchanged:
    // the start is estimated from the dump's own time stamp, to a few milliseconds.
    static constexpr std::chrono::seconds kStartSlack{1};

    // Line `at.line` (1-based) of `at.file`, cleaned (text.h: clean_source_line); empty when
    // there is none to show. Never throws.
    std::string line(const FrameLocation& at, const SourceContext& context);

    // How many times a file was opened (each distinct path once, unless the cache was reset).
    size_t files_opened() const { return files_opened_; }

private:
    struct File {
        bool readable = false;
        std::filesystem::file_time_type modified;
        std::string text;
        std::vector<uint32_t> line_starts;  // byte offset of each line's first character
    };
    const File& load(const std::string& path);

    std::unordered_map<std::string, File> files_;
    size_t cached_bytes_ = 0;
    size_t files_opened_ = 0;
};

// The source lines of one tree's frames, each looked up the first time an output asks for it
// (an output draws a few hundred of a tree's names, not all of them).
class FrameSources {
public:
    FrameSources(const CallTree& tree, SourceFiles& files, SourceContext context);

    // The line of the frame named `name_id` in the tree; empty when there is none.
    std::string_view line(uint32_t name_id);

private:
    const CallTree& tree_;
    SourceFiles& files_;
    SourceContext context_;
    std::vector<uint32_t> slot_;  // per name id: 0 not looked up, 1 none, k + 2: lines_[k]
    std::deque<std::string> lines_;
};

}  // namespace sciagraph::report
