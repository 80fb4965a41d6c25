// report/write/graph.h — one flamegraph to draw: its tree, what its values mean, and the colour
// rules the SVG and the HTML viewer share (assets/report.js mirrors `frame_colour`).
#pragma once

#include "call_tree.h"

#include <string>
#include <string_view>

namespace sciagraph::report {

enum class GraphKind {
    MemoryPeak,  // metric 0: bytes at the peak
    Time,        // metric 0: CPU µs, metric 1: waiting µs; coloured by CPU share
    Samples,     // folded input: counts of unknown unit
};

class FrameSources;

struct Graph {
    GraphKind kind = GraphKind::Samples;
    const CallTree* tree = nullptr;
    std::string title;
    std::string subtitle;  // e.g. the sampling error note
    // A graph of the whole job (report/model/job_view.h) on the root's page: drawn in index.html,
    // but not one of the process's own files (write_profile_files names those by kind).
    bool job = false;
    // The lines of code of the tree's frames (source_lines.h), shown beside their names in
    // tooltips and tables; null: none are shown.
    FrameSources* sources = nullptr;
};

// "bytes", "microseconds", "samples": the unit name in outputs.
const char* unit_name(GraphKind kind);
// A value as a reader wants it: "1.5 GiB", "2.31 s", "1,234 samples".
std::string format_value(GraphKind kind, uint64_t value);

// Where a Python frame's code lives, from its file name; steers the memory palette.
enum class Origin { User, Library, Stdlib, Pseudo };
Origin frame_origin(std::string_view name);

// "#rrggbb". Memory and samples: hue by origin, shade by a hash of the name (deterministic).
// Time: from blue (all waiting) to orange (all CPU) by the CPU share.
std::string frame_colour(GraphKind kind, std::string_view name, uint64_t cpu, uint64_t wait);

}  // namespace sciagraph::report
