// launcher/slurm_step.h — the signals of a Slurm step that reach the job without sciagraph.
//
// slurmstepd sends scancel's signals, a time limit's and those srun passes on (SIGUSR1) to every
// process of the step at once: its proctrack container (a cgroup, the process tree, the process
// group).
// When sciagraph is a task, or runs inside one, the job is one of those processes and has the
// signal already; passing sciagraph's copy on would deliver it twice, and a job that handles
// SIGTERM (to save a checkpoint, say) or SIGUSR1 (to requeue itself) would act twice.
//
// The one signal slurmstepd sends to a single process is `scancel --batch`'s, to the batch
// script's process: the leader of the batch step's process group. sciagraph started as that
// process (`exec sciagraph run ...` in the script) passes it on. Tasks of an srun step are told
// apart from the batch script by SLURM_STEP_ID, which slurmstepd sets for them only.
#pragma once

#include "settings.h"

#include <functional>
#include <string>

#include <sys/types.h>

namespace sciagraph::launcher {

// `sender` is the name of the process that sent the signal (its comm); `srun_task`: sciagraph
// runs in a task of an srun step; `group_leader`: sciagraph leads its process group.
bool sent_to_whole_step(const std::string& sender, bool srun_task, bool group_leader);

// The kernel's name of `pid` (/proc/PID/comm, at most 15 bytes); "" when it is gone.
std::string process_name(pid_t pid);

// For run_job: whether the process `sender` also sent its signal to the job itself. Never
// when `env` (sciagraph's environment) is not a Slurm job's.
std::function<bool(pid_t sender)> slurm_signals_reach_job(const EnvMap& env);

}  // namespace sciagraph::launcher
