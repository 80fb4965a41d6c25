// core/sampler/jitter.h — the sampler's sleep between ticks: the mean interval with uniform
// ±50% jitter, so a job whose own period matches the rate (a loop ticking at 100 Hz) is not
// always caught at the same point of its cycle.
//
// Uniform rather than exponential: every sample is weighted by the real time elapsed, so the
// interval's distribution does not bias the profile, and a bounded interval (≤ 1.5× the mean)
// bounds how long a transition can be charged to one stack and keeps the dump fresh. The
// exponential's many very short intervals would cost ticks for little information.
#pragma once

#include <cstdint>

namespace sciagraph::core::sampler {

class IntervalJitter {
public:
    IntervalJitter(uint64_t mean_ns, uint64_t seed) noexcept;
    // Next interval in [mean/2, 3·mean/2], mean `mean_ns`.
    uint64_t next() noexcept;
    uint64_t mean_ns() const noexcept { return mean_ns_; }

private:
    uint64_t random() noexcept;  // xorshift64*: no state beyond one word, no allocation

    uint64_t mean_ns_;
    uint64_t state_;
};

}  // namespace sciagraph::core::sampler
