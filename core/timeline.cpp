// core/timeline.cpp — see timeline.h.
#include "timeline.h"

#include "job_page.h"

#include <algorithm>
#include <atomic>

namespace sciagraph::core {
namespace {

struct Timeline {
    TimelinePoint points[kTimelinePoints];
    std::atomic<size_t> count{0};
    int64_t highest = 0;         // the highest part seen: 1% of it is a move worth a point
    int64_t min_spacing_ns = 0;  // doubles each time the buffer is halved
    int64_t last_tick_ns = 0;    // where the next point's window starts
    // A tick that had a point's worth of change but came too soon after the last point (once
    // the buffer was halved): its high and window wait for the next point.
    int64_t carry_high = 0;
    int64_t carry_since = 0;
    bool moving = false;
};
Timeline g_timeline;

// Every other point goes; the high of each dropped point folds into the point after it.
void halve() noexcept
{
    Timeline& t = g_timeline;
    const size_t n = t.count.load(std::memory_order_relaxed);
    size_t kept = 0;
    for (size_t i = 1; i < n; i += 2) {
        // The dropped point's window and the stretch up to this one's join this one's window.
        TimelinePoint p = t.points[i];
        if (t.points[i - 1].high > p.high) {
            p.high = t.points[i - 1].high;
            p.since_ns = t.points[i - 1].since_ns;
        }
        t.points[kept++] = p;
    }
    if (n % 2 == 1) {
        t.points[kept++] = t.points[n - 1];
    }
    t.count.store(kept, std::memory_order_release);
    t.min_spacing_ns = t.min_spacing_ns == 0 ? 20'000'000 : t.min_spacing_ns * 2;
}

}  // namespace

bool timeline_add(int64_t now_ns, int64_t part, int64_t high, bool always) noexcept
{
    Timeline& t = g_timeline;
    const int64_t since = t.last_tick_ns != 0 ? t.last_tick_ns : now_ns;
    t.last_tick_ns = now_ns;
    if (high < part) {
        high = part;
    }
    if (high > t.highest) {
        t.highest = high;
    }
    size_t n = t.count.load(std::memory_order_relaxed);
    if (n > 0 && !always) {
        const TimelinePoint& last = t.points[n - 1];
        const int64_t step = t.highest / 100;
        const int64_t moved = part > last.part ? part - last.part : last.part - part;
        const bool spiked = std::max(high, t.carry_high) - last.part > step;
        if (moved <= step && !spiked) {
            t.moving = false;
            return false;
        }
        if (now_ns - last.monotonic_ns < t.min_spacing_ns) {
            t.carry_high = std::max(t.carry_high, high);
            t.carry_since = t.carry_since != 0 ? t.carry_since : since;
            t.moving = true;
            return false;
        }
    }
    int64_t window_since = since;
    if (t.carry_since != 0) {
        high = std::max(high, t.carry_high);
        window_since = t.carry_since;
        t.carry_high = 0;
        t.carry_since = 0;
    }
    if (n == kTimelinePoints) {
        halve();
        n = t.count.load(std::memory_order_relaxed);
    }
    t.points[n] = TimelinePoint{now_ns, part, high, window_since};
    t.count.store(n + 1, std::memory_order_release);
    t.moving = true;
    return true;
}

void timeline_tick(int64_t now_ns) noexcept
{
    // The window is the tick: its high goes with this tick's point or with none.
    timeline_add(now_ns, job_part(), job_take_window_high(), false);
}

void timeline_close(int64_t now_ns) noexcept
{
    timeline_add(now_ns, job_part(), job_take_window_high(), true);
}

size_t timeline_points(const TimelinePoint** points) noexcept
{
    *points = g_timeline.points;
    return g_timeline.count.load(std::memory_order_acquire);
}

bool timeline_moving() noexcept
{
    return g_timeline.moving;
}

void timeline_start(int64_t start_ns) noexcept
{
    g_timeline.last_tick_ns = start_ns;
}

void timeline_reset_in_child(int64_t now_ns) noexcept
{
    g_timeline.last_tick_ns = now_ns;
    g_timeline.carry_high = 0;
    g_timeline.carry_since = 0;
    g_timeline.count.store(0, std::memory_order_relaxed);
    g_timeline.highest = 0;
    g_timeline.min_spacing_ns = 0;
    g_timeline.moving = false;
}

}  // namespace sciagraph::core
