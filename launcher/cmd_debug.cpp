// launcher/cmd_debug.cpp — `sciagraph debug failpoints`. The names come from the core's own
// header (core/failpoint_names.h, shared by design), so the list cannot drift from the core.
#include "cli.h"
#include "core/failpoint_names.h"

#include <ostream>

namespace sciagraph::launcher {

int run_debug_failpoints(std::ostream& out)
{
    for (auto name : sciagraph::core::kFailpointNames) {
        out << name << '\n';
    }
    out.flush();
    return out ? 0 : 1;
}

}  // namespace sciagraph::launcher
