// Whether a live record's process still runs: it maps the file (report/read/live_process.h).
#include "../temp_dir.h"
#include "live_process.h"

#include <catch2/catch.hpp>

#include <chrono>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace sciagraph::report;

TEST_CASE("live_process: a record is held exactly while its process maps it", "[report]")
{
    sciagraph::testing::TempDir dir;
    const auto record = dir.file(std::to_string(::getpid()) + ".sgrec", std::string(4096, '\0'));
    CHECK_FALSE(process_holds_record(::getpid(), record));
    CHECK(records_still_held(dir.path).empty());

    const int fd = ::open(record.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0);
    void* mapping = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);  // the mapping is what counts, not a descriptor
    REQUIRE(mapping != MAP_FAILED);
    CHECK(process_holds_record(::getpid(), record));
    CHECK(records_still_held(dir.path) == std::vector<std::filesystem::path>{record});
    // Another file of the same name elsewhere is not the one mapped.
    sciagraph::testing::TempDir other;
    CHECK_FALSE(process_holds_record(
        ::getpid(), other.file(record.filename().string(), std::string(4096, '\0'))));

    // The wait gives up at its limit while the process holds on.
    const auto start = std::chrono::steady_clock::now();
    CHECK(wait_for_recording_processes(dir.path, std::chrono::milliseconds(50)).size() == 1);
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(50));

    ::munmap(mapping, 4096);
    CHECK_FALSE(process_holds_record(::getpid(), record));
    CHECK(wait_for_recording_processes(dir.path, std::chrono::milliseconds(5000)).empty());
    // No such process, or no such file.
    CHECK_FALSE(process_holds_record(999999999, record));
    CHECK_FALSE(process_holds_record(::getpid(), dir.path / "missing.sgrec"));
}
