// core/alloc_sampler.h — which allocations get a stack, and what each stands for.
//
// Poisson sampling by bytes (as tcmalloc and gperftools): every allocated byte is marked with
// probability 1/R, so the gap between marks is exponential with mean R. A per-thread countdown
// of bytes to the next mark makes the common case one subtraction. An allocation of Z < R bytes
// that crosses a mark is sampled (probability 1 − e^(−Z/R)) and weighted by the Horvitz–Thompson
// estimate Z / (1 − e^(−Z/R)), so the expected weight of every allocation is exactly Z.
// Allocations of Z ≥ R bytes are always sampled with weight Z: large blocks are exact, and since
// they do not touch the countdown the small ones stay a Poisson process. R = 1 is exact mode:
// every allocation is sampled with its own size.
//
// The per-thread state is a POD in initial-exec TLS: no constructor, nothing at thread exit.
#pragma once

#include <cmath>
#include <cstdint>

namespace sciagraph::core {

struct SamplerTls {
    int64_t countdown;  // bytes left before the next mark; ≤ 0 means a mark was crossed
    uint64_t rng;       // xorshift64* state; 0 means not seeded yet
};

namespace detail {
[[gnu::tls_model("initial-exec")]] inline thread_local SamplerTls t_sampler = {0, 0};
}

// The next exponential gap with mean `mean` bytes, from the thread's generator.
int64_t next_gap(SamplerTls& tls, uint64_t mean) noexcept;
void seed_sampler(SamplerTls& tls, uint64_t mean) noexcept;

// Estimated bytes a sampled allocation of `size` stands for.
inline uint64_t sample_weight(uint64_t size, uint64_t mean) noexcept
{
    if (mean <= 1 || size >= mean) {
        return size;
    }
    double z = static_cast<double>(size);
    double p = -std::expm1(-z / static_cast<double>(mean));  // 1 − e^(−Z/R), exact for small Z
    return static_cast<uint64_t>(std::llround(z / p));
}

// Returns true when this allocation of `size` bytes must be sampled.
inline bool should_sample(uint64_t size, uint64_t mean) noexcept
{
    if (size >= mean) {
        return true;
    }
    SamplerTls& tls = detail::t_sampler;
    if (tls.rng == 0) [[unlikely]] {
        seed_sampler(tls, mean);
    }
    tls.countdown -= static_cast<int64_t>(size);
    if (tls.countdown > 0) [[likely]] {
        return false;
    }
    // One or more marks fall inside this allocation: it is sampled once, then the next gap
    // starts where the last mark fell (memoryless, so restarting from the allocation's end is
    // the same process).
    do {
        tls.countdown += next_gap(tls, mean);
    } while (tls.countdown <= 0);
    return true;
}

}  // namespace sciagraph::core
