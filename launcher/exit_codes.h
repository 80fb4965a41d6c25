// launcher/exit_codes.h — the statuses `sciagraph` exits with, and how a job's end maps to one.
// The numbers follow the shells (and env(1), nice(1), timeout(1)): scripts already know them.
#pragma once

#include <stdexcept>
#include <string>

namespace sciagraph::launcher {

enum class ExitCode : int {
    Success = 0,
    UsageError = 2,       // `sciagraph report` / `debug` misuse (run uses CannotStart instead)
    CannotStart = 125,    // sciagraph itself cannot start the job: bad option, unsupported target
    NotExecutable = 126,  // COMMAND was found but cannot be executed
    NotFound = 127,       // COMMAND was not found
};

constexpr int to_int(ExitCode code)
{
    return static_cast<int>(code);
}

// How the job ended, as wait(2) says it.
struct JobEnd {
    bool signaled = false;  // true: died of signal `value`; false: exited with status `value`
    int value = 0;
};

// The status a shell would report: the job's own exit status, or 128+N for signal N.
constexpr int shell_status(JobEnd end)
{
    return end.signaled ? 128 + end.value : end.value;
}

// Decodes a status from wait4(2)/waitpid(2).
JobEnd job_end_from_wait_status(int wait_status);

// A reason not to start the job. `what()` is the one line for stderr (without the
// "sciagraph: " prefix). `unsupported` marks an environment sciagraph cannot profile but
// the job could still run in, which `on_unsupported = "run-unprofiled"` lets through.
class LaunchError : public std::runtime_error {
public:
    LaunchError(ExitCode code, const std::string& message, bool unsupported = false)
        : std::runtime_error(message), code_(code), unsupported_(unsupported)
    {}
    ExitCode code() const { return code_; }
    bool unsupported() const { return unsupported_; }

private:
    ExitCode code_;
    bool unsupported_;
};

}  // namespace sciagraph::launcher
