// Units of core/sampler/private_fds: the sampler thread's own descriptor table. What the job
// opens is not reachable from it, what it opens is invisible to the job, and its copies of the
// job's descriptors are gone (a pipe the job closes reaches EOF).
#include "safe_read.h"
#include "sampler/private_fds.h"
#include "sampler/schedstat.h"
#include "sampler/task_list.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

using namespace sciagraph::core::sampler;

namespace sciagraph::core::detail {
void safe_read_force_pipe_for_testing(bool force) noexcept;
}  // namespace sciagraph::core::detail

namespace {

bool is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

// Runs `body` on a fresh thread and waits for it.
template <typename Body>
void on_thread(Body body)
{
    std::thread thread(body);
    thread.join();
}

}  // namespace

TEST_CASE("private_fds: the thread no longer sees the job's descriptors, the job never sees its",
          "[core][sampler]")
{
    int job_pipe[2];
    REQUIRE(pipe2(job_pipe, O_CLOEXEC) == 0);
    // The job's lowest free number now (earlier tests in this process may hold some below).
    const int job_lowest_free = open("/dev/null", O_RDONLY | O_CLOEXEC);
    close(job_lowest_free);
    FdTable result = FdTable::Shared;
    bool saw_job_fd = true;
    bool stdio_kept = false;
    int thread_fd = -1;
    on_thread([&] {
        result = make_fd_table_private();
        saw_job_fd = is_open(job_pipe[0]) || is_open(job_pipe[1]);
        stdio_kept = is_open(0) && is_open(1) && is_open(2);
        thread_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);  // the thread's lowest free: 3
    });
    REQUIRE(result == FdTable::Private);
    CHECK_FALSE(saw_job_fd);
    CHECK(stdio_kept);
    CHECK(thread_fd == 3);
    // The thread's table died with it, and 3 in the job's table is the job's own business.
    int job_next = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(job_next == job_lowest_free);  // the thread's 3 never reached the job's table
    close(job_next);
    close(job_pipe[0]);
    close(job_pipe[1]);
}

TEST_CASE("private_fds: a pipe the job closes reaches EOF while the private thread lives",
          "[core][sampler]")
{
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    std::atomic<int> phase{0};
    std::thread sampler([&] {
        REQUIRE(make_fd_table_private() == FdTable::Private);
        phase.store(1);
        while (phase.load() != 2) {
            std::this_thread::yield();
        }
    });
    while (phase.load() != 1) {
        std::this_thread::yield();
    }
    close(fds[1]);  // the job's only writer
    pollfd waiting{fds[0], POLLIN, 0};
    REQUIRE(poll(&waiting, 1, 2000) == 1);  // a copy of the writer would make this time out
    char byte;
    CHECK(read(fds[0], &byte, 1) == 0);  // EOF
    phase.store(2);
    sampler.join();
    close(fds[0]);
}

namespace {

// In a private table: `count` plain copies and one at `high`, then `close_all`; whether only
// 0, 1 and 2 are left.
bool closes_down_to_stdio(bool (*close_all)() noexcept, int count, int high)
{
    bool only_stdio = false;
    on_thread([&] {
        REQUIRE(make_fd_table_private() == FdTable::Private);
        for (int i = 0; i < count; ++i) {
            REQUIRE(open("/dev/null", O_RDONLY) >= 3);  // no O_CLOEXEC: plain copies
        }
        REQUIRE(dup2(0, high) == high);  // a hole-y, high numbered one too
        REQUIRE(close_all());
        only_stdio = true;
        for (int fd = 3; fd <= high + 64; ++fd) {
            only_stdio = only_stdio && !is_open(fd);
        }
    });
    return only_stdio;
}

}  // namespace

TEST_CASE("private_fds: close_inherited_fds leaves only stdio, however many there were",
          "[core][sampler]")
{
    CHECK(closes_down_to_stdio(close_inherited_fds, 300, 900));
}

TEST_CASE("private_fds: without close_range, listing the table closes every copy as well",
          "[core][sampler]")
{
    // More entries than one getdents64 buffer holds.
    CHECK(closes_down_to_stdio(sciagraph::core::sampler::detail::close_fds_by_listing, 700, 2000));
}

TEST_CASE("private_fds: safe reads through the pipe fallback work in the private table",
          "[core][sampler]")
{
    sciagraph::core::detail::safe_read_force_pipe_for_testing(true);
    const uint64_t value = 0x0123'4567'89ab'cdef;
    uint64_t in_job = 0;
    uint64_t in_thread = 0;
    CHECK(sciagraph::core::safe_read_value(in_job, reinterpret_cast<uintptr_t>(&value)));
    on_thread([&] {
        REQUIRE(make_fd_table_private() == FdTable::Private);
        // Its pipe lives in its own table; the job's pipe numbers mean nothing here.
        CHECK(sciagraph::core::safe_read_value(in_thread, reinterpret_cast<uintptr_t>(&value)));
    });
    uint64_t again = 0;
    CHECK(sciagraph::core::safe_read_value(again, reinterpret_cast<uintptr_t>(&value)));
    sciagraph::core::detail::safe_read_force_pipe_for_testing(false);
    CHECK(in_job == value);
    CHECK(in_thread == value);
    CHECK(again == value);
}

namespace {

size_t open_fds_above_stdio()
{
    size_t count = 0;
    for (int fd = 3; fd < 4096; ++fd) {
        count += is_open(fd) ? 1 : 0;
    }
    return count;
}

bool listed(int32_t tid)
{
    int32_t tids[4096];
    const long count = list_task_tids(tids, 4096);
    REQUIRE(count > 0);
    return std::find(tids, tids + count, tid) != tids + count;
}

template <typename Condition>
bool eventually(Condition condition)
{
    for (int i = 0; i < 1000; ++i) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
}

// A thread that runs until told to end, and its TID.
struct Parked {
    std::atomic<int32_t> tid{0};
    std::atomic<bool> release{false};
    std::thread thread{[this] {
        tid.store(static_cast<int32_t>(gettid()));
        while (!release.load()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }};
    Parked()
    {
        while (tid.load() == 0) {
            std::this_thread::yield();
        }
    }
    void end()
    {
        release.store(true);
        thread.join();
    }
};

}  // namespace

TEST_CASE("private_fds: the private thread holds the task directory and still sees threads come "
          "and go",
          "[core][sampler]")
{
    on_thread([] {
        REQUIRE(make_fd_table_private() == FdTable::Private);
        CHECK(listed(static_cast<int32_t>(gettid())));
        CHECK(open_fds_above_stdio() == 1);  // the directory, rewound for the next listing
        Parked parked;
        CHECK(listed(parked.tid.load()));
        parked.end();
        // join() returns when the thread has released its stack; the kernel may take a moment
        // more to reap it.
        CHECK(eventually([&] { return !listed(parked.tid.load()); }));
        CHECK(open_fds_above_stdio() == 1);
    });
}

TEST_CASE("private_fds: schedstat files are held per thread, and dropped when the thread ends",
          "[core][sampler]")
{
    on_thread([] {
        REQUIRE(make_fd_table_private() == FdTable::Private);
        if (!run_queue_time_available()) {
            SUCCEED("this kernel keeps no schedstat numbers");
            return;
        }
        const size_t before = sciagraph::core::sampler::detail::held_schedstat_files();
        Parked parked;
        const int64_t first = read_run_queue_ns(parked.tid.load());
        const int64_t second = read_run_queue_ns(parked.tid.load());
        CHECK(first >= 0);
        CHECK(second >= first);
        CHECK(sciagraph::core::sampler::detail::held_schedstat_files() == before + 1);
        const int32_t gone = parked.tid.load();
        parked.end();
        // ESRCH from the held file, then no such path (once the kernel has reaped it).
        CHECK(eventually([&] { return read_run_queue_ns(gone) == -1; }));
        CHECK(sciagraph::core::sampler::detail::held_schedstat_files() == before);
    });
}

TEST_CASE("private_fds: a thread sharing the job's table holds no file between reads",
          "[core][sampler]")
{
    const size_t before = open_fds_above_stdio();
    CHECK(read_run_queue_ns(static_cast<int32_t>(gettid())) != -2);
    int32_t tids[64];
    CHECK(list_task_tids(tids, 64) > 0);
    CHECK(open_fds_above_stdio() == before);
    CHECK(sciagraph::core::sampler::detail::held_schedstat_files() == 0);
}
