// inject/entry.cpp — how the core starts and ends inside the job.
//
// The constructor runs before main (before Python initialises): it reads the settings and
// decides whether this process is profiled (core/tracker.h start()), and in a Python process
// installs the audit hook that checks the interpreter once it is up, before the job's code runs
// (core/python/startup_hook.cpp). The destructor and the _exit hooks write the final dump.
#include "core/tracker.h"
#include "originals.h"

#include <cstdlib>

#include <dlfcn.h>

namespace {

// Priority 101: before other constructors of this library (there are none that allocate), and
// as early as a preloaded library's constructor can be.
__attribute__((constructor(101))) void sciagraph_start()
{
    sciagraph::inject::resolve_originals();
    // Loaded by dlopen rather than preloaded, our hooks are not the process's malloc: stay a
    // passive library rather than track half the calls.
    if (dlsym(RTLD_DEFAULT, "malloc") != sciagraph::inject::our_malloc()) {
        return;
    }
    sciagraph::core::start();
}

__attribute__((destructor(101))) void sciagraph_finish()
{
    sciagraph::core::finish();
}

}  // namespace
