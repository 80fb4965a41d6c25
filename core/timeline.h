// core/timeline.h — this process's part of the job's memory over time (core/job_page.h), for the
// report's job view: the job's total at every moment, each process's band in the chart.
//
// Bounded: at each tick of the sampler (10 ms) a point is kept when the part moved by 1% of its
// highest value since the last point, or rose that much above it and came back within the tick;
// when the buffer is full every other point goes (its high folded into the next) and points are
// kept half as often from then on. Each point carries the highest part within the tick that
// ends at it (`high` over (since, at]), so a spike between two ticks is never lost and a long
// flat stretch is not drawn at the height of the tick that ends it: the report draws the part
// of the point before up to `since`, then `high`.
//
// One writer: the sampler thread at its ticks, and the exiting thread once the sampler stopped.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core {

struct TimelinePoint {
    int64_t monotonic_ns;  // CLOCK_MONOTONIC, the clock every process of the job shares
    int64_t part;          // the process's part then
    int64_t high;          // the highest part over (since_ns, monotonic_ns]
    int64_t since_ns;      // the tick before (the process's start for the first point)
};

inline constexpr size_t kTimelinePoints = 4096;

// A tick: keeps a point when the part moved enough since the last one (see above).
void timeline_tick(int64_t now_ns) noexcept;
// At exit: a point for now, whatever moved.
void timeline_close(int64_t now_ns) noexcept;
// The points so far, oldest first; valid until the next tick.
size_t timeline_points(const TimelinePoint** points) noexcept;
// True when the last tick kept a point (the part is moving: the sampler ticks sooner).
bool timeline_moving() noexcept;
// In a fork child: its timeline starts empty, now.
void timeline_reset_in_child(int64_t now_ns) noexcept;

// The same on explicit values (and for the unit tests); true when a point was kept.
bool timeline_add(int64_t now_ns, int64_t part, int64_t high, bool always) noexcept;
// In a fork child, and at start-up: the first point's window starts at `start_ns`.
void timeline_start(int64_t start_ns) noexcept;

}  // namespace sciagraph::core
