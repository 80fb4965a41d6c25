#include "jitter.h"

namespace sciagraph::core::sampler {

IntervalJitter::IntervalJitter(uint64_t mean_ns, uint64_t seed) noexcept
    : mean_ns_(mean_ns), state_(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull)
{
    if (state_ == 0) {
        state_ = 0x2545F4914F6CDD1Dull;  // xorshift must never hold zero
    }
}

uint64_t IntervalJitter::random() noexcept
{
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
}

uint64_t IntervalJitter::next() noexcept
{
    // 53 random bits → [0, 1): uniform in [mean/2, mean/2 + mean).
    const double unit = static_cast<double>(random() >> 11) * 0x1.0p-53;
    return mean_ns_ / 2 + static_cast<uint64_t>(unit * static_cast<double>(mean_ns_));
}

}  // namespace sciagraph::core::sampler
