// Units of core/sampler/charge: the split of a sample's interval into CPU and waiting.
#include "sampler/charge.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

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
