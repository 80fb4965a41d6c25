// core/safe_read.cpp — fault-safe reads of our own memory.
//
// First choice: process_vm_readv on our own pid (EFAULT instead of SIGSEGV, one syscall, no
// ptrace capability needed for oneself). Where it is denied (seccomp, old kernels), the kernel
// still checks user pointers on write(2): writing `src` into a pipe fails with EFAULT when a
// byte is unmapped, and reading the pipe back gives the bytes. The mode is probed on first use.
#include "safe_read.h"

#include "sampler/private_fds.h"
#include "spinlock.h"

#include <atomic>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

namespace sciagraph::core {
namespace {

enum class Mode : int { Unprobed, VmReadv, Pipe, Unavailable };

std::atomic<Mode> g_mode{Mode::Unprobed};

// The pipe fallback's state. One reader at a time: the bytes written must be the bytes read.
struct PipeState {
    SpinLock lock;
    int fds[2] = {-1, -1};
    ino_t inode = 0;  // to notice a job that closed our fds and reused their numbers
    pid_t owner = 0;  // a fork child must not share the parent's pipe
};
PipeState g_pipe;          // in the job's descriptor table
PipeState g_private_pipe;  // in the sampler thread's own table (see sampler/private_fds.h)

// A thread with a descriptor table of its own uses its own pipe: its numbers mean nothing in
// the job's table, and the job's mean nothing in its own.
PipeState& pipe_state() noexcept
{
    return sampler::thread_has_private_fd_table() ? g_private_pipe : g_pipe;
}

// Reads below the first page are never valid and often mean a NULL-based garbage pointer.
constexpr uintptr_t kLowestValid = 4096;
// A pipe holds at least one page; chunks of that size never block a non-blocking write.
constexpr size_t kPipeChunk = 4096;

bool address_range_plausible(uintptr_t src, size_t size) noexcept
{
    return src >= kLowestValid && src + size >= src;
}

// Our pid, for process_vm_readv. Not cached process-wide: after a fork that bypasses the fork
// handlers (a raw clone) a cached pid would name the parent, and process_vm_readv would silently
// read the parent's memory. A thread that never forks may pin it in its own thread-local copy:
// the sampler thread does (it makes most safe reads, a few dozen per tick), and a thread lives
// in one process for ever. A fork child's only thread is the one that called fork, never it.
thread_local pid_t t_pinned_pid = 0;

pid_t self_pid() noexcept
{
    const pid_t pinned = t_pinned_pid;
    return pinned != 0 ? pinned : getpid();
}

bool vm_readv(void* dst, uintptr_t src, size_t size) noexcept
{
    iovec local{dst, size};
    iovec remote{reinterpret_cast<void*>(src), size};
    ssize_t got = process_vm_readv(self_pid(), &local, 1, &remote, 1, 0);
    return got == static_cast<ssize_t>(size);
}

// Up to kBatch pieces in one process_vm_readv, skipping those `ok` already refused. The kernel
// copies the pieces in order and stops at the first unreadable byte, returning what it copied:
// the pieces before that point are complete, the one it stopped in has failed, and the rest
// are retried by the caller. Returns the index of the first piece not yet decided.
constexpr size_t kBatch = 64;

size_t
vm_readv_batch(const ReadPiece* pieces, size_t begin, size_t count, bool* ok, pid_t pid) noexcept
{
    iovec local[kBatch];
    iovec remote[kBatch];
    size_t index[kBatch];
    size_t used = 0;
    size_t wanted = 0;
    size_t next = begin;
    for (; next < count && used < kBatch; ++next) {
        const ReadPiece& piece = pieces[next];
        if (piece.size == 0 || !ok[next]) {
            continue;  // nothing to read, or refused before the call
        }
        local[used] = iovec{piece.dst, piece.size};
        remote[used] = iovec{reinterpret_cast<void*>(piece.src), piece.size};
        index[used++] = next;
        wanted += piece.size;
    }
    if (used == 0) {
        return next;
    }
    ssize_t got = process_vm_readv(pid, local, used, remote, used, 0);
    size_t copied = got > 0 ? static_cast<size_t>(got) : 0;
    if (copied == wanted) {
        return next;
    }
    // Every piece wholly inside `copied` is done; the one it ends in (or the first, when
    // nothing was copied) failed; the pieces after it get another call.
    for (size_t i = 0; i < used; ++i) {
        size_t size = pieces[index[i]].size;
        if (copied < size) {
            ok[index[i]] = false;
            return index[i] + 1;
        }
        copied -= size;
    }
    return next;
}

bool fd_is_our_pipe(int fd, ino_t inode) noexcept
{
    struct stat st {};
    return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && st.st_ino == inode;
}

// Called with state.lock held. Opens a fresh pipe when there is none, when we are a fork child,
// or when the job closed our fds (their numbers may now belong to the job: never close those).
bool ensure_pipe(PipeState& state) noexcept
{
    pid_t self = getpid();
    bool usable = state.fds[0] >= 0 && state.owner == self &&
                  fd_is_our_pipe(state.fds[0], state.inode) &&
                  fd_is_our_pipe(state.fds[1], state.inode);
    if (usable) {
        return true;
    }
    if (state.fds[0] >= 0 && state.owner != self && fd_is_our_pipe(state.fds[0], state.inode)) {
        // Inherited from the parent and still ours: close our copies, keep the parent's intact.
        close(state.fds[0]);
        close(state.fds[1]);
    }
    state.fds[0] = state.fds[1] = -1;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        return false;
    }
    struct stat st {};
    if (fstat(fds[0], &st) != 0) {
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    state.fds[0] = fds[0];
    state.fds[1] = fds[1];
    state.inode = st.st_ino;
    state.owner = self;
    return true;
}

void drain_pipe(PipeState& state) noexcept
{
    char sink[256];
    while (read(state.fds[0], sink, sizeof sink) > 0) {
    }
}

// One chunk through the pipe. Called with state.lock held.
bool pipe_read_chunk(PipeState& state, char* dst, uintptr_t src, size_t size) noexcept
{
    for (int attempt = 0; attempt < 2; ++attempt) {
        ssize_t wrote = write(state.fds[1], reinterpret_cast<const void*>(src), size);
        if (wrote == static_cast<ssize_t>(size)) {
            size_t got = 0;
            while (got < size) {
                ssize_t n = read(state.fds[0], dst + got, size - got);
                if (n <= 0) {
                    drain_pipe(state);
                    return false;
                }
                got += static_cast<size_t>(n);
            }
            return true;
        }
        if (wrote > 0) {
            drain_pipe(state);  // partial: the tail was unreadable
            return false;
        }
        if (errno == EAGAIN) {
            drain_pipe(state);  // stale bytes from an earlier failure: empty it and try once more
            continue;
        }
        if (errno == EBADF && attempt == 0 && ensure_pipe(state)) {
            continue;
        }
        return false;  // EFAULT: the memory is not readable
    }
    return false;
}

bool pipe_read(void* dst, uintptr_t src, size_t size) noexcept
{
    PipeState& state = pipe_state();
    SpinLockGuard guard(state.lock);
    if (!ensure_pipe(state)) {
        return false;
    }
    auto* out = static_cast<char*>(dst);
    for (size_t done = 0; done < size; done += kPipeChunk) {
        size_t chunk = size - done < kPipeChunk ? size - done : kPipeChunk;
        if (!pipe_read_chunk(state, out + done, src + done, chunk)) {
            return false;
        }
    }
    return true;
}

Mode probe() noexcept
{
    static const uint64_t probe_value = 0x5c1a'9a9f'0000'0001;
    uint64_t copy = 0;
    Mode mode = Mode::Unavailable;
    if (vm_readv(&copy, reinterpret_cast<uintptr_t>(&probe_value), sizeof copy) &&
        copy == probe_value) {
        mode = Mode::VmReadv;
    } else if (pipe_read(&copy, reinterpret_cast<uintptr_t>(&probe_value), sizeof copy) &&
               copy == probe_value) {
        mode = Mode::Pipe;
    }
    // Two threads probing at once reach the same answer; the last store wins harmlessly.
    g_mode.store(mode, std::memory_order_release);
    return mode;
}

}  // namespace

bool safe_read(void* dst, uintptr_t src, size_t size) noexcept
{
    if (size == 0) {
        return true;
    }
    if (!address_range_plausible(src, size)) {
        return false;
    }
    Mode mode = g_mode.load(std::memory_order_acquire);
    if (mode == Mode::Unprobed) {
        mode = probe();
    }
    switch (mode) {
    case Mode::VmReadv:
        return vm_readv(dst, src, size);
    case Mode::Pipe:
        return pipe_read(dst, src, size);
    default:
        return false;
    }
}

size_t safe_read_pieces(const ReadPiece* pieces, size_t count, bool* ok) noexcept
{
    for (size_t i = 0; i < count; ++i) {
        ok[i] = pieces[i].size == 0 || address_range_plausible(pieces[i].src, pieces[i].size);
    }
    Mode mode = g_mode.load(std::memory_order_acquire);
    if (mode == Mode::Unprobed) {
        mode = probe();
    }
    if (mode == Mode::VmReadv) {
        pid_t self = self_pid();  // once per call
        for (size_t begin = 0; begin < count;) {
            begin = vm_readv_batch(pieces, begin, count, ok, self);
        }
    } else {
        for (size_t i = 0; i < count; ++i) {
            ok[i] = ok[i] && safe_read(pieces[i].dst, pieces[i].src, pieces[i].size);
        }
    }
    size_t read = 0;
    for (size_t i = 0; i < count; ++i) {
        read += ok[i] ? 1 : 0;
    }
    return read;
}

namespace detail {
void safe_read_fork_prepare() noexcept
{
    g_pipe.lock.lock();
}

void safe_read_fork_parent() noexcept
{
    g_pipe.lock.unlock();
}

// The child opens its own pipe on first use (ensure_pipe() compares the owner pid). The private
// pipe belonged to the parent's sampler thread, whose table the child never had: forget it (the
// lock is not taken around fork, so it may have been copied held).
void safe_read_fork_child() noexcept
{
    g_pipe.lock.reset_in_child();
    g_private_pipe.lock.reset_in_child();
    g_private_pipe.fds[0] = g_private_pipe.fds[1] = -1;
    g_private_pipe.owner = 0;
    t_pinned_pid = 0;  // a forking thread never pins; should one have, it is in a new process
}

// For a thread that never calls fork (the sampler thread): getpid() once, here.
void safe_read_pin_pid_for_this_thread() noexcept
{
    t_pinned_pid = getpid();
}

pid_t safe_read_self_pid() noexcept
{
    return self_pid();
}

// For tests: force the pipe fallback (true) or re-probe (false).
void safe_read_force_pipe_for_testing(bool force) noexcept
{
    g_mode.store(force ? Mode::Pipe : Mode::Unprobed, std::memory_order_release);
}
}  // namespace detail

}  // namespace sciagraph::core
