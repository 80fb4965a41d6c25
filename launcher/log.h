// launcher/log.h — the launcher's messages: stderr, each line prefixed "sciagraph: ".
// The only place spdlog is configured; the job's own stdout and stderr are never touched.
#pragma once

#include <spdlog/spdlog.h>

namespace sciagraph::launcher::log {

enum class Verbosity { Quiet, Normal, Verbose };

// Quiet keeps errors (a run that did not start must say why) and drops the rest;
// Verbose adds debug lines (resolved command, environment given to the job).
void setup(Verbosity verbosity);

using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::warn;

}  // namespace sciagraph::launcher::log
