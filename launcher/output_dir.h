// launcher/output_dir.h — the run's output directory, made safe to write into before the job
// starts: created with the user's umask, empty, writable, with raw/ for the core's dumps.
#pragma once

#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace sciagraph::launcher {

// "YYYYmmdd-HHMMSS", local time: how a run's directory names its start (the default name, the
// `{time}` of an output template).
std::string local_time_stamp(std::time_t now);

// "sciagraph-result/<YYYYmmdd-HHMMSS>-<pid>" (local time), relative to the current directory.
std::filesystem::path default_output_dir(std::time_t now, pid_t pid);

// Creates `dir` and its parents (mode 0777 & ~umask, as mkdir(1)), or accepts it when it exists
// and is empty, then creates `dir/raw`. A directory with files in it is refused, so a run's
// dumps and reports are never mixed with another's. Throws LaunchError 125 with one line.
void prepare_output_dir(const std::filesystem::path& dir);

// Writes a new file in `dir`: O_CREAT|O_EXCL|O_NOFOLLOW, mode 0666 & ~umask. Never replaces or
// follows an existing file or symlink (a pre-planted link cannot redirect the write).
// Throws LaunchError 125 with one line.
void write_new_file(const std::filesystem::path& dir,
                    std::string_view name,
                    std::string_view contents);

}  // namespace sciagraph::launcher
