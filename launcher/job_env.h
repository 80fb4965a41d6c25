// launcher/job_env.h — the environment the job starts with: the user's own, plus what the core
// needs. Pure functions over strings, so composition can be tested without a process.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sciagraph::launcher {

// "ours:theirs", theirs kept byte for byte (glibc also splits LD_PRELOAD on spaces; a string
// we do not parse cannot be damaged). No user value, or an empty one: just ours.
std::string prepend_path_list(const std::string& ours, const std::optional<std::string>& theirs);

// What the launcher adds or replaces for a profiled job.
struct CoreEnvironment {
    std::string core_library;   // absolute path of libsciagraph_preload.so
    std::string dump_dir;       // absolute <output>/raw
    std::string core_settings;  // SCIAGRAPH_CORE_SETTINGS value
    long launcher_pid = 0;      // sciagraph's own pid: the core's root job is its direct child
};

// The names the launcher sets; any inherited value of them is replaced (LD_PRELOAD is extended
// instead). PYTHONPATH is the job's own: the core needs no Python bootstrap.
inline constexpr const char* kDumpDirVar = "SCIAGRAPH_CORE_DUMP_DIR";
inline constexpr const char* kCoreSettingsVar = "SCIAGRAPH_CORE_SETTINGS";
// Read by the core: only the process whose parent is this pid (the job sciagraph started, also
// through "#!" and env(1), which exec in place) may stop with 125 on an unsupported Python;
// its children just run unprofiled.
inline constexpr const char* kLauncherPidVar = "SCIAGRAPH_CORE_LAUNCHER_PID";

// `parent` is "NAME=VALUE" entries in their original order (environ). The result keeps that
// order and every other entry untouched; changed variables stay where they were, new ones go
// at the end. With `core` unset (running unprofiled) the SCIAGRAPH_CORE_* variables are
// removed, so no core loaded by the user's own LD_PRELOAD mistakes itself for a profiled run.
std::vector<std::string> job_environment(const std::vector<std::string>& parent,
                                         const std::optional<CoreEnvironment>& core);

}  // namespace sciagraph::launcher
