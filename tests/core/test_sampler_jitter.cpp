// Units of core/sampler/jitter: the sampler's randomised interval.
#include "sampler/jitter.h"

#include <catch2/catch.hpp>

#include <cmath>

using sciagraph::core::sampler::IntervalJitter;

TEST_CASE("jitter: the mean interval is within 2% of the asked one over 100k draws", "[sampler]")
{
    for (uint64_t seed : {1ull, 42ull, 0ull, 0xdeadbeefull}) {
        IntervalJitter jitter(10'000'000, seed);
        double sum = 0;
        for (int i = 0; i < 100'000; ++i) {
            sum += static_cast<double>(jitter.next());
        }
        CHECK(std::fabs(sum / 100'000 - 10'000'000) < 0.02 * 10'000'000);
    }
}

TEST_CASE("jitter: every interval lies within ±50% of the mean", "[sampler]")
{
    IntervalJitter jitter(10'000'000, 7);
    uint64_t lowest = UINT64_MAX;
    uint64_t highest = 0;
    for (int i = 0; i < 100'000; ++i) {
        const uint64_t interval = jitter.next();
        lowest = std::min(lowest, interval);
        highest = std::max(highest, interval);
    }
    CHECK(lowest >= 5'000'000);
    CHECK(highest <= 15'000'000);
    // Spread over the whole range, not stuck near the mean (aliasing is what jitter prevents).
    CHECK(lowest < 5'100'000);
    CHECK(highest > 14'900'000);
}

TEST_CASE("jitter: different seeds give different sequences", "[sampler]")
{
    IntervalJitter a(10'000'000, 1);
    IntervalJitter b(10'000'000, 2);
    int same = 0;
    for (int i = 0; i < 100; ++i) {
        same += a.next() == b.next() ? 1 : 0;
    }
    CHECK(same < 5);
}
