// launcher/report_stub.cpp — a stand-in for the report library, linked only while report/ does
// not define sciagraph_report (see CMakeLists.txt). It writes a bare summary.json so that a
// run's output directory is still usable; it renders nothing.
#include "report/report.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace sciagraph::report {

std::optional<Format> parse_format(const std::string& name)
{
    if (name == "html")
        return Format::Html;
    if (name == "svg")
        return Format::Svg;
    if (name == "folded")
        return Format::Folded;
    if (name == "speedscope")
        return Format::Speedscope;
    if (name == "json")
        return Format::Json;
    if (name == "pprof")
        return Format::Pprof;
    return std::nullopt;
}

Outcome render_run(const std::filesystem::path& output_dir,
                   const std::filesystem::path& /*raw_dir*/,
                   const RunInfo& info,
                   const RenderOptions& /*options*/)
{
    nlohmann::json summary = {
        {"command", info.command},
        {"exit_code", info.exit_code},
        {"wall_seconds", info.wall_seconds},
        {"cpu_seconds", info.cpu_seconds},
        {"peak_bytes", nullptr},
        {"processes", nlohmann::json::array()},
        {"version", info.version},
    };
    std::ofstream(output_dir / "summary.json") << summary.dump(2) << '\n';
    Outcome outcome;
    outcome.ok = true;
    outcome.warnings.push_back("report library not built: only summary.json was written");
    return outcome;
}

Outcome render_path(const std::filesystem::path& /*input*/,
                    const std::filesystem::path& /*output_dir*/,
                    const RenderOptions& /*options*/)
{
    Outcome outcome;
    outcome.error = "report library not built";
    outcome.exit_status = 1;
    return outcome;
}

}  // namespace sciagraph::report
