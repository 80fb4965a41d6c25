// core/job_page.cpp — see job_page.h; the protocol is in job_format.h.
#include "job_page.h"

#include "disable.h"
#include "failpoints.h"
#include "job_format.h"
#include "plain_text.h"
#include "record.h"
#include "sampler/clocks.h"
#include "spinlock.h"
#include "stack_table.h"

#include <atomic>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sciagraph::core {
namespace {

std::atomic<job::Page*> g_page{nullptr};
std::atomic<int64_t> g_base{0};  // bytes inherited at the fork (a fork child)
std::atomic<int64_t> g_part{0};  // this process's part, as added to the page's total
std::atomic<int64_t> g_window_high{0};
std::atomic<uint64_t> g_answered{0};  // the last request answered
SpinLock g_answer_lock;

template <typename T>
std::atomic_ref<T> shared(T& field) noexcept
{
    return std::atomic_ref<T>(field);
}

void raise(std::atomic<int64_t>& high, int64_t value) noexcept
{
    int64_t held = high.load(std::memory_order_relaxed);
    while (value > held && !high.compare_exchange_weak(held, value, std::memory_order_relaxed)) {
    }
}

// The job's total reached `total`: a new high is noted, and one 1% above the last request's
// arms the next request (made at the first fall).
void note_total(job::Page& page, int64_t total) noexcept
{
    auto high = shared(page.high);
    int64_t held = high.load(std::memory_order_relaxed);
    while (total > held) {
        if (high.compare_exchange_weak(held, total, std::memory_order_relaxed)) {
            shared(page.high_monotonic_ns)
                .store(static_cast<uint64_t>(sampler::monotonic_ns()), std::memory_order_relaxed);
            const int64_t requested = shared(page.requested_high).load(std::memory_order_relaxed);
            if (total - requested > requested / job::kRequestGrowthDivisor) {
                shared(page.rising).store(1, std::memory_order_release);
            }
            return;
        }
    }
}

// A fall: if it follows a new high, this process makes the request. The caller then answers it
// before any of its stacks loses bytes.
void maybe_request(job::Page& page) noexcept
{
    auto rising = shared(page.rising);
    if (rising.load(std::memory_order_acquire) == 0 ||
        rising.exchange(0, std::memory_order_acq_rel) == 0) {
        return;
    }
    shared(page.requested_high)
        .store(shared(page.high).load(std::memory_order_relaxed), std::memory_order_relaxed);
    shared(page.request_monotonic_ns)
        .store(static_cast<uint64_t>(sampler::monotonic_ns()), std::memory_order_relaxed);
    shared(page.generation).fetch_add(1, std::memory_order_release);
}

// The page the launcher made is one we understand (its version, its size, its magic).
bool usable(const job::Page& page) noexcept
{
    return std::memcmp(page.magic, job::kMagic, sizeof page.magic) == 0 &&
           page.version == job::kFormatVersion && page.page_size == sizeof(job::Page);
}

}  // namespace

bool job_page_open(const char* dump_dir) noexcept
{
    if (failpoint(Failpoint::JobPage)) {
        print_line("the job page cannot be mapped: this process is profiled on its own, out of the "
                   "job's view");
        return false;
    }
    char path[1200];
    join(path, sizeof path, {dump_dir, "/", job::kFileName});
    const int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return false;  // not started by `sciagraph run` (or an older one): no job view
    }
    struct stat st {};
    void* at = nullptr;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size >= static_cast<off_t>(job::kPageBytes)) {
        // Through the system call: the mmap hook must not see the core's own mappings.
        const long r =
            syscall(SYS_mmap, nullptr, job::kPageBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        at = r == -1 ? nullptr : reinterpret_cast<void*>(r);
    }
    close(fd);
    auto* page = static_cast<job::Page*>(at);
    if (page == nullptr || !usable(*page)) {
        if (page != nullptr) {
            syscall(SYS_munmap, page, job::kPageBytes);
        }
        return false;
    }
    shared(page->processes).fetch_add(1, std::memory_order_relaxed);
    // Requests made before this process existed are not its to answer.
    const uint64_t generation = shared(page->generation).load(std::memory_order_acquire);
    g_answered.store(generation, std::memory_order_relaxed);
    shared(record_header().job_generation).store(generation, std::memory_order_relaxed);
    // What it already holds (nothing in a job; the unit tests may have some) joins the total.
    const int64_t part = g_part.load(std::memory_order_relaxed);
    if (part != 0) {
        note_total(*page, shared(page->total).fetch_add(part, std::memory_order_relaxed) + part);
    }
    g_page.store(page, std::memory_order_release);
    return true;
}

bool job_page_mapped() noexcept
{
    return g_page.load(std::memory_order_relaxed) != nullptr;
}

void job_total_changed(int64_t before, int64_t after) noexcept
{
    const int64_t base = g_base.load(std::memory_order_relaxed);
    const int64_t change = detail::part_of(after, base) - detail::part_of(before, base);
    if (change == 0) {
        return;
    }
    const int64_t part = g_part.fetch_add(change, std::memory_order_relaxed) + change;
    if (change > 0) {
        raise(g_window_high, part);
    }
    job::Page* page = g_page.load(std::memory_order_acquire);
    if (page == nullptr) {
        return;
    }
    auto total = shared(page->total);
    if (change > 0) {
        note_total(*page, total.fetch_add(change, std::memory_order_relaxed) + change);
        return;
    }
    maybe_request(*page);
    job_answer_requests();
    total.fetch_add(change, std::memory_order_relaxed);
}

void job_answer_requests() noexcept
{
    job::Page* page = g_page.load(std::memory_order_acquire);
    if (page == nullptr) {
        return;
    }
    auto generation = shared(page->generation);
    if (generation.load(std::memory_order_acquire) == g_answered.load(std::memory_order_relaxed)) {
        return;
    }
    // One thread copies; the others wait for it, so none changes a stack before the copy.
    SpinLockGuard guard(g_answer_lock);
    const uint64_t now = generation.load(std::memory_order_acquire);
    if (now == g_answered.load(std::memory_order_relaxed)) {
        return;
    }
    stack_snapshot_job();
    g_answered.store(now, std::memory_order_release);
    shared(record_header().job_generation).store(now, std::memory_order_release);
}

void job_leave() noexcept
{
    job::Page* page = g_page.load(std::memory_order_acquire);
    if (page == nullptr) {
        return;
    }
    // Leaving is a fall like any other: it may be the one after the job's high.
    if (g_part.load(std::memory_order_relaxed) > 0) {
        maybe_request(*page);
    }
    job_answer_requests();
    g_page.store(nullptr, std::memory_order_release);
    shared(page->total)
        .fetch_add(-g_part.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

int64_t job_part() noexcept
{
    return g_part.load(std::memory_order_relaxed);
}

int64_t job_take_window_high() noexcept
{
    const int64_t part = g_part.load(std::memory_order_relaxed);
    const int64_t high = g_window_high.exchange(part, std::memory_order_relaxed);
    return high > part ? high : part;
}

uint64_t job_generation_answered() noexcept
{
    return g_answered.load(std::memory_order_acquire);
}

int64_t job_fork_base() noexcept
{
    return g_base.load(std::memory_order_relaxed);
}

void job_after_fork_child(int64_t live_now) noexcept
{
    g_answer_lock.reset_in_child();
    g_base.store(live_now, std::memory_order_relaxed);
    g_part.store(0, std::memory_order_relaxed);
    g_window_high.store(0, std::memory_order_relaxed);
    job::Page* page = g_page.load(std::memory_order_relaxed);
    if (page == nullptr) {
        return;
    }
    shared(page->processes).fetch_add(1, std::memory_order_relaxed);
    const uint64_t generation = shared(page->generation).load(std::memory_order_acquire);
    g_answered.store(generation, std::memory_order_relaxed);
    shared(record_header().job_generation).store(generation, std::memory_order_relaxed);
}

}  // namespace sciagraph::core
