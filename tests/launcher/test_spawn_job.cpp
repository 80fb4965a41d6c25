// tests/launcher/test_spawn_job.cpp
#include "spawn_job.h"

#include <catch2/catch.hpp>

using namespace sciagraph::launcher;

namespace {

JobResult run_sh(const std::string& script)
{
    SignalRelay relay;
    return run_job(relay, "/bin/sh", {"sh", "-c", script}, {"PATH=/bin:/usr/bin"});
}

}  // namespace

TEST_CASE("spawn_job: the job's exit status and signal are reported", "[launcher]")
{
    const auto exited = run_sh("exit 3");
    CHECK_FALSE(exited.end.signaled);
    CHECK(exited.end.value == 3);
    CHECK(exited.pid > 0);
    const auto killed = run_sh("kill -KILL $$");
    CHECK(killed.end.signaled);
    CHECK(shell_status(killed.end) == 137);
}

TEST_CASE("spawn_job: wall and CPU time are measured", "[launcher]")
{
    const auto busy = run_sh("i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 0.1");
    CHECK(busy.wall_seconds >= 0.1);
    CHECK(busy.cpu_seconds > 0);
}

TEST_CASE("spawn_job: a missing program is 127, a non-executable one 126", "[launcher]")
{
    SignalRelay relay;
    try {
        run_job(relay, "/no/such/program", {"x"}, {});
        FAIL("started a missing program");
    } catch (const LaunchError& error) {
        CHECK(error.code() == ExitCode::NotFound);
    }
    try {
        run_job(relay, "/etc/hostname", {"x"}, {});
        FAIL("started a non-executable file");
    } catch (const LaunchError& error) {
        CHECK(error.code() == ExitCode::NotExecutable);
    }
}

TEST_CASE("spawn_job: the job starts with the signal mask sciagraph was given", "[launcher]")
{
    // SigBlk of the job must be what the test process had, not the relay's blocked set.
    const auto result = run_sh("grep -q '^SigBlk:[[:space:]]*0*$' /proc/self/status");
    CHECK(result.end.value == 0);
}
