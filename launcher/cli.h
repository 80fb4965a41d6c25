// launcher/cli.h — the whole command line: `run`, `report`, `debug failpoints`, --help,
// --version. Parsing is separate from acting so that it can be tested on plain argument lists.
#pragma once

#include "cmd_report.h"
#include "cmd_run.h"

#include <optional>
#include <string>
#include <vector>

namespace sciagraph::launcher {

struct ParsedCli {
    enum class Action { Run, Report, DebugFailpoints, Exit };
    Action action = Action::Exit;
    int exit_status = 0;  // for Exit
    std::string out;      // for Exit: help or version text for stdout
    std::string error;    // for Exit: one line for stderr (usage error), without the prefix
    RunOptions run;
    ReportArgs report;
};

// `args` are the arguments after argv[0]. Usage errors exit 125 under `run` (its contract:
// sciagraph could not start the job) and 2 elsewhere, as usage errors usually do.
ParsedCli parse_cli(const std::vector<std::string>& args);

// The name under which the executable stands where a Python interpreter is expected: engines
// that take a path to `python` (Ray's `py_executable`, PySpark's `PYSPARK_PYTHON`, a Dask
// worker's command) run `sciagraph-python ARGS...` as `sciagraph run -- PYTHON ARGS...`, PYTHON
// being $SCIAGRAPH_PYTHON or `python3`. Every other setting comes from the `SCIAGRAPH_*`
// environment or the config file (`SCIAGRAPH_OUTPUT='/shared/runs/{host}-{pid}'`).
inline constexpr const char* kPythonStandIn = "sciagraph-python";

// The arguments `sciagraph` would get for `argv0 args...` when argv0's name is the stand-in's
// (`python` being the interpreter to run); nullopt for any other name.
std::optional<std::vector<std::string>> python_stand_in_args(const std::string& argv0,
                                                             const std::vector<std::string>& args,
                                                             const std::string& python);

// `sciagraph debug failpoints`: every failpoint name of the core, one per line.
int run_debug_failpoints(std::ostream& out);

}  // namespace sciagraph::launcher
