// launcher/output_template.h — `-o` (and `output` in the config) as a template, so that one line in
// a batch script gives every task of a cluster job its own directory on shared storage:
//
//   sciagraph run -o 'runs/{env:SLURM_JOB_ID}/{host}-{env:SLURM_PROCID}' -- python3 job.py
//
// Placeholders: {host} (this machine's name, as `hostname` prints it), {pid} (sciagraph's own
// process id, as in the default name), {time} (the start, local time, YYYYmmdd-HHMMSS, as in the
// default name) and {env:NAME} (the variable NAME). `{{` and `}}` stand for braces.
//
// Refused, in one line (exit 125, before the job starts): an unknown placeholder, an unclosed
// brace, a variable that is unset or empty (two tasks would share a directory, or the path would
// lose a level without anyone noticing), and a value that would climb out of its place (`..`).
#pragma once

#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace sciagraph::launcher {

struct TemplateValues {
    std::string host;
    pid_t pid = 0;
    std::time_t time = 0;
    std::function<std::optional<std::string>(const std::string&)> env;
};

// The values of this process: gethostname(), getpid(), `now`, and `env` for variables.
TemplateValues
template_values_now(std::time_t now,
                    std::function<std::optional<std::string>(const std::string&)> env);

// Expands `text`; throws LaunchError 125 with one line naming the problem.
std::string expand_output_template(std::string_view text, const TemplateValues& values);

}  // namespace sciagraph::launcher
