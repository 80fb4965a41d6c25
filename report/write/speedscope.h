// report/write/speedscope.h — speedscope's file format
// (https://www.speedscope.app/file-format-schema.json): shared, deduplicated frames and one
// "sampled" profile per metric, each sample a root-first list of frame indices with its weight.
#pragma once

#include "graph.h"

#include <string>
#include <vector>

namespace sciagraph::report {

struct SpeedscopeProfile {
    std::string name;  // e.g. "memory at peak"
    const CallTree* tree = nullptr;
    int metric = 0;             // 0, 1, or 2 for both together
    const char* unit = "none";  // none | microseconds | bytes | ...
};

std::string render_speedscope(const std::string& name,
                              const std::string& exporter,
                              const std::vector<SpeedscopeProfile>& profiles);

}  // namespace sciagraph::report
