#include "settings.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sciagraph::core {
namespace {

Settings g_settings;

bool parse_uint(const char* begin, const char* end, uint64_t max, uint64_t& out) noexcept
{
    if (begin == end) {
        return false;
    }
    uint64_t value = 0;
    for (const char* p = begin; p != end; ++p) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        value = value * 10 + static_cast<uint64_t>(*p - '0');
        if (value > max) {
            return false;
        }
    }
    out = value;
    return true;
}

bool equals(const char* begin, const char* end, const char* word) noexcept
{
    size_t n = std::strlen(word);
    return static_cast<size_t>(end - begin) == n && std::memcmp(begin, word, n) == 0;
}

bool apply(const char* key,
           const char* key_end,
           const char* value,
           const char* value_end,
           Settings& out) noexcept
{
    uint64_t number = 0;
    if (equals(key, key_end, "mode")) {
        if (equals(value, value_end, "memory")) {
            out.mode = Mode::Memory;
        } else if (equals(value, value_end, "time")) {
            out.mode = Mode::Time;
        } else if (equals(value, value_end, "both")) {
            out.mode = Mode::Both;
        } else {
            return false;
        }
    } else if (equals(key, key_end, "sample_bytes")) {
        if (!parse_uint(value, value_end, uint64_t{1} << 30, number) || number == 0) {
            return false;
        }
        out.sample_bytes = number;
    } else if (equals(key, key_end, "time_hz")) {
        if (!parse_uint(value, value_end, 1000, number) || number == 0) {
            return false;
        }
        out.time_hz = static_cast<unsigned>(number);
    } else if (equals(key, key_end, "persist_ms")) {
        if (!parse_uint(value, value_end, 3600000, number) || number < 10) {
            return false;
        }
        out.persist_ms = static_cast<unsigned>(number);
    } else if (equals(key, key_end, "on_unsupported")) {
        if (equals(value, value_end, "fail")) {
            out.fail_on_unsupported = true;
        } else if (equals(value, value_end, "run-unprofiled")) {
            out.fail_on_unsupported = false;
        } else {
            return false;
        }
    }
    // Unknown keys are ignored: a newer launcher may pass settings an older core lacks.
    return true;
}

}  // namespace

bool parse_settings(const char* settings,
                    const char* dump_dir,
                    const char* launcher_pid,
                    Settings& out,
                    const char** error) noexcept
{
    out = Settings{};
    if (dump_dir == nullptr || dump_dir[0] != '/' ||
        std::strlen(dump_dir) >= sizeof(out.dump_dir)) {
        *error = "SCIAGRAPH_CORE_DUMP_DIR is not set to an absolute path";
        return false;
    }
    std::memcpy(out.dump_dir, dump_dir, std::strlen(dump_dir) + 1);
    if (launcher_pid != nullptr) {
        uint64_t pid = 0;
        if (parse_uint(launcher_pid, launcher_pid + std::strlen(launcher_pid), 1u << 30, pid)) {
            out.launcher_pid = static_cast<long>(pid);
        }
    }
    const char* p = settings != nullptr ? settings : "";
    while (*p != '\0') {
        const char* end = std::strchr(p, ';');
        if (end == nullptr) {
            end = p + std::strlen(p);
        }
        const char* eq =
            static_cast<const char*>(std::memchr(p, '=', static_cast<size_t>(end - p)));
        if (end != p) {
            if (eq == nullptr || !apply(p, eq, eq + 1, end, out)) {
                *error = "SCIAGRAPH_CORE_SETTINGS is malformed";
                return false;
            }
        }
        p = *end == ';' ? end + 1 : end;
    }
    return true;
}

const char* check_dump_dir(const char* dir) noexcept
{
    const int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOTDIR || errno == ELOOP ? "the dump directory is not a directory"
                                                  : "the dump directory cannot be opened";
    }
    struct stat st {};
    const bool stat_ok = fstat(fd, &st) == 0;
    close(fd);
    if (!stat_ok) {
        return "the dump directory cannot be opened";
    }
    if (st.st_uid != geteuid()) {
        return "the dump directory belongs to another user";
    }
    if ((st.st_mode & S_IWOTH) != 0) {
        return "others may write to the dump directory";
    }
    return nullptr;
}

const Settings& settings() noexcept
{
    return g_settings;
}

Settings& mutable_settings() noexcept
{
    return g_settings;
}

const char* mode_name(Mode mode) noexcept
{
    switch (mode) {
    case Mode::Memory:
        return "memory";
    case Mode::Time:
        return "time";
    case Mode::Both:
        return "both";
    }
    return "both";
}

}  // namespace sciagraph::core
