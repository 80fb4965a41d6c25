// report/read/source_lines.cpp — see source_lines.h.
#include "source_lines.h"

#include "text.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sciagraph::report {
namespace {

namespace fs = std::filesystem;

// The file's bytes when it is a regular file of at most `limit` bytes; nullopt otherwise.
// O_NONBLOCK: a FIFO planted at a frame's file name must not hang the render.
std::optional<std::string> read_small_regular_file(const std::string& path, size_t limit)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        return std::nullopt;
    }
    struct stat st {};
    std::optional<std::string> text;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
        static_cast<uint64_t>(st.st_size) <= limit) {
        std::string buf(static_cast<size_t>(st.st_size), '\0');
        size_t got = 0;
        while (got < buf.size()) {
            const ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            got += static_cast<size_t>(n);
        }
        buf.resize(got);  // a file that shrank while read: what was there
        text = std::move(buf);
    }
    ::close(fd);
    return text;
}

}  // namespace

std::optional<FrameLocation> parse_frame_location(std::string_view name)
{
    // The first " (": a path may hold " (" (a folder named "x (copy)"), a function name not.
    const size_t open = name.find(" (");
    if (open == std::string_view::npos || name.size() < open + 6 || name.back() != ')') {
        return std::nullopt;
    }
    const std::string_view inner = name.substr(open + 2, name.size() - open - 3);
    const size_t colon = inner.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == inner.size() ||
        inner.size() - colon - 1 > 9) {
        return std::nullopt;
    }
    uint32_t line = 0;
    for (const char c : inner.substr(colon + 1)) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        line = line * 10 + static_cast<uint32_t>(c - '0');
    }
    const std::string_view file = inner.substr(0, colon);
    if (line == 0 || file.front() == '<') {
        return std::nullopt;  // no file behind it: <frozen ...>, <string>, <stdin>
    }
    return FrameLocation{file, line};
}

const SourceFiles::File& SourceFiles::load(const std::string& path)
{
    if (const auto it = files_.find(path); it != files_.end()) {
        return it->second;
    }
    File file;
    ++files_opened_;
    std::error_code ec;
    file.modified = fs::last_write_time(path, ec);
    auto text = ec ? std::nullopt : read_small_regular_file(path, kMaxFileBytes);
    // A NUL byte: not source code (a compiled module, a data file named like one).
    if (text && std::memchr(text->data(), '\0', text->size()) == nullptr) {
        file.readable = true;
        file.text = std::move(*text);
        file.line_starts.push_back(0);
        for (size_t i = 0; i < file.text.size(); ++i) {
            if (file.text[i] == '\n' && i + 1 < file.text.size()) {
                file.line_starts.push_back(static_cast<uint32_t>(i + 1));
            }
        }
    }
    const size_t cost = file.text.size() + file.line_starts.size() * 4 + path.size() + 64;
    if (cached_bytes_ + cost > kMaxCachedBytes) {
        files_.clear();
        cached_bytes_ = 0;
    }
    cached_bytes_ += cost;
    return files_.emplace(path, std::move(file)).first->second;
}

std::string SourceFiles::line(const FrameLocation& at, const SourceContext& context)
{
    try {
        fs::path path(at.file);
        if (path.is_relative()) {
            if (context.cwd.empty()) {
                return {};
            }
            path = context.cwd / path;
        }
        const File& file = load(path.string());
        if (!file.readable || at.line == 0 || at.line > file.line_starts.size()) {
            return {};
        }
        if (context.started && file.modified > *context.started + kStartSlack) {
            return {};  // edited after the process started: this line may not be the one that ran
        }
        const size_t begin = file.line_starts[at.line - 1];
        const size_t end =
            at.line < file.line_starts.size() ? file.line_starts[at.line] : file.text.size();
        std::string_view text(file.text.data() + begin, end - begin);
        if (!text.empty() && text.back() == '\n') {
            text.remove_suffix(1);
        }
        return clean_source_line(text, kMaxLineChars);
    } catch (...) {
        return {};  // a path the library refuses, memory: no line, as for a missing file
    }
}

FrameSources::FrameSources(const CallTree& tree, SourceFiles& files, SourceContext context)
    : tree_(tree), files_(files), context_(std::move(context)), slot_(tree.name_count(), 0)
{}

std::string_view FrameSources::line(uint32_t name_id)
{
    if (name_id >= slot_.size()) {
        return {};
    }
    if (slot_[name_id] == 0) {
        slot_[name_id] = 1;
        if (const auto at = parse_frame_location(tree_.name(name_id))) {
            std::string text = files_.line(*at, context_);
            if (!text.empty()) {
                lines_.push_back(std::move(text));
                slot_[name_id] = static_cast<uint32_t>(lines_.size() + 1);
            }
        }
    }
    return slot_[name_id] == 1 ? std::string_view() : std::string_view(lines_[slot_[name_id] - 2]);
}

}  // namespace sciagraph::report
