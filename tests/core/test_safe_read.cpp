// safe_read: readable memory is copied, anything else is a false return, never a fault; the
// pipe fallback behaves the same and survives a job that closes our descriptors.
#include "safe_read.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sciagraph::core::detail {
void safe_read_force_pipe_for_testing(bool force) noexcept;
}

using sciagraph::core::safe_read;
using sciagraph::core::safe_read_value;

namespace {

uintptr_t address(const void* p)
{
    return reinterpret_cast<uintptr_t>(p);
}

std::set<int> open_pipes()
{
    std::set<int> fds;
    DIR* dir = opendir("/proc/self/fd");
    REQUIRE(dir != nullptr);
    while (dirent* entry = readdir(dir)) {
        int fd = std::atoi(entry->d_name);
        struct stat st {};
        if (fd > 2 && fd != dirfd(dir) && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
            fds.insert(fd);
        }
    }
    closedir(dir);
    return fds;
}

void check_reads()
{
    std::vector<uint8_t> source(10000);
    for (size_t i = 0; i < source.size(); ++i) {
        source[i] = static_cast<uint8_t>(i * 7);
    }
    std::vector<uint8_t> copy(source.size());
    CHECK(safe_read(copy.data(), address(source.data()), source.size()));  // > one pipe chunk
    CHECK(copy == source);
    uint64_t value = 0;
    uint64_t expected = 0x1122334455667788;
    CHECK(safe_read_value(value, address(&expected)));
    CHECK(value == expected);

    CHECK_FALSE(safe_read_value(value, 0));
    CHECK_FALSE(safe_read_value(value, 8));
    CHECK_FALSE(safe_read_value(value, UINTPTR_MAX - 3));  // wraps around

    long page = sysconf(_SC_PAGESIZE);
    auto* two = static_cast<uint8_t*>(
        mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    REQUIRE(two != MAP_FAILED);
    std::memset(two, 0xab, page);
    REQUIRE(mprotect(two + page, page, PROT_NONE) == 0);
    CHECK(safe_read(copy.data(), address(two), page));
    CHECK_FALSE(safe_read(copy.data(), address(two + page), 8));       // PROT_NONE
    CHECK_FALSE(safe_read(copy.data(), address(two + page - 8), 16));  // straddles
    REQUIRE(munmap(two, 2 * page) == 0);
    CHECK_FALSE(safe_read(copy.data(), address(two), 8));  // unmapped
    CHECK(safe_read(copy.data(), address(source.data()), 0));
}

}  // namespace

TEST_CASE("safe_read: process_vm_readv path copies valid memory and refuses the rest", "[core]")
{
    sciagraph::core::detail::safe_read_force_pipe_for_testing(false);
    check_reads();
}

TEST_CASE("safe_read: the pipe fallback behaves the same", "[core]")
{
    sciagraph::core::detail::safe_read_force_pipe_for_testing(true);
    check_reads();
    sciagraph::core::detail::safe_read_force_pipe_for_testing(false);
}

TEST_CASE("safe_read: the pipe fallback survives a job that closes and reuses its fds", "[core]")
{
    sciagraph::core::detail::safe_read_force_pipe_for_testing(true);
    uint64_t value = 0;
    uint64_t expected = 42;
    REQUIRE(safe_read_value(value, address(&expected)));
    // The fallback's pipe: both ends open here, non-blocking and close-on-exec.
    std::set<int> ours;
    for (int fd : open_pipes()) {
        bool cloexec = (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
        bool nonblocking = (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
        if (cloexec && nonblocking) {
            ours.insert(fd);
        }
    }
    REQUIRE(ours.size() == 2);

    // The job closes every descriptor it did not open, then opens a file that gets one of
    // our numbers: our reads must go on, and never write into the job's file.
    for (int fd : ours) {
        close(fd);
    }
    char path[] = "/tmp/sciagraph_safe_read_XXXXXX";
    int job_file = mkstemp(path);
    REQUIRE(job_file >= 0);
    int reused = *ours.begin();
    REQUIRE(dup2(job_file, reused) == reused);
    expected = 43;
    CHECK(safe_read_value(value, address(&expected)));
    CHECK(value == 43);
    struct stat st {};
    REQUIRE(fstat(job_file, &st) == 0);
    CHECK(st.st_size == 0);
    close(reused);
    close(job_file);
    unlink(path);
    sciagraph::core::detail::safe_read_force_pipe_for_testing(false);
}
