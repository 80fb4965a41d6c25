// launcher/spawn_job.cpp (named so that <spawn.h> still finds the system header)
//
// posix_spawn rather than Boost.Process (1.74): the job must start with the signal mask and
// dispositions sciagraph itself was given (the launcher keeps the relayed signals blocked to read
// them with sigwaitinfo), which posix_spawnattr sets atomically in the child and Boost.Process
// has no option for; the job's resource usage comes from wait4(2), which boost::process::child
// does not expose; and Boost.Process would also want to own SIGCHLD handling. glibc's
// posix_spawn (clone(CLONE_VM|CLONE_VFORK)) also reports exec failures synchronously.
#include "spawn_job.h"

#include "log.h"

#include <cerrno>
#include <chrono>
#include <cstring>

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sciagraph::launcher {

JobEnd job_end_from_wait_status(int wait_status)
{
    if (WIFSIGNALED(wait_status)) {
        return {true, WTERMSIG(wait_status)};
    }
    return {false, WEXITSTATUS(wait_status)};
}

bool should_forward(int sender_code, pid_t sender_pid, pid_t job_pid)
{
    return sender_code <= 0 && sender_pid != job_pid;
}

SignalRelay::SignalRelay()
{
    sigemptyset(&waited_);
    for (int signal : kRelayedSignals) {
        sigaddset(&waited_, signal);
    }
    sigaddset(&waited_, SIGCHLD);
    sigprocmask(SIG_BLOCK, &waited_, &job_mask_);

    sigemptyset(&job_defaults_);
    // An inherited SIG_IGN for SIGCHLD would make the kernel reap the job itself, and wait4
    // would never see its status.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGCHLD, &dfl, &old_sigchld_);
    // sciagraph writes to stderr after the job; if that is a closed pipe, it must still exit
    // with the job's status rather than die of SIGPIPE. The job gets SIGPIPE as it was.
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old_sigpipe_);
    if (old_sigpipe_.sa_handler == SIG_DFL) {
        sigaddset(&job_defaults_, SIGPIPE);
    }
}

SignalRelay::~SignalRelay()
{
    // Signals still pending were meant for the job (or arrived after it ended); unblocking them
    // now would kill sciagraph with its default action instead of exiting with the job's status.
    const timespec no_wait{};
    while (sigtimedwait(&waited_, nullptr, &no_wait) > 0) {
    }
    sigaction(SIGPIPE, &old_sigpipe_, nullptr);
    sigaction(SIGCHLD, &old_sigchld_, nullptr);
    sigprocmask(SIG_SETMASK, &job_mask_, nullptr);
}

namespace {

std::vector<char*> c_strings(const std::vector<std::string>& strings)
{
    std::vector<char*> pointers;
    pointers.reserve(strings.size() + 1);
    for (const auto& text : strings) {
        pointers.push_back(const_cast<char*>(text.c_str()));
    }
    pointers.push_back(nullptr);
    return pointers;
}

pid_t spawn(const SignalRelay& relay,
            const std::filesystem::path& program,
            const std::vector<std::string>& argv,
            const std::vector<std::string>& env)
{
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &relay.job_mask());
    posix_spawnattr_setsigdefault(&attr, &relay.job_defaults());
    // No POSIX_SPAWN_SETPGROUP: the job stays in sciagraph's process group, so it remains in
    // the terminal's foreground group and can read the terminal.
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    auto args = c_strings(argv);
    auto envp = c_strings(env);
    pid_t pid = 0;
    int error = posix_spawn(&pid, program.c_str(), nullptr, &attr, args.data(), envp.data());
    posix_spawnattr_destroy(&attr);
    if (error == ENOENT || error == ENOTDIR) {
        throw LaunchError(ExitCode::NotFound, program.string() + ": " + std::strerror(error));
    }
    if (error != 0) {
        throw LaunchError(ExitCode::NotExecutable,
                          program.string() + ": cannot execute: " + std::strerror(error));
    }
    return pid;
}

double seconds(const timeval& tv)
{
    return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6;
}

}  // namespace

JobResult run_job(const SignalRelay& relay,
                  const std::filesystem::path& program,
                  const std::vector<std::string>& argv,
                  const std::vector<std::string>& env,
                  const SentToJobToo& sent_to_job_too)
{
    const auto started = std::chrono::steady_clock::now();
    JobResult result;
    result.pid = spawn(relay, program, argv, env);
    log::debug("job started, pid {}", result.pid);
    for (;;) {
        siginfo_t info{};
        int signal = sigwaitinfo(&relay.waited(), &info);
        if (signal < 0) {
            continue;  // EINTR: a signal not in the set (e.g. SIGCONT after Ctrl-Z)
        }
        if (signal == SIGCHLD) {
            int status = 0;
            rusage usage{};
            pid_t done = wait4(result.pid, &status, WNOHANG, &usage);
            if (done == result.pid && (WIFEXITED(status) || WIFSIGNALED(status))) {
                const auto ended = std::chrono::steady_clock::now();
                result.end = job_end_from_wait_status(status);
                result.wall_seconds = std::chrono::duration<double>(ended - started).count();
                result.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
                return result;
            }
            if (done < 0 && errno == ECHILD) {
                // Cannot happen while SIGCHLD is not ignored; never spin if it does.
                throw LaunchError(ExitCode::CannotStart, "lost track of the job (ECHILD)");
            }
            continue;
        }
        if (!should_forward(info.si_code, info.si_pid, result.pid)) {
            continue;
        }
        if (sent_to_job_too && sent_to_job_too(info.si_pid)) {
            log::debug("signal {} from pid {} reached the job too: not passed on", signal,
                       info.si_pid);
            continue;
        }
        log::debug("passing signal {} from pid {} on to the job", signal, info.si_pid);
        kill(result.pid, signal);
    }
}

}  // namespace sciagraph::launcher
