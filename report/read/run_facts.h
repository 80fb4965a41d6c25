// report/read/run_facts.h — what `sciagraph run` knew of a job (its command, how it ended, its
// times, its root process), read back from the run's summary.json to render its directory again
// or to merge it with other runs.
#pragma once

#include "summary.h"

#include <filesystem>

namespace sciagraph::report {

// Whatever `summary_path` holds of it; a missing or unreadable file gives empty facts.
RunFacts read_run_facts(const std::filesystem::path& summary_path);

}  // namespace sciagraph::report
