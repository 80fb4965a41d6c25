// launcher/slurm_step.cpp — see slurm_step.h.
#include "slurm_step.h"

#include <fstream>

#include <unistd.h>

namespace sciagraph::launcher {

bool sent_to_whole_step(const std::string& sender, bool srun_task, bool group_leader)
{
    // An srun step is only ever signalled as a whole; in the batch step, only the script's own
    // process (its group's leader) can be signalled alone.
    return sender == "slurmstepd" && (srun_task || !group_leader);
}

std::string process_name(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(in, name);
    return name;
}

std::function<bool(pid_t sender)> slurm_signals_reach_job(const EnvMap& env)
{
    if (env.find("SLURM_JOB_ID") == env.end()) {
        return {};
    }
    const bool srun_task = env.find("SLURM_STEP_ID") != env.end();
    return [srun_task](pid_t sender) {
        return sender > 0 &&
               sent_to_whole_step(process_name(sender), srun_task, ::getpgrp() == ::getpid());
    };
}

}  // namespace sciagraph::launcher
