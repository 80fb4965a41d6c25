// report/read/profile_list.h — which files in a run's raw/ directory are its processes' profiles.
//
// A process leaves `<pid>.sgdump` (its dump: final at exit, or periodic while it ran) and, while
// it runs, `<pid>.sgrec` (its live record, core/record_format.h), removed once the final dump is
// written. So a record beside a dump means the process died after the dump was written, and the
// record, kept up to date to the end, is the newer of the two — unless the dump is final (a
// process that died between writing it and removing the record).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

namespace sciagraph::report {

// One file per process from `files` (any order; other suffixes are dropped), sorted: a lone
// dump or record; of a pair with the same name, the dump when `is_final_dump(dump)`, otherwise
// the record.
std::vector<std::filesystem::path>
pick_profiles(std::vector<std::filesystem::path> files,
              const std::function<bool(const std::filesystem::path&)>& is_final_dump);

// The process id a profile's file is named after (`<pid>.sgdump`, `<pid>.sgrec`), if it is one.
std::optional<long> pid_from_name(const std::filesystem::path& path);

// pick_profiles over the files in `dir`, reading a dump's meta where a record is beside it.
// An unreadable dump is not final.
std::vector<std::filesystem::path> list_profiles(const std::filesystem::path& dir);

}  // namespace sciagraph::report
