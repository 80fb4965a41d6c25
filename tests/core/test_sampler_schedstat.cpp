// Units of core/sampler/schedstat: run-queue time from /proc/self/task/<tid>/schedstat.
#include "sampler/schedstat.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include <unistd.h>

using namespace sciagraph::core::sampler;

TEST_CASE("schedstat: the line's three numbers are parsed", "[sampler]")
{
    detail::SchedStat stat{};
    const char line[] = "40594222 58785848 112\n";
    REQUIRE(detail::parse_schedstat(line, static_cast<long>(std::strlen(line)), stat));
    CHECK(stat.cpu_ns == 40594222);
    CHECK(stat.runq_ns == 58785848);
    CHECK(stat.slices == 112);
    CHECK_FALSE(detail::parse_schedstat(line, -1, stat));
    CHECK_FALSE(detail::parse_schedstat("12 13", 5, stat));
    CHECK_FALSE(detail::parse_schedstat("x 1 2", 5, stat));
    CHECK_FALSE(detail::parse_schedstat("99999999999999999999 1 2", 24, stat));
}

TEST_CASE("schedstat: a new thread already sees that run-queue time is reported", "[sampler]")
{
    // The sampler probes from its own thread as it starts: in its first timeslice.
    const bool here = run_queue_time_available();
    bool there = false;
    std::thread([&] { there = run_queue_time_available(); }).join();
    CHECK(there == here);
}

TEST_CASE("schedstat: this thread's run-queue time is read, a missing thread's is not", "[sampler]")
{
    if (!run_queue_time_available()) {
        WARN("this kernel does not report run-queue time");
        return;
    }
    CHECK(read_run_queue_ns(static_cast<int32_t>(gettid())) >= 0);
    CHECK(read_run_queue_ns(0) == -1);
    CHECK(read_run_queue_ns(0x7ffffff0) == -1);
}

TEST_CASE("schedstat: threads competing for one core report run-queue time", "[sampler]")
{
    if (!run_queue_time_available()) {
        WARN("this kernel does not report run-queue time");
        return;
    }
    // More busy threads than cores: some of them wait on a run queue.
    const unsigned cores = std::thread::hardware_concurrency();
    const unsigned count = (cores == 0 ? 2 : cores) + 2;
    std::atomic<bool> stop{false};
    std::atomic<unsigned> ready{0};
    std::vector<std::atomic<int32_t>> tids(count);
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < count; ++i) {
        threads.emplace_back([&, i] {
            tids[i] = static_cast<int32_t>(gettid());
            ++ready;
            while (!stop.load(std::memory_order_relaxed)) {
            }
        });
    }
    while (ready.load() < count) {
        std::this_thread::yield();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    int64_t total = 0;
    for (auto& tid : tids) {
        const int64_t runq = read_run_queue_ns(tid.load());
        CHECK(runq >= 0);
        total += runq > 0 ? runq : 0;
    }
    stop = true;
    for (auto& thread : threads) {
        thread.join();
    }
    CHECK(total > 0);
}
