// core/settings.h — what the launcher tells the core, through the environment (the job's argv
// is never touched):
//   SCIAGRAPH_CORE_SETTINGS   "mode=both;sample_bytes=262144;time_hz=100;persist_ms=1000;
//                              on_unsupported=fail" (every key optional; defaults below)
//   SCIAGRAPH_CORE_DUMP_DIR   where `<pid>.sgdump` goes; without it the core stays passive
//   SCIAGRAPH_CORE_LAUNCHER_PID  the launcher's pid: the process it started is the root job,
//                             the only one allowed to stop with exit 125 on unsupported Python
//   SCIAGRAPH_FAILPOINTS      test switches (core/failpoints.h)
// Parsed once in the constructor with no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core {

enum class Mode { Memory, Time, Both };

struct Settings {
    Mode mode = Mode::Both;
    uint64_t sample_bytes = 256 * 1024;  // mean bytes between memory samples; 1 = exact mode
    unsigned time_hz = 100;
    unsigned persist_ms = 1000;
    bool fail_on_unsupported = true;  // false: run the job unprofiled instead of exit 125
    long launcher_pid = 0;
    char dump_dir[1024] = {};

    bool memory() const noexcept { return mode != Mode::Time; }
    bool time() const noexcept { return mode != Mode::Memory; }
};

// Parses the variables above; false when the core has nowhere to write (not started by
// `sciagraph run`) or the settings are malformed (the reason is set).
bool parse_settings(const char* settings,
                    const char* dump_dir,
                    const char* launcher_pid,
                    Settings& out,
                    const char** error) noexcept;

// Whether the core may write into `dir`: a directory (not a symlink to one) owned by this
// process's effective user that others cannot write to. nullptr when it may; otherwise why
// not. The launcher creates it so; anything else (a path changed in the environment, a child
// that switched users) gets no dump rather than a file in a place someone else controls.
const char* check_dump_dir(const char* dir) noexcept;

const Settings& settings() noexcept;
Settings& mutable_settings() noexcept;

const char* mode_name(Mode mode) noexcept;

}  // namespace sciagraph::core
