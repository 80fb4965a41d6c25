// report/render_process.cpp — see render_process.h.
#include "render_process.h"

#include "folded_writer.h"
#include "html.h"
#include "json_out.h"
#include "mapped_file.h"
#include "speedscope.h"
#include "svg.h"

#include <algorithm>
#include <system_error>

namespace sciagraph::report {

bool wants(const RenderOptions& options, Format format)
{
    if (options.formats.empty()) {
        return format != Format::Pprof;
    }
    return std::find(options.formats.begin(), options.formats.end(), format) !=
           options.formats.end();
}

bool write_profile_files(const std::filesystem::path& dir,
                         const ProfileFiles& files,
                         const RenderOptions& options,
                         Error& error)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        error = {ExitStatus::CannotWrite, "cannot create " + dir.string() + ": " + ec.message()};
        return false;
    }
    const Graph* memory = nullptr;
    const Graph* time = nullptr;
    const Graph* samples = nullptr;
    for (const Graph& g : files.graphs) {
        if (g.job) {
            continue;
        }
        (g.kind == GraphKind::MemoryPeak ? memory
         : g.kind == GraphKind::Time     ? time
                                         : samples) = &g;
    }
    auto write = [&](const char* name, const std::string& content) {
        return write_file(dir / name, content, error);
    };
    if (wants(options, Format::Folded)) {
        if ((memory &&
             !write("memory-peak.folded", render_folded(*memory->tree, FoldedMetric::First))) ||
            (time && !write("time-cpu.folded", render_folded(*time->tree, FoldedMetric::First))) ||
            (time &&
             !write("time-wait.folded", render_folded(*time->tree, FoldedMetric::Second))) ||
            (samples &&
             !write("stacks.folded", render_folded(*samples->tree, FoldedMetric::Both)))) {
            return false;
        }
    }
    if (wants(options, Format::Svg)) {
        if ((memory && !write("memory-peak.svg", render_svg(*memory, options.min_width_px))) ||
            (time && !write("time.svg", render_svg(*time, options.min_width_px))) ||
            (samples && !write("flamegraph.svg", render_svg(*samples, options.min_width_px)))) {
            return false;
        }
    }
    if (wants(options, Format::Html) &&
        !write("index.html",
               render_html(files.page, files.graphs, options.min_width_px, files.processes_json))) {
        return false;
    }
    if (wants(options, Format::Speedscope)) {
        std::vector<SpeedscopeProfile> profiles;
        if (memory) {
            profiles.push_back({"memory at peak", memory->tree, 0, "bytes"});
        }
        if (time) {
            profiles.push_back({"CPU time", time->tree, 0, "microseconds"});
            profiles.push_back({"waiting time", time->tree, 1, "microseconds"});
            profiles.push_back({"CPU + waiting time", time->tree, 2, "microseconds"});
        }
        if (samples) {
            profiles.push_back({"samples", samples->tree, 2, "none"});
        }
        if (!write(
                "profile.speedscope.json",
                render_speedscope(files.speedscope_name, "sciagraph@" + files.version, profiles))) {
            return false;
        }
    }
    if (wants(options, Format::Json)) {
        // The full tree (no pruning): this export is for scripts, not for drawing.
        std::string out = "{\"format\":\"sciagraph-profile\",\"format_version\":1,\"summary\":";
        out += files.summary.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        out += ",\"graphs\":[";
        for (size_t i = 0; i < files.graphs.size(); ++i) {
            out += i > 0 ? "," : "";
            append_graph_json(out, files.graphs[i], 0, 1000);
        }
        out += "]}\n";
        if (!write("profile.json", out)) {
            return false;
        }
    }
    if (wants(options, Format::Pprof) && !write("profile.pb.gz", render_pprof(files.pprof))) {
        return false;
    }
    return true;
}

}  // namespace sciagraph::report
