// launcher/job_page_file.h — the job page (core/job_format.h) every process of the job maps to
// agree on the job's peak: made in raw/ before the job starts, read back for the report.
#pragma once

#include <filesystem>

namespace sciagraph::launcher {

// Creates raw_dir/job.sgjob with its header and the job's start time. False (with nothing to
// undo) when it cannot: the processes then profile on their own, without the job view.
bool create_job_page(const std::filesystem::path& raw_dir) noexcept;

}  // namespace sciagraph::launcher
