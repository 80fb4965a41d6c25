#include "private_fds.h"

#include <cerrno>
#include <cstdint>

#include <fcntl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436  // Linux 5.9; the number is the same on every architecture
#endif

namespace sciagraph::core::sampler {
namespace {

constexpr int kFirstInherited = 3;

thread_local bool t_private = false;

struct LinuxDirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[1];
};

int parse_fd(const char* name) noexcept
{
    if (*name < '0' || *name > '9') {
        return -1;
    }
    long value = 0;
    for (; *name != '\0'; ++name) {
        if (*name < '0' || *name > '9' || value > 0x7fffffff / 10) {
            return -1;
        }
        value = value * 10 + (*name - '0');
    }
    return static_cast<int>(value);
}

// Without close_range (kernels before 5.9): close what this thread's table lists. Rereads the
// directory until a pass finds nothing left to close, so closing while listing cannot skip one.
bool close_listed_fds() noexcept
{
    for (int pass = 0; pass < 64; ++pass) {
        const long dir = syscall(SYS_openat, AT_FDCWD, "/proc/thread-self/fd",
                                 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) {
            return false;
        }
        bool closed_any = false;
        alignas(8) char buffer[4096];
        for (;;) {
            const long got = syscall(SYS_getdents64, dir, buffer, sizeof buffer);
            if (got < 0) {
                syscall(SYS_close, dir);
                return false;
            }
            if (got == 0) {
                break;
            }
            for (long offset = 0; offset < got;) {
                const auto* entry = reinterpret_cast<const LinuxDirent64*>(buffer + offset);
                offset += entry->d_reclen;
                const int fd = parse_fd(entry->d_name);
                if (fd >= kFirstInherited && fd != dir) {
                    syscall(SYS_close, fd);
                    closed_any = true;
                }
            }
        }
        syscall(SYS_close, dir);
        if (!closed_any) {
            return true;
        }
    }
    return false;
}

}  // namespace

bool close_inherited_fds() noexcept
{
    if (syscall(SYS_close_range, kFirstInherited, ~0U, 0) == 0) {
        return true;
    }
    return close_listed_fds();
}

FdTable make_fd_table_private() noexcept
{
    if (syscall(SYS_unshare, CLONE_FILES) != 0) {
        return FdTable::Shared;
    }
    if (!close_inherited_fds()) {
        return FdTable::CopiesLeftOpen;
    }
    t_private = true;
    return FdTable::Private;
}

bool thread_has_private_fd_table() noexcept
{
    return t_private;
}

}  // namespace sciagraph::core::sampler
