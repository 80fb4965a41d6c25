// launcher/spawn_job.h — starts the job, relays signals to it, waits for its end.
#pragma once

#include "exit_codes.h"

#include <csignal>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace sciagraph::launcher {

// The signals passed on to the job when someone sends them to sciagraph.
inline constexpr int kRelayedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

// Whether a relayed signal described by siginfo should be forwarded to the job. Only signals
// sent by a process (si_code <= 0: kill, sigqueue, tgkill) are forwarded, except those the job
// sent itself. A terminal's Ctrl-C, Ctrl-\ and hangup come from the kernel (SI_KERNEL) to the
// whole foreground process group, which the job shares with sciagraph, so the job already has
// them: forwarding would deliver them twice. si_pid is not used to tell them apart because a
// kill from another pid namespace (`docker stop`) also shows si_pid 0, and must be forwarded.
bool should_forward(int sender_code, pid_t sender_pid, pid_t job_pid);

struct JobResult {
    pid_t pid = 0;
    JobEnd end;
    double wall_seconds = 0;
    double cpu_seconds = 0;  // user + system of the job and the descendants it waited for
};

// Blocks the relayed signals and SIGCHLD in the launcher for its whole life (sigwaitinfo reads
// them; no handler runs), and restores the job's view in the child. Create before spawning.
class SignalRelay {
public:
    SignalRelay();
    ~SignalRelay();
    SignalRelay(const SignalRelay&) = delete;
    SignalRelay& operator=(const SignalRelay&) = delete;

    const sigset_t& job_mask() const { return job_mask_; }
    const sigset_t& job_defaults() const { return job_defaults_; }
    const sigset_t& waited() const { return waited_; }

private:
    sigset_t job_mask_;      // the mask sciagraph was started with: the job gets it back
    sigset_t job_defaults_;  // dispositions sciagraph changed for itself, reset in the job
    sigset_t waited_;
    struct sigaction old_sigchld_ {};
    struct sigaction old_sigpipe_ {};
};

// Whether the process that sent sciagraph a signal sent it to the job too (a Slurm step's
// slurmstepd, see slurm_step.h): then it is not passed on. Empty: never.
using SentToJobToo = std::function<bool(pid_t sender)>;

// Starts `program` with `argv` (argv[0] included) and `env`, same cwd and file descriptors;
// throws LaunchError 127/126 when exec fails. Then relays signals until the job ends.
JobResult run_job(const SignalRelay& relay,
                  const std::filesystem::path& program,
                  const std::vector<std::string>& argv,
                  const std::vector<std::string>& env,
                  const SentToJobToo& sent_to_job_too = {});

}  // namespace sciagraph::launcher
