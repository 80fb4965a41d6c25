// core/job_page.h — this process's side of the job page (core/job_format.h): its part of the
// job's total, the snapshot requests it makes and answers.
//
// Every function is safe to call when the page is not mapped (a process not started by
// `sciagraph run`, the unit tests, the `job-page` failpoint): the part is still kept, for the
// timeline (core/timeline.h), and the snapshots are simply never asked for.
#pragma once

#include <cstdint>

namespace sciagraph::core {

// At start-up: maps <dump_dir>/job.sgjob when the launcher made one. False when there is none
// or it cannot be used; profiling goes on without the job view.
bool job_page_open(const char* dump_dir) noexcept;
bool job_page_mapped() noexcept;

// The process's total went from `before` to `after` (core/live_bytes.cpp, flush_live): its
// part's change goes into the job's total, which may raise the job's high or, falling after
// one, make the snapshot request (answered at once by this process).
void job_total_changed(int64_t before, int64_t after) noexcept;
// Before a stack's bytes change, at sampler ticks and before a dump: answers a snapshot request
// made since the last one answered. One relaxed load when there is none.
void job_answer_requests() noexcept;
// At exit, before the final dump: the process's part leaves the job's total.
void job_leave() noexcept;

// This process's part of the job now, and the highest it reached since the last call to
// job_take_window_high() (which starts the next window at the part's current value).
int64_t job_part() noexcept;
int64_t job_take_window_high() noexcept;
// The generation of the last request answered (the dump's `job_generation` meta), and the
// bytes the process inherited at its fork (0 when it was not forked).
uint64_t job_generation_answered() noexcept;
int64_t job_fork_base() noexcept;

// In a fork child: its part starts at 0, on top of what it inherited (`live_now`).
void job_after_fork_child(int64_t live_now) noexcept;

namespace detail {
// The part of a process holding `live` bytes, `base` of them inherited.
inline int64_t part_of(int64_t live, int64_t base) noexcept
{
    return live > base ? live - base : 0;
}
}  // namespace detail

}  // namespace sciagraph::core
