// core/sampler/private_fds.h — the sampler thread's own file descriptor table.
//
// The sampler opens files on every tick (/proc/self/task, schedstat, a thread's stat) and the
// dump writer opens the dump. In the job's descriptor table those take the job's lowest free
// numbers for a moment, and a job that counts on them (open() returning the lowest number, a
// dup2 onto a number it believes free, closerange() followed by a reuse, a fork that lists its
// descriptors) could see ours, or close ours and have us read or close its own. With a table of
// its own (unshare(CLONE_FILES) affects the calling thread only) nothing the sampler opens is
// visible to the job, and nothing the job does to its descriptors reaches the sampler's.
//
// The private table starts as a copy of the job's: every copy above stderr is closed at once,
// or the copies would keep the job's pipes and sockets open after the job closed them (a reader
// waiting for EOF would wait for ever). 0, 1 and 2 stay: messages go to the job's stderr as it
// was when profiling started.
#pragma once

namespace sciagraph::core::sampler {

enum class FdTable {
    Private,         // own table, holding 0, 1 and 2 only
    Shared,          // unshare refused (seccomp, an old kernel): still the job's table
    CopiesLeftOpen,  // own table, but copies of the job's descriptors could not all be closed
};

// For the calling thread. Raw system calls only, no allocation.
FdTable make_fd_table_private() noexcept;

// Whether the calling thread made its table private. Only then may it keep files open between
// ticks (task_list.h, schedstat.h): in the job's table a held descriptor would be one of the
// job's numbers for good.
bool thread_has_private_fd_table() noexcept;

// Closes every descriptor above 2 in the calling thread's table; false if it could not. Split
// out for tests (on a thread that already has its own table).
bool close_inherited_fds() noexcept;

namespace detail {
// The fallback of close_inherited_fds where close_range is missing (Linux before 5.9): closes
// what /proc/thread-self/fd lists. For tests.
bool close_fds_by_listing() noexcept;
}  // namespace detail

}  // namespace sciagraph::core::sampler
