// launcher/log.cpp
#include "log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <memory>

namespace sciagraph::launcher::log {

void setup(Verbosity verbosity)
{
    // Plain (uncoloured) stderr sink: colour codes would end up in logs of batch jobs, and a
    // single-threaded launcher needs no mutex sink.
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_st>();
    auto logger = std::make_shared<spdlog::logger>("sciagraph", sink);
    logger->set_pattern("sciagraph: %v");
    switch (verbosity) {
    case Verbosity::Quiet:
        logger->set_level(spdlog::level::err);
        break;
    case Verbosity::Normal:
        logger->set_level(spdlog::level::info);
        break;
    case Verbosity::Verbose:
        logger->set_level(spdlog::level::debug);
        break;
    }
    // Each line is flushed at once: the launcher's lines must not be held back behind the
    // job's own output on a shared terminal.
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
}

}  // namespace sciagraph::launcher::log
