// The allocation sampler's statistics: the estimate is unbiased, and its error stays within
// the bound the report states, about 3·sqrt(R/B) for B bytes of allocations at mean interval R.
#include "core/alloc_sampler.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <cmath>
#include <vector>

using namespace sciagraph::core;

namespace {

// Estimated bytes for `count` allocations of `size`, with the thread's sampler seeded.
double estimate(uint64_t seed, uint64_t mean, uint64_t size, size_t count)
{
    SamplerTls& tls = detail::t_sampler;
    tls.rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    tls.countdown = next_gap(tls, mean);
    double total = 0;
    for (size_t i = 0; i < count; ++i) {
        if (should_sample(size, mean)) {
            total += static_cast<double>(sample_weight(size, mean));
        }
    }
    return total;
}

}  // namespace

TEST_CASE("alloc_sampler: allocations at or above the interval are always sampled, exactly",
          "[core]")
{
    rc::prop("size >= mean is sampled with weight == size", [] {
        const uint64_t mean = *rc::gen::inRange<uint64_t>(1, 1 << 24);
        const uint64_t size = mean + *rc::gen::inRange<uint64_t>(0, 1 << 30);
        RC_ASSERT(should_sample(size, mean));
        RC_ASSERT(sample_weight(size, mean) == size);
    });
}

TEST_CASE("alloc_sampler: exact mode samples every allocation with its own size", "[core]")
{
    for (uint64_t size : {1ull, 7ull, 100ull, 4096ull, 1ull << 20}) {
        REQUIRE(should_sample(size, 1));
        REQUIRE(sample_weight(size, 1) == size);
    }
}

TEST_CASE("alloc_sampler: small allocations are estimated without bias, within 3·sqrt(R/B)",
          "[core]")
{
    const uint64_t mean = 256 * 1024;
    struct Case {
        uint64_t size;
        size_t count;
    };
    // B = 10 MiB to 100 MiB in blocks of 64 B to 64 KiB.
    for (Case c : {Case{64, 163840}, Case{1000, 50000}, Case{4096, 25600}, Case{65536, 1600}}) {
        const double truth = static_cast<double>(c.size) * static_cast<double>(c.count);
        const double bound = 3.0 * std::sqrt(static_cast<double>(mean) / truth);
        double sum = 0;
        int outside = 0;
        const int seeds = 200;
        for (int seed = 1; seed <= seeds; ++seed) {
            double e = estimate(static_cast<uint64_t>(seed), mean, c.size, c.count);
            sum += e;
            if (std::fabs(e - truth) / truth > bound) {
                ++outside;
            }
        }
        INFO("size " << c.size << " count " << c.count << " bound " << bound);
        // Unbiased: the mean over seeds is within a tenth of the single-run bound.
        CHECK(std::fabs(sum / seeds - truth) / truth < bound / 10 + 1e-3);
        // A 3-sigma bound: at most 1% of runs fall outside (0.3% expected).
        CHECK(outside <= seeds / 100);
    }
}

TEST_CASE("alloc_sampler: the gap between samples is exponential with the given mean", "[core]")
{
    SamplerTls tls{0, 12345};
    const uint64_t mean = 1 << 18;
    double sum = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
        sum += static_cast<double>(next_gap(tls, mean));
    }
    CHECK(std::fabs(sum / n - static_cast<double>(mean)) / static_cast<double>(mean) < 0.01);
}
