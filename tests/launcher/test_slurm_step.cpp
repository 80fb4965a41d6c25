// tests/launcher/test_slurm_step.cpp — a signal slurmstepd sent to every process of a step
// reaches the job once (launcher/slurm_step.h).
#include "../temp_dir.h"
#include "slurm_step.h"
#include "spawn_job.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sciagraph::launcher;

namespace {

bool file_exists(const std::filesystem::path& path)
{
    return ::access(path.c_str(), F_OK) == 0;
}

void wait_for(const std::filesystem::path& path)
{
    for (int i = 0; i < 1000 && !file_exists(path); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace

TEST_CASE("slurm_step: what slurmstepd sends reaches every process of the step", "[launcher]")
{
    CHECK(sent_to_whole_step("slurmstepd", true, true));    // task 0 of an srun step
    CHECK(sent_to_whole_step("slurmstepd", true, false));   // a later task, or inside one
    CHECK(sent_to_whole_step("slurmstepd", false, false));  // started by the batch script
    // The batch script's own process: `scancel --batch` signals it alone.
    CHECK_FALSE(sent_to_whole_step("slurmstepd", false, true));
    CHECK_FALSE(sent_to_whole_step("bash", true, false));
    CHECK_FALSE(sent_to_whole_step("", true, false));
}

TEST_CASE("slurm_step: a process's name, and no Slurm rule outside Slurm", "[launcher]")
{
    CHECK(process_name(::getpid()) == "sciagraph_launc");  // comm: 15 bytes
    CHECK(process_name(-5).empty());
    CHECK_FALSE(slurm_signals_reach_job({{"PATH", "/bin"}}));
    const auto in_step = slurm_signals_reach_job({{"SLURM_JOB_ID", "7"}, {"SLURM_STEP_ID", "0"}});
    REQUIRE(in_step);
    CHECK_FALSE(in_step(::getpid()));
    CHECK_FALSE(in_step(0));  // a sender in another pid namespace
}

TEST_CASE("slurm_step: scancel's SIGTERM reaches a job that handles it once", "[launcher]")
{
    // A stand-in for slurmstepd signals the job, waits for its handler to run, then signals
    // sciagraph (this process): sciagraph must not pass a second SIGTERM on.
    sciagraph::testing::TempDir dir;
    const auto pid_file = dir.path / "job.pid";
    const auto handled = dir.path / "handled";
    const auto done = dir.path / "done";
    const std::string script = "n=0; trap 'n=$((n+1)); : > " + handled.string() +
                               "' TERM; echo $$ > " + pid_file.string() + ".tmp; mv " +
                               pid_file.string() + ".tmp " + pid_file.string() + "; while [ ! -e " +
                               done.string() + " ]; do sleep 0.02; done; exit $n";
    SignalRelay relay;
    const pid_t launcher = ::getpid();
    const pid_t stepd = ::fork();
    REQUIRE(stepd >= 0);
    if (stepd == 0) {
        ::prctl(PR_SET_NAME, "slurmstepd");
        wait_for(pid_file);
        pid_t job = 0;
        std::ifstream(pid_file) >> job;
        ::kill(job, SIGTERM);
        wait_for(handled);
        ::kill(launcher, SIGTERM);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        std::ofstream{done};
        ::_exit(0);
    }
    const JobResult result =
        run_job(relay, "/bin/sh", {"sh", "-c", script}, {"PATH=/bin:/usr/bin"},
                slurm_signals_reach_job({{"SLURM_JOB_ID", "7"}, {"SLURM_STEP_ID", "0"}}));
    int status = 0;
    ::waitpid(stepd, &status, 0);
    CHECK_FALSE(result.end.signaled);
    CHECK(result.end.value == 1);  // the number of SIGTERMs the job's handler saw
}
