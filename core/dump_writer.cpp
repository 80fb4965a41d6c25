#include "dump_writer.h"

#include "arena.h"
#include "coverage_marks.h"
#include "disable.h"
#include "dump_format.h"
#include "failpoints.h"
#include "fork.h"
#include "job_page.h"
#include "live_bytes.h"
#include "oom_watch.h"
#include "plain_text.h"
#include "python/gil.h"
#include "python/python.h"
#include "record.h"
#include "sampler/time_sampler.h"
#include "settings.h"
#include "spinlock.h"
#include "stack_table_internal.h"
#include "timeline.h"

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <initializer_list>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace sciagraph::core {
namespace {

SpinLock g_writer_lock;
std::atomic<uint64_t> g_last_write_ns{0};
std::atomic<uint64_t> g_written_generation{0};
std::atomic<bool> g_reported_failure{false};
uint64_t g_start_ns = 0;

uint64_t now_ns(clockid_t clock = CLOCK_MONOTONIC) noexcept
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Appends to a buffer sized beforehand by a measuring pass (same code, null buffer). Other
// threads go on while the dump is written (a snapshot, a job snapshot answer, a new sample), so
// the second pass may need more than the first measured: the buffer has room to spare, and
// what would pass its end is dropped and flagged (the dump is then not written).
class Out {
public:
    explicit Out(unsigned char* buffer, size_t capacity = 0) : buffer_(buffer), capacity_(capacity)
    {}
    void bytes(const void* data, size_t size) noexcept
    {
        if (buffer_ != nullptr) {
            if (size_ + size > capacity_) {
                overflow_ = true;
                return;
            }
            std::memcpy(buffer_ + size_, data, size);
        }
        size_ += size;
    }
    bool overflowed() const noexcept { return overflow_; }
    void u32(uint32_t v) noexcept { bytes(&v, sizeof v); }
    void u64(uint64_t v) noexcept { bytes(&v, sizeof v); }
    void str(const char* s) noexcept
    {
        size_t n = s != nullptr ? std::strlen(s) : 0;
        u32(static_cast<uint32_t>(n));
        bytes(s, n);
    }
    void str(const char* s, size_t n) noexcept
    {
        u32(static_cast<uint32_t>(n));
        bytes(s, n);
    }
    size_t size() const noexcept { return size_; }
    unsigned char* at(size_t offset) noexcept { return buffer_ + offset; }
    bool measuring() const noexcept { return buffer_ == nullptr; }

private:
    unsigned char* buffer_;
    size_t capacity_;
    size_t size_ = 0;
    bool overflow_ = false;
};

// Opens a section; close_section() patches its length and appends its CRC.
size_t open_section(Out& out, dump::SectionKind kind) noexcept
{
    size_t start = out.size();
    dump::SectionHeader header{static_cast<uint32_t>(kind), 0, 0};
    out.bytes(&header, sizeof header);
    return start;
}

void close_section(Out& out, size_t start) noexcept
{
    size_t payload = out.size() - start - sizeof(dump::SectionHeader);
    uint32_t crc = 0;
    if (!out.measuring()) {
        // Sections follow each other unaligned: patch the length field byte-wise.
        uint64_t length = payload;
        std::memcpy(out.at(start + offsetof(dump::SectionHeader, length)), &length, sizeof length);
        crc =
            dump::section_crc(out.at(start), out.at(start + sizeof(dump::SectionHeader)), payload);
    }
    out.u32(crc);
}

void meta(Out& out, uint32_t& count, const char* key, const char* value) noexcept
{
    out.str(key);
    out.str(value);
    ++count;
}

void write_meta(Out& out, bool final) noexcept
{
    size_t start = open_section(out, dump::SectionKind::Meta);
    size_t count_at = out.size();
    uint32_t count = 0;
    out.u32(0);
    char buf[64];
    namespace m = dump::meta;
    meta(out, count, m::kPid, format_u64(buf, static_cast<uint64_t>(getpid())));
    // The parent that started the process (kept at start-up): an orphan's getppid() at exit is
    // 1 or a subreaper, which would make it look like a second root.
    const uint32_t ppid = record_header().ppid;
    meta(out, count, m::kParentPid,
         format_u64(buf, ppid != 0 ? ppid : static_cast<uint64_t>(getppid())));
    char version[32];
    python_version_text(version, sizeof version);
    meta(out, count, m::kPythonVersion, version);
    meta(out, count, m::kMode, mode_name(settings().mode));
    static char command[20000];  // only the writer (holding its lock) uses it
    command_json(command, sizeof command);
    meta(out, count, m::kCommand, command);
    if (*start_cwd() != '\0') {
        meta(out, count, m::kCwd, start_cwd());
    }
    const char* reason = disabled_reason();
    meta(out, count, m::kStatus, reason == nullptr ? "ok" : "disabled");
    if (reason != nullptr) {
        meta(out, count, m::kDisabledReason, reason);
    }
    meta(out, count, m::kFinal, final ? "1" : "0");
    if (final) {
        const record::Header& h = record_header();
        char status[24];
        char ended[32];
        join(ended, sizeof ended,
             {"exit", h.has_exit_status != 0 ? " " : "",
              h.has_exit_status != 0 ? format_u64(status, h.exit_status) : ""});
        meta(out, count, m::kEnded, ended);
    }
    int64_t peak = peak_bytes();
    int64_t current = live_bytes();
    meta(out, count, m::kPeakBytes, format_u64(buf, peak > 0 ? static_cast<uint64_t>(peak) : 0));
    meta(out, count, m::kCurrentBytes,
         format_u64(buf, current > 0 ? static_cast<uint64_t>(current) : 0));
    int64_t snapshot = snapshot_total_bytes();
    meta(out, count, m::kPeakSampledBytes,
         format_u64(buf, snapshot > 0 ? static_cast<uint64_t>(snapshot) : 0));
    meta(out, count, m::kSampleIntervalBytes, format_u64(buf, settings().sample_bytes));
    meta(out, count, m::kAllocSamples, format_u64(buf, memory_samples()));
    meta(out, count, m::kWallSeconds, format_seconds(buf, now_ns() - g_start_ns));
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    uint64_t cpu_ns =
        (static_cast<uint64_t>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)) * 1000000000ull +
        static_cast<uint64_t>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1000ull;
    meta(out, count, m::kCpuSeconds, format_seconds(buf, cpu_ns));
    sampler::Stats stats = sampler::stats();
    meta(out, count, m::kTimeSamples, format_u64(buf, stats.samples));
    meta(out, count, m::kTimeFailedReads, format_u64(buf, stats.failed_reads));
    meta(out, count, m::kSamplerCpuSeconds,
         format_seconds(buf, static_cast<uint64_t>(stats.sampler_cpu_seconds * 1e9)));
    meta(out, count, m::kTimeHz, format_u64(buf, settings().time_hz));
    meta(out, count, m::kJobGeneration, format_u64(buf, job_generation_answered()));
    const int64_t base = job_fork_base();
    meta(out, count, m::kJobForkBaseBytes,
         format_u64(buf, base > 0 ? static_cast<uint64_t>(base) : 0));
    meta(out, count, m::kStartMonotonicNs, format_u64(buf, record_header().start_monotonic_ns));
    meta(out, count, m::kEndMonotonicNs, format_u64(buf, now_ns()));
    meta(out, count, "time_reads_moved", format_u64(buf, stats.reads_moved));
    // Whether the sampler knows who holds the GIL (python/gil.h): without it, threads taking
    // turns at the GIL cost it more reads. The e2e suite checks it on every interpreter.
    python::GilState gil{};
    meta(out, count, "time_gil_known", python::read_gil(gil) ? "1" : "0");
    if (const char* stopped = sampler::stopped_reason()) {
        meta(out, count, "time_stopped_reason", stopped);
    }
    if constexpr (SCIAGRAPH_MARKS_ENABLED) {
        for (size_t i = 0; i < kMarkNames.size(); ++i) {
            char key[64];
            join(key, sizeof key, {"mark:", kMarkNames[i].data()});
            meta(out, count, key, format_u64(buf, mark_count(static_cast<Mark>(i))));
        }
    }
    if (!out.measuring()) {
        std::memcpy(out.at(count_at), &count, sizeof count);
    }
    close_section(out, start);
}

void write_frames(Out& out, const StackTableView& view) noexcept
{
    size_t start = open_section(out, dump::SectionKind::Frames);
    out.u32(view.frame_count);
    for (uint32_t id = 1; id <= view.frame_count; ++id) {
        const FrameEntry& f = view.frames[id];
        if (f.code != nullptr) {
            out.str(f.code->function);
            out.str(f.code->file);
            out.u32(f.line);
            out.u32(static_cast<uint32_t>(dump::FrameKind::Python));
        } else {
            out.str(pseudo_frame_name(f.pseudo));
            out.str("", 0);
            out.u32(0);
            out.u32(static_cast<uint32_t>(dump::FrameKind::Pseudo));
        }
    }
    close_section(out, start);
}

void write_stacks(Out& out, const StackTableView& view) noexcept
{
    size_t start = open_section(out, dump::SectionKind::Stacks);
    out.u32(view.stack_count);
    for (uint32_t id = 1; id <= view.stack_count; ++id) {
        out.u32(view.stacks[id].parent);
        out.u32(view.stacks[id].frame - 1);  // the dump's frame ids are 0-based
    }
    close_section(out, start);
}

template <typename Value>
void write_samples(Out& out, const StackTableView& view, dump::Metric metric, Value value) noexcept
{
    size_t start = open_section(out, dump::SectionKind::Samples);
    out.u32(static_cast<uint32_t>(metric));
    size_t count_at = out.size();
    uint32_t count = 0;
    out.u32(0);
    for (uint32_t id = 1; id <= view.stack_count; ++id) {
        int64_t v = value(view.counters[id]);
        if (v > 0) {
            out.u32(id);
            out.u64(static_cast<uint64_t>(v));
            ++count;
        }
    }
    if (!out.measuring()) {
        std::memcpy(out.at(count_at), &count, sizeof count);
    }
    close_section(out, start);
}

void write_timeline(Out& out) noexcept
{
    const TimelinePoint* points = nullptr;
    const size_t count = timeline_points(&points);
    size_t start = open_section(out, dump::SectionKind::Timeline);
    out.u32(static_cast<uint32_t>(count));
    for (size_t i = 0; i < count; ++i) {
        out.u64(static_cast<uint64_t>(points[i].monotonic_ns));
        out.u64(static_cast<uint64_t>(points[i].part));
        out.u64(static_cast<uint64_t>(points[i].high));
        out.u64(static_cast<uint64_t>(points[i].since_ns));
    }
    close_section(out, start);
}

// The size of the dump (measuring, with a null buffer), or 0 when it did not fit `capacity`.
size_t
serialise(unsigned char* buffer, size_t capacity, const StackTableView& view, bool final) noexcept
{
    Out out(buffer, capacity);
    dump::FileHeader header{};
    std::memcpy(header.magic, dump::kMagic, sizeof header.magic);
    header.version = dump::kFormatVersion;
    header.header_size = sizeof header;
    out.bytes(&header, sizeof header);
    write_meta(out, final);
    write_frames(out, view);
    write_stacks(out, view);
    write_samples(out, view, dump::Metric::MemoryPeakBytes,
                  [](const StackCounters& c) { return c.at_peak; });
    write_samples(out, view, dump::Metric::TimeCpuMicros, [](const StackCounters& c) {
        return static_cast<int64_t>(c.cpu_us.load(std::memory_order_relaxed));
    });
    write_samples(out, view, dump::Metric::TimeWaitMicros, [](const StackCounters& c) {
        return static_cast<int64_t>(c.wait_us.load(std::memory_order_relaxed));
    });
    write_samples(out, view, dump::Metric::JobPeakBytes,
                  [](const StackCounters& c) { return c.at_job_peak; });
    write_timeline(out);
    size_t end = open_section(out, dump::SectionKind::End);
    close_section(out, end);
    return out.overflowed() ? 0 : out.size();
}

void report_failure(const char* what) noexcept
{
    if (!g_reported_failure.exchange(true)) {
        print_line("could not write the profile dump: ", what);
    }
}

bool write_file(const char* dir, const unsigned char* data, size_t size) noexcept
{
    char path[1200];
    char tmp[1220];
    char pid[24];
    format_u64(pid, static_cast<uint64_t>(getpid()));
    join(path, sizeof path, {dir, "/", pid, dump::kFileSuffix});
    join(tmp, sizeof tmp, {path, ".tmp"});
    if (failpoint(Failpoint::DumpWrite)) {
        report_failure(std::strerror(EIO));
        return false;
    }
    if (failpoint(Failpoint::DumpDiskFull)) {
        report_failure(std::strerror(ENOSPC));
        return false;
    }
    // A fresh file every time: O_EXCL refuses anything planted at our name (a symlink, a
    // hard link, a file someone else opened), so what we write lands in a file only we
    // created. A leftover of ours (a process with this pid that died mid-write) is removed
    // when the name is taken (not before every open: a failed path walk per dump, ~60 µs).
    // The mode is 0644 less the job's umask: never writable by others.
    constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = open(tmp, kFlags, 0644);
    if (fd < 0 && errno == EEXIST && (unlink(tmp) == 0 || errno == ENOENT)) {
        fd = open(tmp, kFlags, 0644);
    }
    if (fd < 0) {
        report_failure(std::strerror(errno));
        return false;
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            report_failure(std::strerror(n < 0 ? errno : EIO));
            close(fd);
            unlink(tmp);
            return false;
        }
        done += static_cast<size_t>(n);
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        report_failure(std::strerror(errno));
        unlink(tmp);
        return false;
    }
    return true;
}

}  // namespace

bool write_dump(bool final) noexcept
{
    if (g_start_ns == 0) {
        g_start_ns = now_ns();
    }
    // At exit another thread may be mid-write (the sampler's periodic dump): wait a bounded
    // time, never forever.
    bool locked = false;
    for (int i = 0; i < 2000 && !(locked = g_writer_lock.try_lock()); ++i) {
        usleep(100);
    }
    if (!locked) {
        return false;
    }
    StackTableView view = stack_table_view();
    bool ok = false;
    size_t size = serialise(nullptr, 0, view, final);
    // Room for what other threads add between the two passes (see Out).
    size_t mapped = (size + size / 8 + 65536 + 4095) & ~size_t{4095};
    if (auto* buffer = static_cast<unsigned char*>(raw_map(mapped))) {
        size = serialise(buffer, mapped, view, final);
        if (size == 0) {
            report_failure("the profile grew while it was written");
        } else {
            ok = write_file(settings().dump_dir, buffer, size);
        }
        raw_unmap(buffer, mapped);
    } else {
        report_failure("out of memory");
    }
    g_last_write_ns.store(now_ns(), std::memory_order_relaxed);
    g_writer_lock.unlock();
    return ok;
}

void persist_tick() noexcept
{
    sampler::Stats stats = sampler::stats();
    record_refresh(RecordCounts{memory_samples(), stats.samples, stats.failed_reads,
                                static_cast<uint64_t>(stats.sampler_cpu_seconds * 1e9)});
    if (record_on_disk()) {
        return;  // the record on disk is the profile of this instant: nothing to rewrite
    }
    // No record on disk: rewrite the dump now and then, so a killed process leaves something.
    if (oom_watch_near_limit()) {
        // Close to the cgroup's limit: the OOM killer may strike before any falling edge.
        SCIAGRAPH_MARK(NearLimitSnapshot);
        force_snapshot();
        write_dump(false);
        return;
    }
    uint64_t now = now_ns();
    uint64_t last = g_last_write_ns.load(std::memory_order_relaxed);
    uint64_t since = now - last;
    uint64_t generation = snapshot_generation();
    bool new_peak = generation != g_written_generation.load(std::memory_order_relaxed);
    // A new peak snapshot is persisted within 100 ms (a job killed at its peak, by the OOM
    // killer say, still leaves it); otherwise every persist interval.
    if ((new_peak && since >= 100'000'000ull) ||
        since >= uint64_t{settings().persist_ms} * 1'000'000ull) {
        // A job still at its highest total has had no falling edge to snapshot it: do it now,
        // or a job killed at its peak (SIGKILL, the OOM killer) leaves an old breakdown behind.
        snapshot_if_rising();
        g_written_generation.store(snapshot_generation(), std::memory_order_relaxed);
        write_dump(false);
    }
}

void dump_writer_lock_for_fork() noexcept
{
    g_writer_lock.lock();
}

void dump_writer_unlock_after_fork() noexcept
{
    g_writer_lock.unlock();
}

void dump_writer_reset_in_child() noexcept
{
    g_writer_lock.reset_in_child();
    g_reported_failure.store(false, std::memory_order_relaxed);
    g_start_ns = now_ns();
    g_last_write_ns.store(0, std::memory_order_relaxed);
}

void dump_writer_start_clock() noexcept
{
    if (g_start_ns == 0) {
        g_start_ns = now_ns();
    }
}

}  // namespace sciagraph::core
