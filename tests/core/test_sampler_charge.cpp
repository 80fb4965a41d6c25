// Units of core/sampler/charge: the split of a sample's interval into CPU and waiting.
#include "sampler/charge.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>

using sciagraph::core::sampler::classify;

TEST_CASE("charge: a thread that computed the whole interval is all CPU", "[sampler]")
{
    const auto charge = classify(10'000'000, 10'000'000);
    CHECK(charge.cpu_us == 10'000);
    CHECK(charge.wait_us == 0);
}

TEST_CASE("charge: a thread whose CPU clock did not move is all waiting", "[sampler]")
{
    const auto charge = classify(0, 10'000'000);
    CHECK(charge.cpu_us == 0);
    CHECK(charge.wait_us == 10'000);
}

TEST_CASE("charge: a partly busy interval splits at the CPU used", "[sampler]")
{
    const auto charge = classify(3'000'000, 10'000'000);
    CHECK(charge.cpu_us == 3'000);
    CHECK(charge.wait_us == 7'000);
}

TEST_CASE("charge: CPU beyond the wall interval is capped and dropped", "[sampler]")
{
    const auto charge = classify(50'000'000, 10'000'000);
    CHECK(charge.cpu_us == 10'000);
    CHECK(charge.wait_us == 0);
    CHECK(charge.cpu_used_ns == 50'000'000);  // the baseline catches up: no carried excess
}

TEST_CASE("charge: sub-microsecond rests carry over to the next sample", "[sampler]")
{
    // 1000 samples of 10.0005 ms wall and 2.0007 ms CPU: totals exact to the microsecond.
    int64_t wall_base = 0;
    int64_t cpu_base = 0;
    int64_t wall_now = 0;
    int64_t cpu_now = 0;
    uint64_t cpu_us = 0;
    uint64_t wait_us = 0;
    for (int i = 0; i < 1000; ++i) {
        wall_now += 10'000'500;
        cpu_now += 2'000'700;
        const auto charge = classify(cpu_now - cpu_base, wall_now - wall_base);
        wall_base += charge.wall_used_ns;
        cpu_base += charge.cpu_used_ns;
        cpu_us += charge.cpu_us;
        wait_us += charge.wait_us;
    }
    CHECK(cpu_us + wait_us == static_cast<uint64_t>(wall_now / 1000));
    CHECK(cpu_us == static_cast<uint64_t>(cpu_now / 1000));
}

TEST_CASE("charge: negative or zero intervals charge nothing", "[sampler]")
{
    const auto backwards = classify(1000, -5000);
    CHECK(backwards.cpu_us == 0);
    CHECK(backwards.wait_us == 0);
    const auto negative_cpu = classify(-1000, 5000);
    CHECK(negative_cpu.cpu_us == 0);
    CHECK(negative_cpu.wait_us == 5);
}

TEST_CASE("charge: cpu + wait is the wall delta, cpu never exceeds it, nothing negative",
          "[sampler]")
{
    rc::prop("classify invariants", [] {
        const auto wall = *rc::gen::inRange<int64_t>(-1'000'000, 10'000'000'000);
        const auto cpu = *rc::gen::inRange<int64_t>(-1'000'000, 20'000'000'000);
        const auto charge = classify(cpu, wall);
        const uint64_t wall_us = wall > 0 ? static_cast<uint64_t>(wall) / 1000 : 0;
        RC_ASSERT(charge.cpu_us + charge.wait_us == wall_us);
        RC_ASSERT(charge.cpu_us <= wall_us);
        RC_ASSERT(charge.cpu_us <= (cpu > 0 ? static_cast<uint64_t>(cpu) / 1000 : 0));
        RC_ASSERT(charge.wall_used_ns <= wall);
        RC_ASSERT(wall - charge.wall_used_ns < 1000);
        RC_ASSERT(charge.cpu_used_ns <= cpu);
        if (cpu > 0 && static_cast<uint64_t>(cpu) / 1000 < wall_us) {
            RC_ASSERT(cpu - charge.cpu_used_ns < 1000);  // only the sub-µs rest is carried
        }
    });
}

// --- Run-queue time: a thread runnable but waiting for a core wanted the CPU ---------------------

using sciagraph::core::sampler::kMaxRunQueueCarryNs;

TEST_CASE("charge: run-queue time counts as CPU", "[sampler]")
{
    // On CPU 6 ms, waiting for a core 4 ms: the thread computed (or wanted to) all 10 ms.
    const auto charge = classify(6'000'000, 4'000'000, 10'000'000);
    CHECK(charge.cpu_us == 10'000);
    CHECK(charge.wait_us == 0);
    CHECK(charge.runq_used_ns == 4'000'000);
    // Blocked half the interval: only the part on CPU or on a run queue is CPU.
    const auto partly = classify(3'000'000, 2'000'000, 10'000'000);
    CHECK(partly.cpu_us == 5'000);
    CHECK(partly.wait_us == 5'000);
}

TEST_CASE("charge: run-queue time beyond the interval is carried to the next one", "[sampler]")
{
    // A wait for a core that spanned the previous sample shows only now (the kernel adds it when
    // the thread gets a core), in an interval already full of CPU.
    const auto full = classify(10'000'000, 5'000'000, 10'000'000);
    CHECK(full.cpu_us == 10'000);
    CHECK(full.runq_used_ns == 0);  // all 5 ms carried
    const auto next = classify(0, 5'000'000, 10'000'000);
    CHECK(next.cpu_us == 5'000);
    CHECK(next.wait_us == 5'000);
    CHECK(next.runq_used_ns == 5'000'000);
}

TEST_CASE("charge: the run-queue carry is bounded", "[sampler]")
{
    const auto charge = classify(0, 2'000'000'000, 10'000'000);
    CHECK(charge.cpu_us == 10'000);
    CHECK(2'000'000'000 - charge.runq_used_ns == kMaxRunQueueCarryNs);
    const auto none = classify(0, -5, 10'000'000);  // a baseline to resync: no CPU from it
    CHECK(none.cpu_us == 0);
    CHECK(none.runq_used_ns == -5);
}

TEST_CASE("charge: with run-queue time, cpu + wait is the wall delta and nothing is negative",
          "[sampler]")
{
    rc::prop("classify invariants with run-queue time", [] {
        const auto wall = *rc::gen::inRange<int64_t>(-1'000'000, 10'000'000'000);
        const auto cpu = *rc::gen::inRange<int64_t>(-1'000'000, 20'000'000'000);
        const auto runq = *rc::gen::inRange<int64_t>(-1'000'000, 20'000'000'000);
        const auto charge = classify(cpu, runq, wall);
        const uint64_t wall_us = wall > 0 ? static_cast<uint64_t>(wall) / 1000 : 0;
        const uint64_t cpu_us = cpu > 0 ? static_cast<uint64_t>(cpu) / 1000 : 0;
        const uint64_t runq_us = runq > 0 ? static_cast<uint64_t>(runq) / 1000 : 0;
        RC_ASSERT(charge.cpu_us + charge.wait_us == wall_us);
        RC_ASSERT(charge.cpu_us == std::min(wall_us, cpu_us + runq_us));
        RC_ASSERT(charge.wall_used_ns <= wall);
        RC_ASSERT(charge.cpu_used_ns <= cpu);
        RC_ASSERT(charge.runq_used_ns <= runq);
        if (runq > 0) {
            // What is left is carried, never more than the bound, never negative.
            RC_ASSERT(charge.runq_used_ns >= 0);
            RC_ASSERT(runq - charge.runq_used_ns <= kMaxRunQueueCarryNs);
        }
    });
}

TEST_CASE("charge: over a run, CPU charged is CPU used plus run-queue time, reported late or not",
          "[sampler]")
{
    rc::prop("run-queue time is charged in full", [] {
        const auto intervals = *rc::gen::inRange<int>(1, 200);
        const bool lagged = *rc::gen::arbitrary<bool>();
        int64_t wall_now = 0, cpu_now = 0, runq_now = 0;
        int64_t wall_base = 0, cpu_base = 0, runq_base = 0;
        uint64_t charged_cpu = 0, charged_wait = 0;
        auto sample = [&](int64_t runq_seen) {
            const auto charge =
                classify(cpu_now - cpu_base, runq_seen - runq_base, wall_now - wall_base);
            wall_base += charge.wall_used_ns;
            cpu_base += charge.cpu_used_ns;
            runq_base += charge.runq_used_ns;
            charged_cpu += charge.cpu_us;
            charged_wait += charge.wait_us;
        };
        for (int i = 0; i < intervals; ++i) {
            const auto wall = *rc::gen::inRange<int64_t>(1'000'000, 20'000'000);
            const auto cpu = *rc::gen::inRange<int64_t>(0, wall + 1);
            const auto runq = *rc::gen::inRange<int64_t>(0, wall - cpu + 1);
            wall_now += wall;
            cpu_now += cpu;
            // Lagged: the kernel reports this interval's wait for a core only at the next one.
            sample(lagged ? runq_now : runq_now + runq);
            runq_now += runq;
        }
        wall_now += 100'000'000;  // a last, idle interval with room for any carry
        sample(runq_now);
        RC_ASSERT(charged_cpu + charged_wait == static_cast<uint64_t>(wall_now / 1000));
        const auto expected = static_cast<uint64_t>((cpu_now + runq_now) / 1000);
        // Sub-microsecond rests of a full interval are dropped with its excess CPU.
        RC_ASSERT(charged_cpu <= expected + 1);
        RC_ASSERT(charged_cpu + static_cast<uint64_t>(intervals) + 1 >= expected);
    });
}
