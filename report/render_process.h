// report/render_process.h — one profile's files in one directory: the flamegraphs as SVG, the
// HTML report, folded stacks, speedscope, JSON and pprof. Used for the root process, each child, a
// single dump and a folded-stacks input alike.
#pragma once

#include "errors.h"
#include "graph.h"
#include "pprof.h"
#include "report/report.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace sciagraph::report {

struct ProfileFiles {
    // For dumps: memory (MemoryPeak) and time (Time). For folded input: one Samples graph.
    std::vector<Graph> graphs;
    // The HTML header and page: {"title", "fields": [[label, value]...], "warnings": [...],
    // "processes": [{"pid", "label", "href", "status", "peak"}...], "version"}.
    nlohmann::json page;
    // When not empty: the page's "processes" as JSON text, serialised once for a run's pages
    // (see render_html); `page` then has no "processes" of its own.
    std::string processes_json;
    // profile.json's "summary".
    nlohmann::json summary;
    std::string speedscope_name;
    std::string version;
    // profile.pb.gz: its trees (those the profile recorded, see pprof.h) and facts.
    PprofInput pprof;
};

// Writes the formats asked for into `dir` (created). File names: see design.md; a folded input
// writes `flamegraph.svg` and `stacks.folded` instead of the memory/time pairs. Pprof
// (`profile.pb.gz`) only when asked for by name.
bool write_profile_files(const std::filesystem::path& dir,
                         const ProfileFiles& files,
                         const RenderOptions& options,
                         Error& error);

// Whether `format` is to be written: named in options.formats, or, when none is named, every
// format but Pprof.
bool wants(const RenderOptions& options, Format format);

}  // namespace sciagraph::report
