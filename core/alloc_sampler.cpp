#include "alloc_sampler.h"

#include <ctime>

#include <sys/syscall.h>
#include <unistd.h>

namespace sciagraph::core {
namespace {

uint64_t next_random(SamplerTls& tls) noexcept
{
    uint64_t x = tls.rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    tls.rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

}  // namespace

int64_t next_gap(SamplerTls& tls, uint64_t mean) noexcept
{
    // 53 random bits → u in (0, 1]; gap = −ln(u)·R is exponential with mean R.
    double u = static_cast<double>((next_random(tls) >> 11) + 1) * (1.0 / 9007199254740992.0);
    double gap = -std::log(u) * static_cast<double>(mean);
    if (gap < 1.0) {
        gap = 1.0;
    }
    if (gap > 9.0e18) {
        gap = 9.0e18;
    }
    return static_cast<int64_t>(gap);
}

void seed_sampler(SamplerTls& tls, uint64_t mean) noexcept
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t seed = static_cast<uint64_t>(ts.tv_nsec) ^ (static_cast<uint64_t>(ts.tv_sec) << 32) ^
                    (static_cast<uint64_t>(syscall(SYS_gettid)) * 0x9E3779B97F4A7C15ULL);
    tls.rng = seed != 0 ? seed : 0x853c49e6748fea9bULL;
    tls.countdown = next_gap(tls, mean);
}

}  // namespace sciagraph::core
