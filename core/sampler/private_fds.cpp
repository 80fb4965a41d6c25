#include "private_fds.h"

#include "failpoints.h"
#include "proc_dir.h"

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

}  // namespace

namespace detail {
// Without close_range (kernels before 5.9): close what this thread's table lists. Rereads the
// directory until a pass finds nothing left to close, so closing while listing cannot skip one.
bool close_fds_by_listing() noexcept
{
    for (int pass = 0; pass < 64; ++pass) {
        const long dir = syscall(SYS_openat, AT_FDCWD, "/proc/thread-self/fd",
                                 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) {
            return false;
        }
        bool closed_any = false;
        const bool listed = for_each_numbered_entry(dir, [&](int32_t fd) {
            if (fd >= kFirstInherited && fd != dir) {
                syscall(SYS_close, fd);
                closed_any = true;
            }
        });
        syscall(SYS_close, dir);
        if (!listed) {
            return false;
        }
        if (!closed_any) {
            return true;
        }
    }
    return false;
}
}  // namespace detail

bool close_inherited_fds() noexcept
{
    if (failpoint(Failpoint::SamplerFdTable)) {
        return false;  // as if neither close_range nor the listing could close the copies
    }
    if (syscall(SYS_close_range, kFirstInherited, ~0U, 0) == 0) {
        return true;
    }
    return detail::close_fds_by_listing();
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
