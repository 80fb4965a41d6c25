// report/read/live_process.h — is the process that owns a live record still running?
//
// A record (core/record_format.h) of a process that has not reached its exit reads as "killed
// while recording", which is only true once the process is gone. The launcher renders when the
// job's root process ends, and some processes outlive it by a moment (multiprocessing's
// resource tracker and forkserver, a pool worker being reaped) or for good (a daemon the job
// started). A process still maps its own record, so /proc/<pid>/maps tells, by device and inode
// (not by path: a job in a chroot sees the file under another one).
#pragma once

#include <chrono>
#include <filesystem>
#include <vector>

namespace sciagraph::report {

// `ended` of a process whose record was read while the process still ran.
inline constexpr const char* kEndedRunning = "still running when the report was made";

// True when process `pid` exists and maps the file `record`.
bool process_holds_record(long pid, const std::filesystem::path& record);

// The records in `dir` (`<pid>.sgrec`) whose process still holds them.
std::vector<std::filesystem::path> records_still_held(const std::filesystem::path& dir);

// Waits until no record in `dir` is held by a running process, or `limit` passed. Returns the
// records still held then.
std::vector<std::filesystem::path> wait_for_recording_processes(const std::filesystem::path& dir,
                                                                std::chrono::milliseconds limit);

}  // namespace sciagraph::report
