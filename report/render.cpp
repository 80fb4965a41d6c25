// report/render.cpp — the API of report.h: what the input is, and failures turned into
// Outcomes (nothing thrown past this file).
#include "core/dump_format.h"
#include "folded_reader.h"
#include "mapped_file.h"
#include "profile_list.h"
#include "record_reader.h"
#include "render_process.h"
#include "report/report.h"
#include "run_render.h"
#include "sciagraph_version.h"
#include "source_lines.h"
#include "text.h"

#include <algorithm>
#include <exception>
#include <fstream>
#include <system_error>

namespace sciagraph::report {
namespace {

namespace fs = std::filesystem;

Outcome failure(ExitStatus status, std::string message)
{
    Outcome o;
    o.ok = false;
    o.exit_status = static_cast<int>(status);
    // One line, whatever the message carried.
    std::replace(message.begin(), message.end(), '\n', ' ');
    o.error = std::move(message);
    return o;
}

// Reads back what `sciagraph run` knew of the job, when re-rendering its directory.
RunFacts facts_from_summary(const fs::path& summary_path)
{
    RunFacts facts;
    std::ifstream in(summary_path);
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object()) {
        return facts;
    }
    auto get_int = [&](const char* key) -> std::optional<long> {
        const auto it = j.find(key);
        return it != j.end() && it->is_number_integer() ? std::optional<long>(it->get<long>())
                                                        : std::nullopt;
    };
    auto get_double = [&](const char* key) -> std::optional<double> {
        const auto it = j.find(key);
        return it != j.end() && it->is_number() ? std::optional<double>(it->get<double>())
                                                : std::nullopt;
    };
    if (const auto it = j.find("command"); it != j.end() && it->is_array()) {
        for (const auto& arg : *it) {
            if (arg.is_string()) {
                facts.command.push_back(arg.get<std::string>());
            }
        }
    }
    if (const auto v = get_int("exit_code")) {
        facts.exit_code = static_cast<int>(*v);
    }
    if (const auto v = get_int("signal")) {
        facts.signal = static_cast<int>(*v);
    }
    facts.wall_seconds = get_double("wall_seconds");
    facts.cpu_seconds = get_double("cpu_seconds");
    facts.root_pid = get_int("root_pid");
    if (const auto it = j.find("version"); it != j.end() && it->is_string()) {
        facts.version = it->get<std::string>();
    }
    return facts;
}

Outcome render_folded_file(const std::shared_ptr<MappedFile>& file,
                           const fs::path& input,
                           const fs::path& output_dir,
                           const RenderOptions& options)
{
    FoldedResult parsed = parse_folded(file->text(), file);
    if (!parsed.tree) {
        return failure(parsed.error.status, input.string() + ": " + parsed.error.message);
    }
    Outcome outcome;
    if (parsed.bad_lines > 0) {
        outcome.warnings.push_back(std::to_string(parsed.bad_lines) +
                                   " lines were not 'stack count' and were skipped (first: line " +
                                   std::to_string(parsed.first_bad_line) + ")");
    }
    ProfileFiles files;
    files.version = SCIAGRAPH_VERSION;
    const std::string title = options.title.empty() ? input.filename().string() : options.title;
    const uint64_t total = parsed.tree->weight(CallTree::kRoot);
    files.graphs.push_back(
        {GraphKind::Samples, parsed.tree.get(), title, std::to_string(parsed.stacks) + " stacks"});
    // Another tool's stacks say nothing of the job's directory or start: relative file names
    // are taken from where `sciagraph report` runs, and no file counts as changed.
    SourceFiles source_files;
    std::optional<FrameSources> sources;
    if (options.source_lines) {
        std::error_code ec;
        SourceContext context;
        context.cwd = fs::current_path(ec);
        sources.emplace(*parsed.tree, source_files, std::move(context));
        files.graphs.back().sources = &*sources;
    }
    files.page["title"] = title;
    files.page["fields"] = nlohmann::json::array({{"Input", input.string()},
                                                  {"Stacks", std::to_string(parsed.stacks)},
                                                  {"Total", std::to_string(total)},
                                                  {"sciagraph", SCIAGRAPH_VERSION}});
    files.page["warnings"] = outcome.warnings;
    files.page["processes"] = nlohmann::json::array();
    files.page["version"] = SCIAGRAPH_VERSION;
    files.summary = {{"input", input.string()},
                     {"stacks", parsed.stacks},
                     {"skipped_lines", parsed.bad_lines},
                     {"total", total}};
    files.speedscope_name = title;
    files.pprof.samples = parsed.tree.get();
    files.pprof.comments = {std::string("sciagraph ") + SCIAGRAPH_VERSION,
                            "input: " + input.string()};
    Error error;
    if (!write_profile_files(output_dir, files, options, error)) {
        return failure(error.status, error.message);
    }
    outcome.ok = true;
    return outcome;
}

Outcome
render_directory(const fs::path& input, const fs::path& output_dir, const RenderOptions& options)
{
    RunFacts facts;
    std::vector<fs::path> dumps = list_profiles(input / "raw");
    if (std::error_code ec; fs::exists(input / "summary.json", ec)) {
        facts = facts_from_summary(input / "summary.json");
    }
    if (dumps.empty()) {
        dumps = list_profiles(input);
    }
    if (dumps.empty()) {
        return failure(ExitStatus::MissingInput,
                       input.string() + ": no profile here (expected raw/*.sgdump or raw/*.sgrec)");
    }
    if (facts.version.empty()) {
        facts.version = SCIAGRAPH_VERSION;
    }
    Outcome outcome = render_dumps(output_dir, dumps, facts, options);
    if (outcome.ok) {
        // Some process must have rendered, or there is nothing to look at.
        std::ifstream in(output_dir / "summary.json");
        const nlohmann::json summary = nlohmann::json::parse(in, nullptr, false);
        bool any = false;
        if (summary.is_object() && summary["processes"].is_array()) {
            for (const auto& p : summary["processes"]) {
                any = any || p["dir"].is_string();
            }
        }
        if (!any) {
            const std::string why =
                outcome.warnings.empty() ? "no readable dump" : outcome.warnings.front();
            return failure(ExitStatus::Corrupt, input.string() + ": " + why);
        }
    }
    return outcome;
}

Outcome
render_input(const fs::path& input, const fs::path& output_dir, const RenderOptions& options)
{
    std::error_code ec;
    const fs::file_status st = fs::status(input, ec);
    if (ec || !fs::exists(st)) {
        return failure(ExitStatus::MissingInput, input.string() + ": no such file or directory");
    }
    if (fs::is_directory(st)) {
        return render_directory(input, output_dir, options);
    }
    Error error;
    const auto file = MappedFile::open(input, error);
    if (!file) {
        return failure(error.status, error.message);
    }
    if (file->size() == 0) {
        return failure(ExitStatus::Unreadable, input.string() + ": empty file");
    }
    const unsigned char* data = file->data();
    const size_t size = file->size();
    const bool record = read_as_record(data, size, input);
    if (record || looks_like_dump(data, size) ||
        input.extension() == sciagraph::dump::kFileSuffix) {
        const DumpResult r = record ? parse_record(data, size) : parse_dump(data, size);
        if (!r.dump) {
            return failure(r.error.status, input.string() + ": " + r.error.message);
        }
        RunFacts facts;
        facts.version = SCIAGRAPH_VERSION;
        if (const auto pid = r.dump->meta_number(sciagraph::dump::meta::kPid)) {
            facts.root_pid = static_cast<long>(*pid);
        }
        facts.command = r.dump->command();
        return render_dumps(output_dir, {input}, facts, options);
    }
    return render_folded_file(file, input, output_dir, options);
}

}  // namespace

std::optional<Format> parse_format(const std::string& name)
{
    if (name == "html") {
        return Format::Html;
    }
    if (name == "svg") {
        return Format::Svg;
    }
    if (name == "folded") {
        return Format::Folded;
    }
    if (name == "speedscope") {
        return Format::Speedscope;
    }
    if (name == "json") {
        return Format::Json;
    }
    if (name == "pprof") {
        return Format::Pprof;
    }
    return std::nullopt;
}

Outcome render_run(const fs::path& output_dir,
                   const fs::path& raw_dir,
                   const RunInfo& info,
                   const RenderOptions& options)
{
    try {
        RunFacts facts;
        facts.command = info.command;
        facts.exit_code = info.exit_code;
        facts.signal = info.signal;
        facts.wall_seconds = info.wall_seconds;
        facts.cpu_seconds = info.cpu_seconds;
        if (info.root_pid > 0) {
            facts.root_pid = info.root_pid;
        }
        facts.version = info.version.empty() ? std::string(SCIAGRAPH_VERSION) : info.version;
        std::error_code ec;
        fs::create_directories(output_dir, ec);
        if (ec) {
            return failure(ExitStatus::CannotWrite,
                           "cannot create " + output_dir.string() + ": " + ec.message());
        }
        return render_dumps(output_dir, list_profiles(raw_dir), facts, options);
    } catch (const std::exception& e) {
        return failure(ExitStatus::Corrupt, std::string("report failed: ") + e.what());
    }
}

Outcome render_path(const fs::path& input, const fs::path& output_dir, const RenderOptions& options)
{
    try {
        if (input.empty()) {
            return failure(ExitStatus::MissingInput, "no input given");
        }
        return render_input(input, output_dir, options);
    } catch (const std::exception& e) {
        return failure(ExitStatus::Corrupt, std::string("report failed: ") + e.what());
    }
}

}  // namespace sciagraph::report
