// tests/launcher/test_exit_codes.cpp
#include "exit_codes.h"
#include "spawn_job.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <csignal>

using namespace sciagraph::launcher;

TEST_CASE("exit_codes: a job's exit status passes through unchanged", "[launcher]")
{
    rc::prop("exit status N gives N", [] {
        const int status = *rc::gen::inRange(0, 256);
        const JobEnd end = job_end_from_wait_status(status << 8);  // W_EXITCODE(status, 0)
        RC_ASSERT(!end.signaled);
        RC_ASSERT(shell_status(end) == status);
    });
}

TEST_CASE("exit_codes: death by signal N gives 128+N", "[launcher]")
{
    rc::prop("signal N gives 128+N", [] {
        const int signal = *rc::gen::inRange(1, 32);
        const JobEnd end = job_end_from_wait_status(signal);  // W_EXITCODE(0, signal)
        RC_ASSERT(end.signaled);
        RC_ASSERT(shell_status(end) == 128 + signal);
    });
    CHECK(shell_status(job_end_from_wait_status(SIGTERM)) == 143);
    CHECK(shell_status(job_end_from_wait_status(SIGKILL)) == 137);
    CHECK(shell_status(job_end_from_wait_status(SIGSEGV | 0x80)) == 128 + SIGSEGV);  // core dumped
}

TEST_CASE("exit_codes: the launcher's own statuses are the shells'", "[launcher]")
{
    CHECK(to_int(ExitCode::CannotStart) == 125);
    CHECK(to_int(ExitCode::NotExecutable) == 126);
    CHECK(to_int(ExitCode::NotFound) == 127);
}

TEST_CASE("spawn_job: only signals sent by another process are forwarded", "[launcher]")
{
    const pid_t job = 4242;
    CHECK(should_forward(SI_USER, 100, job));   // kill(1)
    CHECK(should_forward(SI_QUEUE, 100, job));  // sigqueue(3)
    CHECK(should_forward(SI_TKILL, 100, job));
    CHECK(should_forward(SI_USER, 0, job));          // kill from another pid namespace
    CHECK_FALSE(should_forward(SI_KERNEL, 0, job));  // terminal: the job got it too
    CHECK_FALSE(should_forward(SI_USER, job, job));  // the job signalling its parent
}
