// The timeline (core/timeline.h): bounded, and no spike lost beyond its 1% step.
#include "core/timeline.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>

#include <algorithm>

using namespace sciagraph::core;

namespace {

constexpr int64_t kMs = 1'000'000;

std::vector<TimelinePoint> points()
{
    const TimelinePoint* p = nullptr;
    const size_t n = timeline_points(&p);
    return {p, p + n};
}

}  // namespace

TEST_CASE("timeline: a point when the part moves by 1% of its highest, not otherwise",
          "[core][timeline]")
{
    timeline_reset_in_child(1);
    CHECK(timeline_add(10 * kMs, 1000, 1000, false));  // the first
    CHECK_FALSE(timeline_add(20 * kMs, 1005, 1005, false));
    CHECK(timeline_add(30 * kMs, 1100, 1100, false));
    CHECK_FALSE(timeline_add(40 * kMs, 1100, 1100, false));
    // Up and down again within one tick: the spike is kept, as its window's high.
    CHECK(timeline_add(50 * kMs, 1100, 5000, false));
    const auto p = points();
    REQUIRE(p.size() == 3);
    CHECK(p[0].since_ns == 1);
    CHECK(p[1].since_ns == 20 * kMs);  // the window is the tick before it, not the stretch
    CHECK(p[2].high == 5000);
    CHECK(p[2].part == 1100);
    CHECK(p[2].since_ns == 40 * kMs);
    CHECK(timeline_add(60 * kMs, 1100, 1100, true));  // at exit, whatever moved
    CHECK(points().size() == 4);
}

TEST_CASE("timeline: a full buffer halves, keeping its highs", "[core][timeline]")
{
    timeline_reset_in_child(1);
    for (int64_t i = 0; i < int64_t{kTimelinePoints} * 3; ++i) {
        const int64_t part = (i % 2) * 1000;
        timeline_add((i + 1) * 10 * kMs, part, i == 5000 ? 9999 : part, false);
    }
    const auto p = points();
    CHECK(p.size() <= kTimelinePoints);
    CHECK(p.size() > kTimelinePoints / 4);
    CHECK(std::max_element(p.begin(), p.end(), [](auto& a, auto& b) {
              return a.high < b.high;
          })->high == 9999);
    for (size_t i = 1; i < p.size(); ++i) {
        CHECK(p[i].monotonic_ns > p[i - 1].monotonic_ns);
        CHECK(p[i].since_ns >= p[i - 1].since_ns);
    }
}

TEST_CASE("timeline: any sequence keeps its highest within the 1% step, in bounded space",
          "[core][timeline]")
{
    rc::check([](const std::vector<uint32_t>& values) {
        timeline_reset_in_child(1);
        int64_t highest = 0;
        int64_t t = 0;
        for (uint32_t v : values) {
            t += 10 * kMs;
            const int64_t part = v % 100000;
            const int64_t high = part + (v >> 20) % 3000;
            highest = std::max(highest, high);
            timeline_add(t, part, high, false);
        }
        const auto p = points();
        RC_ASSERT(p.size() <= kTimelinePoints);
        int64_t kept = 0;
        for (const TimelinePoint& point : p) {
            kept = std::max(kept, point.high);
        }
        RC_ASSERT(kept >= highest - highest / 100 - 1);
    });
}
