// report/diff_render.cpp — render_diff of report.h: reads both inputs, pairs what they have of
// the same kind, writes a `.diff.folded` per pair and one HTML page with a differential
// flamegraph per pair. Nothing is thrown past this file.
#include "diff.h"
#include "diff_input.h"
#include "diff_json.h"
#include "errors.h"
#include "html.h"
#include "mapped_file.h"
#include "report/report.h"
#include "sciagraph_version.h"
#include "text.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <system_error>

namespace sciagraph::report {
namespace {

namespace fs = std::filesystem;

// Rows of the table of largest changes, per graph.
constexpr size_t kChangeRows = 200;

struct Pair {
    GraphKind kind;
    const CallTree* before;
    const CallTree* after;
    const char* file;
};

const char* folded_name(GraphKind kind)
{
    switch (kind) {
    case GraphKind::MemoryPeak:
        return "memory-peak.diff.folded";
    case GraphKind::Time:
        return "time.diff.folded";
    case GraphKind::Samples:
        break;
    }
    return "stacks.diff.folded";
}

std::string holds(const DiffInput& input)
{
    if (input.samples) {
        return "folded stacks of unknown unit";
    }
    if (input.memory && input.time) {
        return "memory and time";
    }
    if (input.memory) {
        return "memory only";
    }
    return input.time ? "time only" : "no profile";
}

// What the two inputs have of the same kind. A folded file of unknown unit goes with another
// such file, or with the one kind the other input has; with both it cannot be told which.
std::vector<Pair> pair_up(const DiffInput& b,
                          const DiffInput& a,
                          const fs::path& b_path,
                          const fs::path& a_path,
                          std::string& why_none)
{
    std::vector<Pair> pairs;
    if (b.memory && a.memory) {
        pairs.push_back({GraphKind::MemoryPeak, b.memory.get(), a.memory.get(), nullptr});
    }
    if (b.time && a.time) {
        pairs.push_back({GraphKind::Time, b.time.get(), a.time.get(), nullptr});
    }
    if (b.samples && a.samples) {
        pairs.push_back({GraphKind::Samples, b.samples.get(), a.samples.get(), nullptr});
    } else if (b.samples || a.samples) {
        const bool before_unknown = b.samples != nullptr;
        const DiffInput& other = before_unknown ? a : b;
        const CallTree* unknown = before_unknown ? b.samples.get() : a.samples.get();
        const CallTree* known = nullptr;
        GraphKind kind = GraphKind::Samples;
        if (other.memory && !other.time) {
            known = other.memory.get();
            kind = GraphKind::MemoryPeak;
        } else if (other.time && !other.memory) {
            known = other.time.get();
            kind = GraphKind::Time;
        }
        if (known != nullptr) {
            pairs.push_back({kind, before_unknown ? unknown : known,
                             before_unknown ? known : unknown, nullptr});
        } else {
            why_none = "cannot compare " + (before_unknown ? b_path : a_path).string() +
                       " (folded stacks of unknown unit) with " +
                       (before_unknown ? a_path : b_path).string() +
                       " (memory and time): give its memory-peak.folded or time-cpu.folded";
            return {};
        }
    }
    for (Pair& p : pairs) {
        p.file = folded_name(p.kind);
    }
    if (pairs.empty()) {
        why_none = "cannot compare " + b_path.string() + " (" + holds(b) + ") with " +
                   a_path.string() + " (" + holds(a) + "): nothing of the same kind";
    }
    return pairs;
}

// "+40.0 MiB", "-1.20 s", "+0 B".
std::string signed_value(GraphKind kind, uint64_t before, uint64_t after)
{
    const bool grew = after >= before;
    // Appended, not `"+" + string`: GCC 12 warns (-Wrestrict) on that, wrongly.
    std::string out = grew ? "+" : "-";
    out += format_value(kind, grew ? after - before : before - after);
    return out;
}

std::string relative(uint64_t before, uint64_t after)
{
    if (before == 0) {
        return after == 0 ? "no change" : "new";
    }
    const double change =
        (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(before);
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%+.1f%%", 100.0 * change);
    return buffer;
}

std::string change_line(GraphKind kind, uint64_t before, uint64_t after)
{
    return format_value(kind, before) + " → " + format_value(kind, after) + " (" +
           signed_value(kind, before, after) + ", " + relative(before, after) + ")";
}

const char* kind_title(GraphKind kind)
{
    switch (kind) {
    case GraphKind::MemoryPeak:
        return "Memory at peak";
    case GraphKind::Time:
        return "Time, CPU + waiting";
    case GraphKind::Samples:
        break;
    }
    return "Samples";
}

// The last part of a path: "run2" of "results/run2/".
std::string short_name(const fs::path& path)
{
    const fs::path name = path.has_filename() ? path.filename() : path.parent_path().filename();
    return name.empty() ? path.string() : name.string();
}

// "3 stacks grew (1 new), 2 shrank (1 gone)".
std::string stack_counts(const CallTree& diff)
{
    size_t grew = 0, fresh = 0, shrank = 0, gone = 0;
    for (uint32_t n = 1; n < diff.size(); ++n) {
        const uint64_t b = diff.self0(n), a = diff.self1(n);
        grew += a > b;
        fresh += b == 0 && a > 0;
        shrank += a < b;
        gone += a == 0 && b > 0;
    }
    return std::to_string(grew) + (grew == 1 ? " stack" : " stacks") + " grew (" +
           std::to_string(fresh) + " new), " + std::to_string(shrank) + " shrank (" +
           std::to_string(gone) + " gone)";
}

Outcome diff_paths(const fs::path& before_path,
                   const fs::path& after_path,
                   const fs::path& output_dir,
                   const RenderOptions& options)
{
    Error error;
    const std::optional<DiffInput> before = load_diff_input(before_path, error);
    if (!before) {
        return failure(error.status, error.message);
    }
    const std::optional<DiffInput> after = load_diff_input(after_path, error);
    if (!after) {
        return failure(error.status, error.message);
    }
    std::string why_none;
    const std::vector<Pair> pairs = pair_up(*before, *after, before_path, after_path, why_none);
    if (pairs.empty()) {
        return failure(ExitStatus::Mismatch, why_none);
    }
    std::error_code ec;
    fs::create_directories(output_dir, ec);
    if (ec) {
        return failure(ExitStatus::CannotWrite,
                       "cannot create " + output_dir.string() + ": " + ec.message());
    }

    Outcome outcome;
    outcome.warnings = before->warnings;
    outcome.warnings.insert(outcome.warnings.end(), after->warnings.begin(), after->warnings.end());
    auto fields = nlohmann::json::array();
    // One field, the page's full width (the header's first): paths are long.
    fields.push_back({"Compared", before_path.string() + " (" + before->what + ") → " +
                                      after_path.string() + " (" + after->what + ")"});
    std::string graphs_json = "[";
    for (const Pair& p : pairs) {
        // One diff tree at a time: the trees of a large profile are the memory that matters.
        const std::unique_ptr<CallTree> diff = diff_trees(*p.before, *p.after);
        if (!write_file(output_dir / p.file, render_diff_folded(*diff), error)) {
            return failure(error.status, error.message);
        }
        const uint64_t b = diff->total0(CallTree::kRoot), a = diff->total1(CallTree::kRoot);
        fields.push_back({kind_title(p.kind), change_line(p.kind, b, a)});
        Graph graph{p.kind, diff.get(),
                    std::string(kind_title(p.kind)) + ": " + change_line(p.kind, b, a),
                    "drawn as AFTER; " + stack_counts(*diff) + "; " + p.file};
        graphs_json += graphs_json.size() > 1 ? "," : "";
        append_diff_graph_json(graphs_json, graph, options.min_width_px, kChangeRows);
    }
    graphs_json += "]";
    fields.push_back({"sciagraph", SCIAGRAPH_VERSION});

    nlohmann::json page;
    page["title"] = options.title.empty() ? "sciagraph diff: " + short_name(before_path) + " → " +
                                                short_name(after_path)
                                          : options.title;
    page["fields"] = fields;
    page["warnings"] = outcome.warnings;
    page["processes"] = nlohmann::json::array();
    page["version"] = SCIAGRAPH_VERSION;
    if (!write_file(output_dir / "index.html", render_html_page(page, graphs_json), error)) {
        return failure(error.status, error.message);
    }
    outcome.ok = true;
    return outcome;
}

}  // namespace

Outcome render_diff(const fs::path& before,
                    const fs::path& after,
                    const fs::path& output_dir,
                    const RenderOptions& options)
{
    try {
        if (before.empty() || after.empty()) {
            return failure(ExitStatus::MissingInput, "--diff needs two inputs, BEFORE and AFTER");
        }
        return diff_paths(before, after, output_dir, options);
    } catch (const std::exception& e) {
        return failure(ExitStatus::Corrupt, std::string("diff failed: ") + e.what());
    }
}

}  // namespace sciagraph::report
