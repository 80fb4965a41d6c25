// inject/entry.cpp — how the core starts and ends inside the job.
//
// The constructor runs before main (before Python initialises): it reads the settings and
// decides whether this process is profiled (core/tracker.h start()). The Python side calls
// sciagraph_python_ready() from the bootstrap (inject/python/sitecustomize.py) once the
// interpreter is up and before the job's code runs. The destructor and the _exit hooks write
// the final dump.
#include "originals.h"

#include "core/tracker.h"

#include <cstdlib>

#include <dlfcn.h>

#define SCIAGRAPH_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

// Priority 101: before other constructors of this library (there are none that allocate), and
// as early as a preloaded library's constructor can be.
__attribute__((constructor(101))) void sciagraph_start()
{
    sciagraph::inject::resolve_originals();
    // Loaded by dlopen (an `import _sciagraph` without the preload), our hooks are not the
    // process's malloc: stay a passive library rather than track half the calls.
    if (dlsym(RTLD_DEFAULT, "malloc") != reinterpret_cast<void*>(&malloc)) {
        return;
    }
    sciagraph::core::start();
}

__attribute__((destructor(101))) void sciagraph_finish()
{
    sciagraph::core::finish();
}

}  // namespace

// Called by the bootstrap with the GIL held. Returns 1 when this process is profiled.
SCIAGRAPH_EXPORT int sciagraph_python_ready()
{
    sciagraph::core::python_ready();
    return sciagraph::core::active() ? 1 : 0;
}
