// report/errors.h — failures as values: the report stage never lets an exception or a signal
// reach `sciagraph report`; every failure becomes one line and a distinct exit status.
#pragma once

#include "report/report.h"

#include <algorithm>
#include <string>

namespace sciagraph::report {

// Exit statuses of `sciagraph report`, one per kind of failure, so scripts can tell them apart.
enum class ExitStatus : int {
    Ok = 0,
    MissingInput = 2,  // usage error, no such file, a directory without a profile
    Unreadable = 3,    // cannot be read, or empty
    Corrupt = 4,       // not a profile, or a damaged one
    Incompatible = 5,  // a dump of another format version
    CannotWrite = 6,   // the output could not be written
    Mismatch = 7,      // inputs that do not go together: --diff of memory vs time, a file among
                       // several inputs to merge as runs
};

struct Error {
    ExitStatus status = ExitStatus::Ok;
    std::string message;  // one line
};

// The Outcome of a failed render: its status, and `message` as one line whatever it carried.
inline Outcome failure(ExitStatus status, std::string message)
{
    Outcome o;
    o.ok = false;
    o.exit_status = static_cast<int>(status);
    std::replace(message.begin(), message.end(), '\n', ' ');
    o.error = std::move(message);
    return o;
}

}  // namespace sciagraph::report
