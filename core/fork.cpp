#include "fork.h"

#include "alloc_table.h"
#include "coverage_marks.h"
#include "disable.h"
#include "dump_writer.h"
#include "failpoints.h"
#include "live_bytes.h"
#include "mmap_table.h"
#include "python/python.h"
#include "recursion_guard.h"
#include "sampler/clocks.h"
#include "sampler/time_sampler.h"
#include "stack_table.h"
#include "timeline.h"

#include <pthread.h>

namespace sciagraph::core {
namespace {

// The forking thread is inside sciagraph from prepare until parent/child returns.
[[gnu::tls_model("initial-exec")]] thread_local bool t_guard_before_fork = false;
void prepare() noexcept
{
    t_guard_before_fork = RecursionGuard::exchange(true);
    mmap_lock_for_fork();
    live_bytes_lock_for_fork();
    stack_table_lock_for_fork();
    alloc_table().lock_for_fork();
    python::fork_prepare();
    dump_writer_lock_for_fork();
}

void parent() noexcept
{
    dump_writer_unlock_after_fork();
    python::fork_parent();
    alloc_table().unlock_after_fork();
    stack_table_unlock_after_fork();
    live_bytes_unlock_after_fork();
    mmap_unlock_after_fork();
    RecursionGuard::exchange(t_guard_before_fork);
}

void child() noexcept
{
    dump_writer_reset_in_child();
    python::fork_child();
    alloc_table().reset_lock_in_child();
    mmap_reset_lock_in_child();
    try {
        if (failpoint(Failpoint::ForkHandler)) {
            throw FailpointError{"fork handler failpoint"};
        }
        SCIAGRAPH_MARK(ForkChild);
        stack_table_after_fork_child();
        live_bytes_reset_in_child();
        timeline_reset_in_child(sampler::monotonic_ns());
        finish_reset_in_child();
        if (enabled()) {
            sampler::restart_in_child();
        }
    } catch (...) {
        stack_table_after_fork_child();
        live_bytes_reset_in_child();
        disable("internal error in the fork handler");
    }
    RecursionGuard::exchange(t_guard_before_fork);
}

}  // namespace

bool install_fork_handlers() noexcept
{
    return pthread_atfork(prepare, parent, child) == 0;
}

void python_fork_begins() noexcept
{
    // 3.12+ only: 3.11 counts nothing. Before any core lock is taken (the sampler thread may be
    // writing a dump under one); the GIL is held, which our thread never takes.
    if (enabled() && python::version_hex() >= 0x030c0000) {
        sampler::pause_for_fork();
    }
}

void python_fork_ended_in_parent() noexcept
{
    sampler::resume_after_fork();
}

}  // namespace sciagraph::core
