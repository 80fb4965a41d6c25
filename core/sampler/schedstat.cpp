#include "schedstat.h"

#include "private_fds.h"
#include "proc_dir.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sciagraph::core::sampler {
namespace {

long open_schedstat(int32_t tid) noexcept
{
    char path[48];
    if (!task_file_path(tid, "schedstat", path, sizeof path)) {
        return -1;
    }
    return syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
}

long read_whole(long fd, char* buffer, size_t size) noexcept
{
    return syscall(SYS_pread64, fd, buffer, size, 0);
}

// The files held open by the sampler thread (which has a private table). There is one sampler
// thread at a time; a new one (a fork child's, a restarted one) starts from an empty set
// without closing anything: the old numbers were in the old thread's table, which is gone (or
// in the parent). A small set with least-recently-used eviction: the threads read are those
// that ran since the last tick, rarely more than a few dozen.
struct HeldFile {
    int32_t tid;
    long fd;
    uint32_t last_used;  // the value of `clock` at its last read
};

constexpr size_t kMaxHeld = 64;
// A file unread for this many reads (of any thread) belongs to a thread that ended or sleeps:
// closed by the next sweep.
constexpr uint32_t kIdleReads = 4096;
constexpr uint32_t kSweepEvery = 1024;

struct HeldFiles {
    HeldFile files[kMaxHeld];
    size_t count = 0;
    uint32_t clock = 0;
};

HeldFiles g_held;                       // touched by the sampler thread alone
thread_local bool t_held_mine = false;  // g_held was reset by this thread

void forget(HeldFiles& held, size_t index) noexcept
{
    syscall(SYS_close, held.files[index].fd);
    held.files[index] = held.files[--held.count];
}

void sweep(HeldFiles& held) noexcept
{
    for (size_t i = 0; i < held.count;) {
        if (held.clock - held.files[i].last_used > kIdleReads) {
            forget(held, i);
        } else {
            ++i;
        }
    }
}

long read_held(int32_t tid, char* buffer, size_t size) noexcept
{
    HeldFiles& held = g_held;
    if (++held.clock % kSweepEvery == 0) {
        sweep(held);
    }
    for (size_t i = 0; i < held.count; ++i) {
        if (held.files[i].tid == tid) {
            const long got = read_whole(held.files[i].fd, buffer, size);
            if (got > 0) {
                held.files[i].last_used = held.clock;
                return got;
            }
            forget(held, i);  // its thread ended: the TID may be a new thread's now
            break;
        }
    }
    const long fd = open_schedstat(tid);
    if (fd < 0) {
        return -1;
    }
    const long got = read_whole(fd, buffer, size);
    if (got <= 0) {
        syscall(SYS_close, fd);
        return got;
    }
    if (held.count == kMaxHeld) {
        size_t oldest = 0;
        for (size_t i = 1; i < held.count; ++i) {
            if (held.clock - held.files[i].last_used > held.clock - held.files[oldest].last_used) {
                oldest = i;
            }
        }
        forget(held, oldest);
    }
    held.files[held.count++] = HeldFile{tid, fd, held.clock};
    return got;
}

// Reads the file whole (it is one short line) into `buffer`; returns its length or -1.
long read_schedstat(int32_t tid, char* buffer, size_t size) noexcept
{
    if (tid <= 0) {
        return -1;
    }
    if (thread_has_private_fd_table()) {
        if (!t_held_mine) {
            g_held.count = 0;
            t_held_mine = true;
        }
        return read_held(tid, buffer, size);
    }
    const long fd = open_schedstat(tid);
    if (fd < 0) {
        return -1;
    }
    const long got = read_whole(fd, buffer, size);
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
size_t held_schedstat_files() noexcept
{
    return t_held_mine ? g_held.count : 0;
}

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
