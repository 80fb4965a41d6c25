// The job page (core/job_format.h): a process adds its part to the job's total, the first fall
// after a new high makes the snapshot request, and every process answers it with its stacks as
// they were at that moment. Each case maps a page made here, as the launcher makes it; a second
// process is played by writing the page's shared fields directly.
#include "../temp_dir.h"
#include "core/job_format.h"
#include "core/job_page.h"
#include "core/live_bytes.h"
#include "core/record.h"
#include "core/stack_table.h"
#include "core/stack_table_internal.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>

#include <atomic>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace sciagraph;
using namespace sciagraph::core;

namespace {

constexpr int64_t kMiB = 1 << 20;

// The launcher's page: header, zeros after it.
void make_page(const std::filesystem::path& dir)
{
    std::vector<char> bytes(job::kPageBytes, 0);
    job::Page page{};
    std::memcpy(page.magic, job::kMagic, sizeof page.magic);
    page.version = job::kFormatVersion;
    page.page_size = sizeof(job::Page);
    page.start_monotonic_ns = 1;
    std::memcpy(bytes.data(), &page, sizeof page);
    std::ofstream(dir / job::kFileName, std::ios::binary).write(bytes.data(), bytes.size());
}

// The page as the test sees it: a second mapping of the same file.
job::Page* map_page(const std::filesystem::path& dir)
{
    const int fd = ::open((dir / job::kFileName).c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    void* at = ::mmap(nullptr, job::kPageBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    REQUIRE(at != MAP_FAILED);
    return static_cast<job::Page*>(at);
}

template <typename T>
T load(T& field)
{
    return std::atomic_ref<T>(field).load();
}

StackId stack(uint32_t n)
{
    static bool ready = stack_table_init();
    REQUIRE(ready);
    static python::CodeInfo codes[8] = {{"a", "j.py", 1, 910001}, {"b", "j.py", 2, 910002},
                                        {"c", "j.py", 3, 910003}, {"d", "j.py", 4, 910004},
                                        {"e", "j.py", 5, 910005}, {"f", "j.py", 6, 910006},
                                        {"g", "j.py", 7, 910007}, {"h", "j.py", 8, 910008}};
    python::RawFrame frame{&codes[n], 10};
    return intern_stack(&frame, 1, PseudoFrame{});
}

// An allocation and a free as the tracker orders them (core/live_bytes.h).
void alloc(StackId s, int64_t bytes)
{
    stack_add_live(s, bytes);
    live_add(bytes);
    live_flush_this_thread();
}

void release(StackId s, int64_t bytes)
{
    live_sub(bytes);
    live_flush_this_thread();
    stack_add_live(s, -bytes);
}

int64_t at_job_peak(StackId s)
{
    return stack_table_view().counters[s].at_job_peak;
}

}  // namespace

TEST_CASE("job page: without a page the part is still kept", "[core][job]")
{
    testing::TempDir dir;
    CHECK_FALSE(job_page_open(dir.path.c_str()));
    CHECK_FALSE(job_page_mapped());
    const int64_t before = job_part();
    alloc(stack(0), 5 * kMiB);
    CHECK(job_part() == before + 5 * kMiB);
    release(stack(0), 5 * kMiB);
    CHECK(job_part() == before);
    job_answer_requests();  // nothing to answer, nothing mapped: no effect
    job_leave();
}

TEST_CASE("job page: a page of another version is left alone", "[core][job]")
{
    testing::TempDir dir;
    make_page(dir.path);
    job::Page* page = map_page(dir.path);
    page->version = job::kFormatVersion + 1;
    CHECK_FALSE(job_page_open(dir.path.c_str()));
    CHECK(load(page->processes) == 0);
}

TEST_CASE("job page: the first fall after a new high is the request, answered at once",
          "[core][job]")
{
    testing::TempDir dir;
    make_page(dir.path);
    job::Page* page = map_page(dir.path);
    live_flush_this_thread();
    REQUIRE(job_page_open(dir.path.c_str()));
    CHECK(load(page->processes) == 1);
    const int64_t base = load(page->total);
    CHECK(base == job_part());

    const StackId a = stack(1), b = stack(2);
    alloc(a, 100 * kMiB);
    alloc(b, 50 * kMiB);
    CHECK(load(page->total) == base + 150 * kMiB);
    CHECK(load(page->high) == base + 150 * kMiB);
    CHECK(load(page->rising) == 1);
    const uint64_t before = load(page->generation);

    release(b, 50 * kMiB);  // the fall: b's bytes were still at b when the snapshot was taken
    CHECK(load(page->generation) == before + 1);
    CHECK(load(page->rising) == 0);
    CHECK(load(page->requested_high) == base + 150 * kMiB);
    CHECK(job_generation_answered() == before + 1);
    CHECK(at_job_peak(a) == 100 * kMiB);
    CHECK(at_job_peak(b) == 50 * kMiB);
    CHECK(record_header().job_generation == before + 1);

    // Below the high, or within 1% above the last request: no new request.
    alloc(b, 50 * kMiB + kMiB);
    release(b, kMiB);
    CHECK(load(page->generation) == before + 1);

    job_leave();
    CHECK(load(page->total) == 0);
    release(a, 100 * kMiB);
    release(b, 50 * kMiB);
}

TEST_CASE("job page: another process's request is answered before this one's stacks change",
          "[core][job]")
{
    testing::TempDir dir;
    make_page(dir.path);
    job::Page* page = map_page(dir.path);
    REQUIRE(job_page_open(dir.path.c_str()));
    const StackId a = stack(3), b = stack(4);
    alloc(a, 30 * kMiB);
    job_answer_requests();
    const uint64_t answered = job_generation_answered();

    // Another process makes a request: this one has changed nothing since, so its next change
    // (an allocation at b) comes after the copy, which shows a's 30 MiB and nothing at b.
    std::atomic_ref<uint64_t>(page->generation).fetch_add(1);
    alloc(b, 70 * kMiB);
    CHECK(job_generation_answered() == answered + 1);
    CHECK(at_job_peak(a) == 30 * kMiB);
    CHECK(at_job_peak(b) == 0);

    // One that comes while it does nothing is answered at its sampler's next tick.
    std::atomic_ref<uint64_t>(page->generation).fetch_add(1);
    job_answer_requests();
    CHECK(job_generation_answered() == answered + 2);
    CHECK(at_job_peak(b) == 70 * kMiB);
    release(a, 30 * kMiB);
    release(b, 70 * kMiB);
    job_leave();
}

TEST_CASE("job page: a fork child's part is what it holds above what it inherited", "[core][job]")
{
    testing::TempDir dir;
    make_page(dir.path);
    job::Page* page = map_page(dir.path);
    REQUIRE(job_page_open(dir.path.c_str()));
    const StackId a = stack(5), b = stack(6);
    alloc(a, 40 * kMiB);
    const int64_t parent_total = load(page->total);

    // What fork.cpp does in the child, here in one process: the tables' bytes are inherited.
    stack_table_after_fork_child();
    live_bytes_reset_in_child();
    CHECK(job_part() == 0);
    CHECK(job_fork_base() == live_bytes());
    CHECK(load(page->processes) == 2);
    CHECK(load(page->total) == parent_total);  // the parent's part, counted once

    alloc(b, 10 * kMiB);  // its own
    CHECK(job_part() == 10 * kMiB);
    release(a, 40 * kMiB);  // freeing inherited memory frees nothing of the job's
    CHECK(job_part() == 0);
    CHECK(load(page->total) == parent_total);
    std::atomic_ref<uint64_t>(page->generation).fetch_add(1);
    job_answer_requests();
    CHECK(at_job_peak(a) == 0);  // held less than it inherited
    CHECK(at_job_peak(b) == 10 * kMiB);
    release(b, 10 * kMiB);
}

TEST_CASE("job page: whatever the order of changes, the total is the sum of the parts",
          "[core][job]")
{
    testing::TempDir dir;
    make_page(dir.path);
    job::Page* page = map_page(dir.path);
    REQUIRE(job_page_open(dir.path.c_str()));
    const int64_t start = load(page->total) - job_part();
    rc::check([&](const std::vector<uint8_t>& steps) {
        const StackId s = stack(7);
        int64_t held = 0;
        int64_t highest = load(page->high);
        for (uint8_t step : steps) {
            const int64_t bytes = int64_t{step % 64 + 1} * kMiB;
            if (step & 0x80 && held >= bytes) {
                release(s, bytes);
                held -= bytes;
            } else {
                alloc(s, bytes);
                held += bytes;
            }
            RC_ASSERT(load(page->total) == start + job_part());
            highest = std::max(highest, load(page->total));
            RC_ASSERT(load(page->high) == highest);
            RC_ASSERT(load(page->requested_high) <= load(page->high));
        }
        release(s, held);
    });
    job_leave();
}
