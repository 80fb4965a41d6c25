#include "record.h"

#include "arena.h"
#include "disable.h"
#include "dump_format.h"
#include "failpoints.h"
#include "plain_text.h"
#include "settings.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

namespace sciagraph::core {
namespace {

// The whole record's address range is reserved at once (the file grows inside it), so nothing
// that points into it ever moves.
constexpr size_t kMappedBytes = record::kHeaderBytes + record::kMaxLogBytes;
constexpr size_t kFirstBytes = size_t{256} * 1024;  // header, block 0 and the first frames
constexpr size_t kGrowBytes = size_t{1024} * 1024;
constexpr size_t kPrewrittenBytes = size_t{16} * 1024;  // see create_file()
constexpr uint64_t kCpuRefreshNs = 1'000'000'000;

record::Header g_static_header;  // before record_open(), and in the unit tests

struct State {
    record::Header* header = &g_static_header;
    unsigned char* base = nullptr;
    size_t capacity = 0;  // bytes of the mapping backed by the file (or all, in memory)
    bool on_disk = false;
    uint64_t log_end = 0;   // committed; a private copy, so a fork child knows its own
    uint64_t reserved = 0;  // bytes of the record being written, until record_commit()
    dev_t dev = 0;
    ino_t ino = 0;
    char path[1200] = {};
    char dir[1100] = {};
};
State g;

uint64_t clock_ns(clockid_t clock) noexcept
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// mmap through the system call: the hooks must not see the core's own mappings.
void* map_raw(void* addr, size_t bytes, int flags, int fd) noexcept
{
    long r = syscall(SYS_mmap, addr, bytes, PROT_READ | PROT_WRITE, flags, fd, 0);
    return r == -1 ? nullptr : reinterpret_cast<void*>(r);
}

const char kZeros[4096] = {};

// Reserves disk blocks for [from, to) of the file. Writing to a shared mapping over a hole
// raises SIGBUS when the disk is full; over allocated blocks it cannot. fallocate says ENOSPC
// instead; where a filesystem lacks it, zeros written with pwrite allocate the same way.
bool allocate(int fd, size_t from, size_t to) noexcept
{
    if (from >= to) {
        return true;
    }
    if (failpoint(Failpoint::RecordFile)) {
        errno = ENOSPC;
        return false;
    }
    if (fallocate(fd, 0, static_cast<off_t>(from), static_cast<off_t>(to - from)) == 0) {
        return true;
    }
    if (errno != EOPNOTSUPP && errno != ENOSYS) {
        return false;
    }
    for (size_t at = from; at < to;) {
        size_t n = to - at < sizeof kZeros ? to - at : sizeof kZeros;
        ssize_t w = pwrite(fd, kZeros, n, static_cast<off_t>(at));
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return false;
        }
        at += static_cast<size_t>(w);
    }
    return true;
}

// A new, empty file of ours at g.path (O_EXCL: nothing planted there is ever written through),
// `bytes` allocated. Returns the descriptor, or -1.
int create_file(size_t bytes) noexcept
{
    constexpr int kFlags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    // A leftover at the name is removed only when there is one: an unlink before every open
    // cost each process a failed path walk (~60 µs on the 2-core VMs here) for nothing.
    int fd = open(g.path, kFlags, 0644);
    if (fd < 0 && errno == EEXIST && (unlink(g.path) == 0 || errno == ENOENT)) {
        fd = open(g.path, kFlags, 0644);
    }
    if (fd < 0) {
        return -1;
    }
    struct stat st {};
    if (!allocate(fd, 0, bytes) || fstat(fd, &st) != 0) {
        close(fd);
        unlink(g.path);
        return -1;
    }
    // The header's page and the log's first pages are written by every process, through the
    // mapping: a first write there to a block fallocate left unwritten cost ~90 µs a page,
    // ~25 µs to one written beforehand (ext4, 2-core VM). The blocks are reserved already, so a
    // failure here changes nothing but that.
    iovec pages[kPrewrittenBytes / sizeof kZeros];
    for (iovec& page : pages) {
        page = {const_cast<char*>(kZeros), sizeof kZeros};
    }
    if (bytes >= kPrewrittenBytes) {
        (void)!pwritev(fd, pages, sizeof pages / sizeof pages[0], 0);
    }
    g.dev = st.st_dev;
    g.ino = st.st_ino;
    return fd;
}

void set_path_for_this_process() noexcept
{
    char pid[24];
    join(g.path, sizeof g.path,
         {g.dir, "/", format_u64(pid, static_cast<uint64_t>(getpid())), record::kFileSuffix});
}

void init_header(record::Header& h) noexcept
{
    std::memcpy(h.magic, record::kMagic, sizeof h.magic);
    h.version = record::kFormatVersion;
    h.header_size = sizeof(record::Header);
    h.pid = static_cast<uint32_t>(getpid());
    h.ppid = static_cast<uint32_t>(getppid());
    h.state = static_cast<uint32_t>(record::State::Recording);
    h.has_exit_status = 0;
    h.time_hz = settings().time_hz;
    h.sample_interval = settings().sample_bytes;
    h.start_monotonic_ns = clock_ns(CLOCK_MONOTONIC);
    h.start_realtime_ns = clock_ns(CLOCK_REALTIME);
    h.updated_monotonic_ns = h.start_monotonic_ns;
}

// Grows the file so that `needed` bytes of the mapping are backed. Reopens the file by its
// path rather than keeping a descriptor: a job that closes every descriptor (daemon code does)
// must not make us write into a file of its own that took the number. The inode check refuses
// a file that is no longer ours.
bool grow(size_t needed) noexcept
{
    if (needed <= g.capacity) {
        return true;
    }
    if (!g.on_disk || needed > kMappedBytes) {
        return false;
    }
    size_t step = g.capacity / 4 > kGrowBytes ? g.capacity / 4 : kGrowBytes;
    size_t target = (needed + step + 4095) & ~size_t{4095};
    target = target > kMappedBytes ? kMappedBytes : target;
    int fd = open(g.path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    struct stat st {};
    bool ok = fstat(fd, &st) == 0 && st.st_dev == g.dev && st.st_ino == g.ino &&
              allocate(fd, g.capacity, target);
    close(fd);
    if (ok) {
        g.capacity = target;
    }
    return ok;
}

}  // namespace

record::Header& record_header() noexcept
{
    return *g.header;
}

bool record_active() noexcept
{
    return g.base != nullptr;
}

bool record_on_disk() noexcept
{
    return g.on_disk;
}

bool record_open(const char* dump_dir) noexcept
{
    join(g.dir, sizeof g.dir, {dump_dir});
    set_path_for_this_process();
    // A record left at this name belongs to an earlier image of this pid (an exec) or a dead
    // process whose pid came round again: ours replaces it, as the final dump would.
    int fd = create_file(kFirstBytes);
    int error = errno;
    if (fd >= 0) {
        g.base = static_cast<unsigned char*>(map_raw(nullptr, kMappedBytes, MAP_SHARED, fd));
        error = errno;
        close(fd);
        if (g.base != nullptr) {
            g.on_disk = true;
            g.capacity = kFirstBytes;
        } else {
            unlink(g.path);
        }
    }
    if (g.base == nullptr) {
        // No file: the same layout in memory, so the rest of the core does not care.
        char line[300];
        join(line, sizeof line,
             {"the live profile record cannot be kept on disk (", std::strerror(error),
              "): a process killed before its exit leaves only its last periodic dump"});
        print_line(line);
        g.base = static_cast<unsigned char*>(raw_map(kMappedBytes));
        if (g.base == nullptr) {
            return false;
        }
        g.capacity = kMappedBytes;
    }
    auto* header = reinterpret_cast<record::Header*>(g.base);
    *header = g_static_header;  // totals counted before now (none in a job; tests may have some)
    init_header(*header);
    g.header = header;
    return true;
}

void* record_reserve(record::Kind kind, size_t payload) noexcept
{
    if (g.base == nullptr) {
        return nullptr;
    }
    uint64_t bytes = record::align8(sizeof(record::RecordHead) + payload);
    if (g.log_end + bytes > record::kMaxLogBytes ||
        !grow(record::kHeaderBytes + g.log_end + bytes)) {
        return nullptr;
    }
    auto* head = reinterpret_cast<record::RecordHead*>(g.base + record::kHeaderBytes + g.log_end);
    head->kind = static_cast<uint32_t>(kind);
    head->size = static_cast<uint32_t>(payload);
    g.reserved = bytes;
    return head + 1;
}

void record_commit() noexcept
{
    g.log_end += g.reserved;
    g.reserved = 0;
    std::atomic_ref<uint64_t>(g.header->log_end).store(g.log_end, std::memory_order_release);
}

unsigned char* record_put_string(unsigned char* at, const char* text, uint32_t length) noexcept
{
    std::memcpy(at, &length, sizeof length);
    std::memcpy(at + sizeof length, static_cast<const void*>(text), length);
    return at + sizeof length + length;
}

bool record_meta(const char* key, const char* value) noexcept
{
    uint32_t key_len = static_cast<uint32_t>(std::strlen(key));
    uint32_t value_len = static_cast<uint32_t>(std::strlen(value));
    auto* p = static_cast<unsigned char*>(
        record_reserve(record::Kind::Meta, 8 + size_t{key_len} + value_len));
    if (p == nullptr) {
        return false;
    }
    record_put_string(record_put_string(p, key, key_len), value, value_len);
    record_commit();
    return true;
}

void record_disabled(const char* reason) noexcept
{
    record::Header& h = *g.header;
    if (h.disabled_reason[0] == '\0' && reason != nullptr) {
        join(h.disabled_reason, sizeof h.disabled_reason, {reason});
    }
}

void record_exit_status(int status) noexcept
{
    g.header->exit_status = static_cast<uint32_t>(status & 0xff);
    g.header->has_exit_status = 1;
}

void record_exit(bool final_dump_written) noexcept
{
    if (g.base == nullptr) {
        return;
    }
    g.header->state = static_cast<uint32_t>(record::State::Exited);
    if (final_dump_written && g.on_disk) {
        // The final dump holds everything the record does, and more.
        unlink(g.path);
    }
}

void record_after_fork_child() noexcept
{
    if (g.base == nullptr) {
        return;
    }
    // Whatever happens below, the parent's file must not be written again from here.
    g.log_end = 0;
    g.reserved = 0;
    set_path_for_this_process();
    bool remapped = false;
    if (g.on_disk) {
        int fd = create_file(kFirstBytes);
        if (fd >= 0) {
            remapped = map_raw(g.base, kMappedBytes, MAP_SHARED | MAP_FIXED, fd) != nullptr;
            close(fd);
            if (!remapped) {
                unlink(g.path);
            }
        }
    }
    if (remapped) {
        g.capacity = kFirstBytes;
    } else {
        // Private memory at the same address: the child profiles on, like a process without
        // a file, and the parent's file stays the parent's.
        if (g.on_disk &&
            map_raw(g.base, kMappedBytes, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
                    -1) == nullptr) {
            // Cannot happen short of an exhausted address space; never touch it again.
            g.base = nullptr;
            g.header = &g_static_header;
            g.on_disk = false;
            return;
        }
        std::memset(g.base, 0, record::kHeaderBytes);
        g.on_disk = false;
        g.capacity = kMappedBytes;
    }
    std::memset(g.header, 0, sizeof(record::Header));
    init_header(*g.header);
}

bool record_process_meta() noexcept
{
    char version[32];
    python_version_text(version, sizeof version);
    static char command[20000];  // at start-up and in a fork child: one thread
    command_json(command, sizeof command);
    return record_meta(dump::meta::kMode, mode_name(settings().mode)) &&
           record_meta(dump::meta::kPythonVersion, version) &&
           record_meta(dump::meta::kCommand, command) &&
           (*start_cwd() == '\0' || record_meta(dump::meta::kCwd, start_cwd()));
}

void record_refresh(const RecordCounts& counts) noexcept
{
    record::Header& h = *g.header;
    auto store = [](uint64_t& field, uint64_t value) {
        std::atomic_ref<uint64_t>(field).store(value, std::memory_order_relaxed);
    };
    store(h.memory_samples, counts.memory_samples);
    store(h.time_samples, counts.time_samples);
    store(h.time_failed_reads, counts.time_failed_reads);
    store(h.sampler_cpu_ns, counts.sampler_cpu_ns);
    const uint64_t now = clock_ns(CLOCK_MONOTONIC);
    std::atomic_ref<uint64_t>(h.updated_monotonic_ns).store(now, std::memory_order_relaxed);
    // The process clock sums every thread in the kernel (0.2-0.4 ms with a thousand threads, 2-4%
    // of a core at every tick): the CPU of a process that dies is told to a second.
    // Called by the sampler thread alone.
    static uint64_t s_cpu_read_ns = 0;
    if (now - s_cpu_read_ns >= kCpuRefreshNs || s_cpu_read_ns == 0) {
        s_cpu_read_ns = now;
        std::atomic_ref<uint64_t>(h.cpu_ns).store(clock_ns(CLOCK_PROCESS_CPUTIME_ID),
                                                  std::memory_order_relaxed);
    }
}

}  // namespace sciagraph::core
