#include "schedstat.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sciagraph::core::sampler {
namespace {

// "/proc/self/task/" + up to 10 digits + "/schedstat" + NUL.
constexpr char kPrefix[] = "/proc/self/task/";
constexpr char kSuffix[] = "/schedstat";
constexpr size_t kPathMax = sizeof kPrefix + 10 + sizeof kSuffix;

char* append(char* out, const char* text) noexcept
{
    while (*text != '\0') {
        *out++ = *text++;
    }
    return out;
}

void schedstat_path(int32_t tid, char (&path)[kPathMax]) noexcept
{
    char* out = append(path, kPrefix);
    char digits[10];
    int count = 0;
    auto value = static_cast<uint32_t>(tid);
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0 && count < 10);
    while (count > 0) {
        *out++ = digits[--count];
    }
    out = append(out, kSuffix);
    *out = '\0';
}

// Reads the file whole (it is one short line) into `buffer`; returns its length or -1.
long read_schedstat(int32_t tid, char* buffer, size_t size) noexcept
{
    if (tid <= 0) {
        return -1;
    }
    char path[kPathMax];
    schedstat_path(tid, path);
    const long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    const long got = syscall(SYS_read, fd, buffer, size);
    syscall(SYS_close, fd);
    return got;
}

const char* parse_number(const char* text, const char* end, int64_t& out) noexcept
{
    if (text == end || *text < '0' || *text > '9') {
        return nullptr;
    }
    uint64_t value = 0;
    for (; text != end && *text >= '0' && *text <= '9'; ++text) {
        if (value > (static_cast<uint64_t>(INT64_MAX) - 9) / 10) {
            return nullptr;
        }
        value = value * 10 + static_cast<uint64_t>(*text - '0');
    }
    out = static_cast<int64_t>(value);
    return text;
}

}  // namespace

namespace detail {
bool parse_schedstat(const char* text, long size, SchedStat& out) noexcept
{
    if (size <= 0) {
        return false;
    }
    const char* end = text + size;
    int64_t* fields[] = {&out.cpu_ns, &out.runq_ns, &out.slices};
    const char* at = text;
    for (size_t i = 0; i < 3; ++i) {
        if (i > 0) {
            if (at == end || *at != ' ') {
                return false;
            }
            ++at;
        }
        at = parse_number(at, end, *fields[i]);
        if (at == nullptr) {
            return false;
        }
    }
    return true;
}
}  // namespace detail

int64_t read_run_queue_ns(int32_t tid) noexcept
{
    char buffer[96];
    const long got = read_schedstat(tid, buffer, sizeof buffer);
    detail::SchedStat stat{};
    return detail::parse_schedstat(buffer, got, stat) ? stat.runq_ns : -1;
}

bool run_queue_time_available() noexcept
{
    char buffer[96];
    const long got = read_schedstat(static_cast<int32_t>(gettid()), buffer, sizeof buffer);
    detail::SchedStat stat{};
    // A thread that reads a file is on a core: the kernel counted its arrival there (the CPU
    // total may still read 0 in a thread's first timeslice). Zeros: it keeps no numbers.
    return detail::parse_schedstat(buffer, got, stat) && stat.slices > 0;
}

}  // namespace sciagraph::core::sampler
