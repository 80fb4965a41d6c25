// core/failpoint_names.h — the failpoints of the core, by name. Shared with the launcher, which
// lists them for `sciagraph debug failpoints`. `SCIAGRAPH_FAILPOINTS=name[,name...]` or `all`
// turns them on; each makes its spot of the core fail the way a real bug there would.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace sciagraph::core {

enum class Failpoint : unsigned {
    StartupCheck,    // the core's start-up checks throw
    LayoutCheck,     // the CPython layout check finds a mismatch
    ArenaMap,        // mmap of the core's own tables is refused
    AllocHook,       // the allocation hook's slow path throws
    StackCapture,    // reading the Python stack hits a bad frame
    SamplerStart,    // the time sampler thread cannot be started
    SamplerRead,     // the sampler's reads of other threads fail
    DumpWrite,       // writing the dump fails with EIO
    DumpDiskFull,    // writing the dump fails with ENOSPC
    ForkHandler,     // the at-fork child handler throws
    TableFull,       // the live-allocation table reports itself full
    SamplerFdTable,  // the sampler cannot close its copies of the job's descriptors
    WrongOffsets,    // one offset of the interpreter's layout is wrong (published or built in)
    RecordFile,      // the live record's file cannot be allocated (a full disk): kept in memory
    JobPage,         // the job page cannot be mapped: the process is left out of the job view
    Count
};

inline constexpr std::array<std::string_view, static_cast<size_t>(Failpoint::Count)>
    kFailpointNames = {
        "startup-check", "layout-check",     "arena-map",     "alloc-hook",     "stack-capture",
        "sampler-start", "sampler-read",     "dump-write",    "dump-disk-full", "fork-handler",
        "table-full",    "sampler-fd-table", "wrong-offsets", "record-file",    "job-page",
};

}  // namespace sciagraph::core
