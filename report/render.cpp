// report/render.cpp — the API of report.h: what the input is, and failures turned into
// Outcomes (nothing thrown past this file).
#include "core/dump_format.h"
#include "errors.h"
#include "folded_reader.h"
#include "mapped_file.h"
#include "profile_list.h"
#include "record_reader.h"
#include "render_process.h"
#include "report/report.h"
#include "run_facts.h"
#include "run_merge.h"
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
    if (!is_run_dir(input)) {
        // A folder of runs (the tasks of a cluster job): merged, when it holds any.
        if (auto runs = find_run_dirs(input); !runs.empty()) {
            return render_runs(runs, output_dir, options);
        }
    }
    RunFacts facts;
    std::vector<fs::path> dumps = list_profiles(input / "raw");
    if (std::error_code ec; fs::exists(input / "summary.json", ec)) {
        facts = read_run_facts(input / "summary.json");
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

Outcome render_paths(const std::vector<fs::path>& inputs,
                     const fs::path& output_dir,
                     const RenderOptions& options)
{
    if (inputs.size() == 1) {
        return render_path(inputs.front(), output_dir, options);
    }
    try {
        std::vector<fs::path> runs;
        for (const fs::path& input : inputs) {
            std::error_code ec;
            if (!fs::is_directory(input, ec)) {
                if (!fs::exists(input, ec)) {
                    return failure(ExitStatus::MissingInput,
                                   input.string() + ": no such file or directory");
                }
                return failure(ExitStatus::Mismatch,
                               input.string() + ": several inputs are merged as runs: each must "
                                                "be a run directory or a folder of them");
            }
            const auto found = find_run_dirs(input);
            if (found.empty()) {
                return failure(ExitStatus::MissingInput,
                               input.string() + ": no run directory here (one with raw/)");
            }
            runs.insert(runs.end(), found.begin(), found.end());
        }
        std::sort(runs.begin(), runs.end());
        runs.erase(std::unique(runs.begin(), runs.end()), runs.end());
        return render_runs(runs, output_dir, options);
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
