// report/run_render.cpp — see run_render.h.
//
// Dumps are read twice: once for every process's summary entry (the root's page links to all
// of them), then one at a time to render, so only one process's trees are in memory at once.
#include "run_render.h"

#include "core/dump_format.h"
#include "core/record_format.h"
#include "dump_to_tree.h"
#include "folded_writer.h"
#include "job_view.h"
#include "live_process.h"
#include "mapped_file.h"
#include "pprof.h"
#include "profile_list.h"
#include "render_process.h"
#include "source_lines.h"
#include "svg.h"
#include "text.h"
#include "timeline_svg.h"

#include <algorithm>
#include <unordered_map>

namespace sciagraph::report {
namespace {

namespace fs = std::filesystem;
namespace meta = sciagraph::dump::meta;

std::string relative_name(const fs::path& path, const fs::path& base)
{
    std::error_code ec;
    const fs::path rel = fs::relative(path, base, ec);
    return ec || rel.empty() ? path.string() : rel.generic_string();
}

const char* status_of(ExitStatus s)
{
    switch (s) {
    case ExitStatus::MissingInput:
        return "no dump";
    case ExitStatus::Unreadable:
        return "unreadable";
    case ExitStatus::Incompatible:
        return "incompatible";
    default:
        return "corrupt";
    }
}

}  // namespace

// A record can go between the listing and the reading: its process reached its exit and wrote
// its final dump meanwhile. Then that dump is read, and `path` names it.
DumpResult read_profile(fs::path& path)
{
    DumpResult r = read_dump_file(path);
    if (!r.dump && path.extension() == record::kFileSuffix) {
        std::error_code ec;
        fs::path dump = path;
        dump.replace_extension(sciagraph::dump::kFileSuffix);
        if (!fs::exists(path, ec) && fs::exists(dump, ec)) {
            path = dump;
            r = read_dump_file(path);
        }
    }
    return r;
}

// What the process's frames' file names mean: relative to its working directory (the `cwd` meta;
// a dump from before it was written reads absolute names only), and read only when not modified
// since the process started. The start is the dump's time stamp less the process's wall time
// (a final dump is written at the exit; a record is refreshed until the process ends).
SourceContext source_context(const Dump& dump, const fs::path& path)
{
    SourceContext context;
    if (const auto cwd = dump.meta_value(meta::kCwd); cwd && !cwd->empty() && cwd->front() == '/') {
        context.cwd = *cwd;
    }
    std::error_code ec;
    const fs::file_time_type written = fs::last_write_time(path, ec);
    const auto wall = dump.meta_number(meta::kWallSeconds);
    if (!ec && wall && *wall >= 0 && *wall < 1e9) {
        context.started = written - std::chrono::duration_cast<fs::file_time_type::duration>(
                                        std::chrono::duration<double>(*wall));
    }
    return context;
}

namespace {

// profile.pb.gz of a process: the trees its mode recorded, its sampling rates, its time span
// (its start on the wall clock only with the job page, whose start is on both clocks).
PprofInput pprof_input(const Dump& dump,
                       const DumpTrees& trees,
                       const std::optional<JobPageFacts>& page,
                       long pid,
                       const RunFacts& run)
{
    PprofInput in;
    const Recorded what = recorded(dump);
    in.memory = what.memory ? trees.memory.get() : nullptr;
    in.time = what.time ? trees.time.get() : nullptr;
    in.memory_interval_bytes = static_cast<uint64_t>(
        std::max<int64_t>(dump.meta_integer(meta::kSampleIntervalBytes).value_or(0), 0));
    in.time_hz =
        static_cast<uint64_t>(std::max<int64_t>(dump.meta_integer(meta::kTimeHz).value_or(0), 0));
    const auto start = dump.meta_integer(meta::kStartMonotonicNs);
    const auto end = dump.meta_integer(meta::kEndMonotonicNs);
    if (start && end && *start > 0 && *end >= *start) {
        in.duration_nanos = *end - *start;
    } else if (const auto wall = dump.meta_number(meta::kWallSeconds);
               wall && *wall >= 0 && *wall < 1e9) {
        in.duration_nanos = static_cast<int64_t>(*wall * 1e9);
    }
    if (page && page->start_realtime_ns > 0 && page->start_monotonic_ns > 0 && start &&
        *start > 0) {
        in.time_nanos = static_cast<int64_t>(page->start_realtime_ns) +
                        (*start - static_cast<int64_t>(page->start_monotonic_ns));
    }
    in.comments.push_back("sciagraph " + run.version);
    in.comments.push_back("pid " + std::to_string(pid) + ": " + join_command(dump.command()));
    if (in.memory) {
        in.comments.push_back("inuse_space: memory at the peak; " +
                              sampling_note(dump.meta_number(meta::kSampleIntervalBytes)));
    }
    return in;
}

struct Loaded {
    fs::path path;
    std::optional<long> ppid;
    ProcessEntry entry;
};

// The page of one process: header fields and warnings; its table of processes comes from
// ProcessTable.
nlohmann::json make_page(const RunFacts& run,
                         const std::vector<Loaded>& all,
                         const Loaded& self,
                         const Dump& dump,
                         bool is_root,
                         const std::vector<std::string>& warnings,
                         const RenderOptions& options)
{
    nlohmann::json page;
    const std::string command = join_command(run.command);
    std::string title = options.title.empty() ? "sciagraph: " + command : options.title;
    if (!is_root) {
        title += " (process " + std::to_string(self.entry.pid) + ")";
    }
    page["title"] = title;
    auto fields = nlohmann::json::array();
    fields.push_back({"Command", command.empty() ? std::string("unknown") : command});
    if (is_root) {
        fields.push_back({"Exit status", describe_exit(run.exit_code, run.signal)});
    }
    if (const auto ended = self.entry.json.value("ended", nlohmann::json()); ended.is_string()) {
        fields.push_back({"Ended", ended});
    }
    const auto peak = dump.meta_number(meta::kPeakBytes);
    fields.push_back({"Peak memory", peak ? human_bytes(*peak) + " (exact)" : "unknown"});
    const auto wall =
        is_root && run.wall_seconds ? run.wall_seconds : dump.meta_number(meta::kWallSeconds);
    const auto cpu =
        is_root && run.cpu_seconds ? run.cpu_seconds : dump.meta_number(meta::kCpuSeconds);
    fields.push_back({"Wall time", wall ? human_micros(*wall * 1e6) : "unknown"});
    fields.push_back({"CPU time", cpu ? human_micros(*cpu * 1e6) : "unknown"});
    fields.push_back(
        {"Process",
         std::to_string(self.entry.pid) +
             (is_root ? " (root)"
                      : " (child of " +
                            (self.ppid ? std::to_string(*self.ppid) : std::string("?")) + ")")});
    fields.push_back({"Processes", std::to_string(all.size())});
    fields.push_back({"Python", dump.meta_value(meta::kPythonVersion).value_or("unknown")});
    fields.push_back({"sciagraph", run.version.empty() ? std::string("unknown") : run.version});
    page["fields"] = fields;
    page["warnings"] = warnings;
    page["version"] = run.version;
    page["current"] = self.entry.pid;
    page["processes_total"] = all.size();  // a child's table lists its neighbourhood only
    return page;
}

// The tables of processes the pages show, as JSON text. The root's page lists every process,
// built once (again only when a process's page fails after all: its link goes). A child's page
// lists its neighbourhood: the root (whose page lists all), its parent, itself and its own
// children. Every child's page with the whole table made the report O(processes²) in bytes:
// 400 pool workers wrote 69 KB of table each, 28 MB of the report's 90.
class ProcessTable {
public:
    explicit ProcessTable(const std::vector<Loaded>& all) : all_(all) {}

    void invalidate() { root_.clear(); }

    // The page of `self` is being written, so `self` is linked whatever the others' state.
    const std::string& for_page(const Loaded& self)
    {
        if (self.entry.dir_rel == ".") {
            if (root_.empty()) {
                std::vector<size_t> every(all_.size());
                for (size_t i = 0; i < every.size(); ++i) {
                    every[i] = i;
                }
                root_ = build(every, "");
            }
            return root_;
        }
        child_ = build(neighbourhood(self), "../../");
        return child_;
    }

private:
    // Indexes into all_ (the root first, then by pid), in that order.
    std::vector<size_t> neighbourhood(const Loaded& self)
    {
        if (index_of_.empty()) {
            for (size_t i = 0; i < all_.size(); ++i) {
                index_of_[all_[i].entry.pid] = i;
                if (all_[i].ppid) {
                    children_of_[*all_[i].ppid].push_back(i);
                }
            }
        }
        std::vector<size_t> rows{0};
        auto add = [&](long pid) {
            if (const auto it = index_of_.find(pid); it != index_of_.end()) {
                rows.push_back(it->second);
            }
        };
        if (self.ppid) {
            add(*self.ppid);
        }
        add(self.entry.pid);
        if (const auto it = children_of_.find(self.entry.pid); it != children_of_.end()) {
            rows.insert(rows.end(), it->second.begin(), it->second.end());
        }
        std::sort(rows.begin(), rows.end());
        rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
        return rows;
    }

    std::string build(const std::vector<size_t>& rows, const std::string& up) const
    {
        auto processes = nlohmann::json::array();
        for (const size_t row : rows) {
            const Loaded& p = all_[row];
            nlohmann::json item;
            item["pid"] = p.entry.pid;
            item["ppid"] = p.ppid ? nlohmann::json(*p.ppid) : nlohmann::json(nullptr);
            item["status"] = p.entry.json["status"];
            item["ended"] = p.entry.json.value("ended", nlohmann::json());
            item["peak_bytes"] = p.entry.json["peak_bytes"];
            item["peak"] = p.entry.json["peak_bytes"].is_number()
                               ? human_bytes(p.entry.json["peak_bytes"].get<double>())
                               : std::string("unknown");
            item["href"] = nullptr;
            if (p.entry.rendered) {
                item["href"] =
                    up + (p.entry.dir_rel == "." ? "" : p.entry.dir_rel + "/") + "index.html";
            }
            item["error"] = p.entry.error;
            processes.push_back(std::move(item));
        }
        return processes.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }

    const std::vector<Loaded>& all_;
    std::string root_;
    std::string child_;
    std::unordered_map<long, size_t> index_of_;
    std::unordered_map<long, std::vector<size_t>> children_of_;
};

// The job's graphs on the root's page: what every process held at the job's peak first (when
// the job is more than one process: alone, it is the process's own peak), and every process's
// time last.
void add_job_view(const JobView& job, ProfileFiles& files, const RenderOptions& options)
{
    (void)options;
    if (!job.has_page() || job.process_count() < 2) {
        return;
    }
    const auto peak = job.peak_bytes();
    Graph peak_graph{GraphKind::MemoryPeak, &job.peak_tree(),
                     "Job peak: every process at the job's highest total" +
                         (peak ? ": " + human_bytes(static_cast<double>(*peak)) : std::string()),
                     "each process's part (a fork child: above what it inherited), under a frame "
                     "naming the process",
                     true};
    files.graphs.insert(files.graphs.begin(), peak_graph);
    const CallTree& time = job.time_tree();
    files.graphs.push_back({GraphKind::Time, &time,
                            "Job time, every process: CPU " +
                                human_micros(static_cast<double>(time.total0(0))) + ", waiting " +
                                human_micros(static_cast<double>(time.total1(0))),
                            "colour: orange = running on CPU, blue = waiting", true});
}

}  // namespace

PprofInput job_pprof_input(const JobView& job, const PprofInput& root, const std::string& version)
{
    PprofInput in;
    in.memory = root.memory ? &job.peak_tree() : nullptr;
    in.time = root.time ? &job.time_tree() : nullptr;
    in.memory_interval_bytes = root.memory_interval_bytes;
    in.time_hz = root.time_hz;
    if (job.is_merged()) {
        in.time_nanos = job.origin_ns();  // a merged view's axis is the wall clock
    } else if (job.page() && job.page()->start_realtime_ns > 0) {
        in.time_nanos = static_cast<int64_t>(job.page()->start_realtime_ns);
    }
    int64_t end = job.origin_ns();
    for (const JobBand& b : job.bands()) {
        end = std::max(end, b.end_ns);
    }
    in.duration_nanos = end - job.origin_ns();
    in.comments = {"sciagraph " + version, "the job: " + std::to_string(job.process_count()) +
                                               " processes, each under a frame <command> [pid N]"};
    if (in.memory) {
        in.comments.push_back("inuse_space: every process's part at the job's peak");
    }
    return in;
}

// The job's own files in the root's directory (design.md): job-peak.folded and .svg, the
// timeline, and the job's time; with --format pprof also job.pb.gz (`pprof`).
bool write_job_files(const fs::path& dir,
                     const JobView& job,
                     const RenderOptions& options,
                     FrameSources* peak_sources,
                     FrameSources* time_sources,
                     const PprofInput& pprof,
                     Error& error)
{
    if (!job.has_page()) {
        return true;
    }
    const Graph peak{GraphKind::MemoryPeak, &job.peak_tree(), "Job peak", "", true, peak_sources};
    const Graph time{GraphKind::Time, &job.time_tree(), "Job time", "", true, time_sources};
    if (wants(options, Format::Folded) &&
        (!write_file(dir / "job-peak.folded", render_folded(job.peak_tree(), FoldedMetric::First),
                     error) ||
         !write_file(dir / "job-time-cpu.folded",
                     render_folded(job.time_tree(), FoldedMetric::First), error) ||
         !write_file(dir / "job-time-wait.folded",
                     render_folded(job.time_tree(), FoldedMetric::Second), error))) {
        return false;
    }
    if (wants(options, Format::Svg) &&
        (!write_file(dir / "job-peak.svg", render_svg(peak, options.min_width_px), error) ||
         !write_file(dir / "job-time.svg", render_svg(time, options.min_width_px), error) ||
         !write_file(dir / "memory-timeline.svg", render_timeline_svg(job), error))) {
        return false;
    }
    if (wants(options, Format::Pprof) &&
        !write_file(dir / "job.pb.gz", render_pprof(pprof), error)) {
        return false;
    }
    return true;
}

Outcome render_dumps(const fs::path& output_dir,
                     const std::vector<fs::path>& dumps,
                     const RunFacts& run,
                     const RenderOptions& options)
{
    Outcome outcome;
    std::error_code ec;
    fs::create_directories(output_dir, ec);
    if (ec) {
        outcome.error = "cannot create " + output_dir.string() + ": " + ec.message();
        outcome.exit_status = static_cast<int>(ExitStatus::CannotWrite);
        return outcome;
    }
    std::vector<std::string> warnings;
    std::vector<Loaded> loaded;
    // The job view needs every process at once: what it keeps of each is small (a timeline,
    // the stacks at the job's peak), taken in this first pass.
    JobView job(dumps.empty() ? std::nullopt : read_job_page(dumps.front().parent_path()));
    for (fs::path path : dumps) {
        const DumpResult r = read_profile(path);
        std::optional<long> pid = pid_from_name(path);
        if (r.dump) {
            if (const auto m = r.dump->meta_number(meta::kPid); m && *m > 0) {
                pid = static_cast<long>(*m);
            }
        }
        if (!pid) {
            warnings.push_back(path.filename().string() + ": no process id; skipped");
            continue;
        }
        Loaded l;
        l.path = path;
        l.entry = make_process_entry(*pid, r.dump ? &*r.dump : nullptr,
                                     r.dump ? "ok" : status_of(r.error.status),
                                     r.dump ? "" : r.error.message);
        l.entry.dump_rel = relative_name(path, output_dir);
        l.entry.json["dump"] = l.entry.dump_rel;
        if (r.dump) {
            job.add_process(*r.dump, *pid, "children/" + std::to_string(*pid) + "/index.html");
            if (const auto pp = r.dump->meta_number(meta::kParentPid)) {
                l.ppid = static_cast<long>(*pp);
            }
            const bool from_record = l.entry.json["from_record"] == true;
            nlohmann::json& ended = l.entry.json["ended"];
            if (from_record && ended == meta::kEndedKilled && process_holds_record(*pid, path)) {
                ended = kEndedRunning;  // not killed: it outlived the job's root, still running
            }
            if (from_record && ended == kEndedRunning) {
                warnings.push_back("pid " + std::to_string(*pid) +
                                   " was still running when the report was made: its profile is "
                                   "its live record as of then");
            } else if (from_record) {
                warnings.push_back("pid " + std::to_string(*pid) +
                                   ": profile recovered from its live record (the process ended "
                                   "without writing its final dump)");
            }
            if (r.dump->truncated) {
                warnings.push_back(
                    from_record ? "record of pid " + std::to_string(*pid) +
                                      " is cut short (the file ends inside its log); shown up to "
                                      "its last complete record"
                                : "dump of pid " + std::to_string(*pid) +
                                      " was truncated (the process was stopped while writing "
                                      "it); shown up to its last complete section");
            }
            for (const std::string& w : r.dump->warnings) {
                warnings.push_back((from_record ? "record of pid " : "dump of pid ") +
                                   std::to_string(*pid) + ": " + w);
            }
            if (auto reason = r.dump->meta_value(meta::kDisabledReason);
                reason && !reason->empty()) {
                warnings.push_back("profiling of pid " + std::to_string(*pid) +
                                   " stopped: " + *reason);
            }
        } else {
            warnings.push_back(r.error.message);
        }
        loaded.push_back(std::move(l));
    }
    std::sort(loaded.begin(), loaded.end(),
              [](const Loaded& a, const Loaded& b) { return a.entry.pid < b.entry.pid; });
    loaded.erase(
        std::unique(loaded.begin(), loaded.end(),
                    [](const Loaded& a, const Loaded& b) { return a.entry.pid == b.entry.pid; }),
        loaded.end());

    // The root first; a run whose root left no dump still lists it, as "no dump".
    std::optional<long> root_pid = run.root_pid;
    if (!root_pid && !loaded.empty()) {
        // Re-rendering without summary.json: the process whose parent is not profiled.
        for (const Loaded& l : loaded) {
            const bool parent_known =
                l.ppid && std::any_of(loaded.begin(), loaded.end(),
                                      [&](const Loaded& o) { return o.entry.pid == *l.ppid; });
            if (!parent_known) {
                root_pid = l.entry.pid;
                break;
            }
        }
    }
    auto root_it = std::find_if(loaded.begin(), loaded.end(), [&](const Loaded& l) {
        return root_pid && l.entry.pid == *root_pid;
    });
    if (root_it == loaded.end() && root_pid) {
        Loaded missing;
        missing.entry = make_process_entry(*root_pid, nullptr, "no dump", "no dump was written");
        warnings.push_back("the root process (pid " + std::to_string(*root_pid) +
                           ") left no dump: its profile is missing");
        loaded.insert(loaded.begin(), std::move(missing));
    } else if (root_it != loaded.end()) {
        std::rotate(loaded.begin(), root_it, root_it + 1);
        // The launcher saw the root die, and of what: a record only knows it was killed.
        nlohmann::json& ended = loaded.front().entry.json["ended"];
        if (ended.is_string()) {
            ended = describe_ended(ended.get<std::string>(), run.signal);
        }
    }
    for (size_t i = 0; i < loaded.size(); ++i) {
        loaded[i].entry.dir_rel = i == 0 ? "." : "children/" + std::to_string(loaded[i].entry.pid);
        loaded[i].entry.rendered = loaded[i].entry.error.empty();
    }

    if (root_pid) {
        job.set_href(*root_pid, "");  // the root's page holds the chart
    }
    for (const Loaded& l : loaded) {
        if (!l.entry.rendered) {
            job.set_href(l.entry.pid, "");
        }
    }
    job.finish();

    RunFacts facts = run;
    facts.root_pid = root_pid;
    ProcessTable table(loaded);
    // One cache of source files for every process: they mostly run the same code.
    SourceFiles source_files;
    std::optional<FrameSources> job_peak_sources, job_time_sources;
    for (size_t i = 0; i < loaded.size(); ++i) {
        Loaded& l = loaded[i];
        if (!l.entry.rendered) {
            continue;
        }
        DumpResult r = read_profile(l.path);
        Error error;
        std::optional<DumpTrees> trees;
        if (r.dump) {
            trees = build_trees(*r.dump, error);
        } else {
            error = r.error;
        }
        if (!trees) {
            l.entry.rendered = false;
            table.invalidate();
            l.entry.error = error.message;
            l.entry.json["status"] = status_of(error.status);
            l.entry.json["error"] = error.message;
            warnings.push_back(error.message);
            continue;
        }
        if (i == 0) {
            if (const auto peak = r.dump->meta_number(meta::kPeakBytes)) {
                outcome.peak_bytes = static_cast<unsigned long long>(*peak);
            }
        }
        ProfileFiles files;
        files.version = run.version;
        const auto peak = r.dump->meta_number(meta::kPeakBytes);
        files.graphs.push_back(
            {GraphKind::MemoryPeak, trees->memory.get(),
             "Memory at peak" + (peak ? ": " + human_bytes(*peak) : std::string()),
             sampling_note(r.dump->meta_number(meta::kSampleIntervalBytes))});
        files.graphs.push_back(
            {GraphKind::Time, trees->time.get(),
             "Time: CPU " + human_micros(static_cast<double>(trees->time->total0(0))) +
                 ", waiting " + human_micros(static_cast<double>(trees->time->total1(0))),
             "colour: orange = running on CPU, blue = waiting"});
        std::optional<FrameSources> memory_sources, time_sources;
        if (options.source_lines) {
            const SourceContext context = source_context(*r.dump, l.path);
            memory_sources.emplace(*trees->memory, source_files, context);
            time_sources.emplace(*trees->time, source_files, context);
            files.graphs[0].sources = &*memory_sources;
            files.graphs[1].sources = &*time_sources;
            if (i == 0 && job.has_page()) {
                // The job's trees hold every process's frames: relative names are read from
                // the root's directory, which its children mostly share.
                job_peak_sources.emplace(job.peak_tree(), source_files, context);
                job_time_sources.emplace(job.time_tree(), source_files, context);
            }
        }
        if (i == 0) {
            add_job_view(job, files, options);
            for (Graph& g : files.graphs) {
                if (g.job && options.source_lines && job_peak_sources) {
                    g.sources = g.kind == GraphKind::Time ? &*job_time_sources : &*job_peak_sources;
                }
            }
        }
        files.page = make_page(facts, loaded, l, *r.dump, i == 0, warnings, options);
        if (i == 0 && job.has_page()) {
            files.page["timeline_svg"] = render_timeline_svg(job);
            if (job.peak_bytes() && job.process_count() > 1) {
                // Beside the root's own peak: what the job as a whole needed at its worst.
                auto& fields = files.page["fields"];
                const std::string when = human_micros(job.peak_seconds().value_or(0) * 1e6);
                auto at = std::find_if(fields.begin(), fields.end(), [](const nlohmann::json& f) {
                    return f.is_array() && !f.empty() && f[0] == "Peak memory";
                });
                fields.insert(at == fields.end() ? at : at + 1,
                              {"Job peak memory",
                               human_bytes(static_cast<double>(*job.peak_bytes())) + " at " + when +
                                   ", " + std::to_string(job.process_count()) + " processes"});
            }
        }
        files.processes_json = table.for_page(l);
        files.summary = l.entry.json;
        files.summary["dir"] = l.entry.dir_rel;
        files.speedscope_name = "sciagraph: pid " + std::to_string(l.entry.pid);
        files.pprof = pprof_input(*r.dump, *trees, job.page(), l.entry.pid, facts);
        if (!write_profile_files(output_dir / l.entry.dir_rel, files, options, error) ||
            (i == 0 && !write_job_files(output_dir, job, options,
                                        job_peak_sources ? &*job_peak_sources : nullptr,
                                        job_time_sources ? &*job_time_sources : nullptr,
                                        job_pprof_input(job, files.pprof, facts.version), error))) {
            outcome.error = error.message;
            outcome.exit_status = static_cast<int>(error.status);
            return outcome;
        }
        l.entry.json["dir"] = l.entry.dir_rel;
    }

    std::vector<ProcessEntry> entries;
    for (const Loaded& l : loaded) {
        entries.push_back(l.entry);
    }
    if (job.peak_bytes() && job.process_count() > 1) {
        outcome.job_peak_bytes = static_cast<unsigned long long>(*job.peak_bytes());
        outcome.job_processes = job.process_count();
    }
    nlohmann::json summary = make_run_summary(facts, entries, outcome.peak_bytes, warnings);
    summary["job_peak_bytes"] = job.peak_bytes() ? nlohmann::json(*job.peak_bytes()) : nullptr;
    summary["job_peak_seconds"] =
        job.peak_seconds() ? nlohmann::json(*job.peak_seconds()) : nullptr;
    Error error;
    if (!write_file(output_dir / "summary.json",
                    summary.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                    error)) {
        outcome.error = error.message;
        outcome.exit_status = static_cast<int>(error.status);
        return outcome;
    }
    outcome.ok = true;
    outcome.warnings = warnings;
    return outcome;
}

}  // namespace sciagraph::report
