// report/run_merge.cpp — see run_merge.h.
#include "run_merge.h"

#include "core/dump_format.h"
#include "errors.h"
#include "job_view.h"
#include "mapped_file.h"
#include "pprof.h"
#include "profile_list.h"
#include "render_process.h"
#include "run_facts.h"
#include "run_render.h"
#include "sciagraph_version.h"
#include "source_lines.h"
#include "text.h"
#include "timeline_svg.h"

#include <climits>

#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <system_error>

namespace sciagraph::report {
namespace {

namespace fs = std::filesystem;
namespace meta = sciagraph::dump::meta;

constexpr int kMaxDepth = 6;
constexpr size_t kHostsNamed = 8;

struct MergedRun {
    fs::path dir;
    std::string rel;  // as the output directory's page links to it
    RunFacts facts;
    std::optional<JobPageFacts> page;
    std::string host;
    RunOrigin origin;
    size_t processes = 0;
};

std::string relative_to(const fs::path& path, const fs::path& base)
{
    std::error_code ec;
    const fs::path rel = fs::relative(path, base, ec);
    return ec || rel.empty() ? fs::absolute(path, ec).generic_string() : rel.generic_string();
}

// The shift that puts a run's monotonic times on the wall clock: realtime - monotonic at the
// run's start, both from its page. None without a page (older runs): the run's processes are in
// the graphs, not on the timeline.
std::optional<int64_t> clock_shift(const std::optional<JobPageFacts>& page)
{
    if (!page || page->start_monotonic_ns == 0 || page->start_realtime_ns == 0 ||
        page->start_realtime_ns > static_cast<uint64_t>(INT64_MAX) ||
        page->start_monotonic_ns > page->start_realtime_ns) {
        return std::nullopt;
    }
    return static_cast<int64_t>(page->start_realtime_ns - page->start_monotonic_ns);
}

// A run's own page, or where it was not rendered (a run still going, a run made by a build
// without reports) none.
std::string page_of(const MergedRun& run, long pid)
{
    const bool root = run.facts.root_pid && *run.facts.root_pid == pid;
    const fs::path page =
        root ? run.dir / "index.html" : run.dir / "children" / std::to_string(pid) / "index.html";
    std::error_code ec;
    if (!fs::exists(page, ec)) {
        return "";
    }
    return run.rel + (root ? "/index.html" : "/children/" + std::to_string(pid) + "/index.html");
}

nlohmann::json run_rows(const std::vector<MergedRun>& runs)
{
    auto rows = nlohmann::json::array();
    for (const MergedRun& run : runs) {
        nlohmann::json row;
        row["pid"] = run.rel;
        row["ppid"] = run.host;
        row["status"] = run.processes > 0 ? "ok" : "no readable profile";
        row["ended"] = run.facts.exit_code || run.facts.signal
                           ? nlohmann::json(describe_exit(run.facts.exit_code, run.facts.signal))
                           : nlohmann::json(nullptr);
        row["peak"] = run.page && run.page->high > 0
                          ? human_bytes(static_cast<double>(run.page->high))
                          : std::string("unknown");
        std::error_code ec;
        row["href"] = fs::exists(run.dir / "index.html", ec)
                          ? nlohmann::json(run.rel + "/index.html")
                          : nlohmann::json(nullptr);
        row["error"] = "";
        rows.push_back(std::move(row));
    }
    return rows;
}

std::string hosts_text(const std::set<std::string>& hosts)
{
    std::string out;
    size_t named = 0;
    for (const std::string& h : hosts) {
        if (named == kHostsNamed) {
            out += " and " + std::to_string(hosts.size() - named) + " more";
            break;
        }
        out += (named++ ? ", " : "") + h;
    }
    return out;
}

nlohmann::json make_summary(const std::vector<MergedRun>& runs,
                            const std::set<std::string>& hosts,
                            const JobView& job,
                            size_t processes,
                            const std::vector<std::string>& warnings)
{
    nlohmann::json s;
    s["version"] = SCIAGRAPH_VERSION;
    s["merged_runs"] = runs.size();
    s["hosts"] = hosts;
    s["process_count"] = processes;
    s["job_peak_bytes"] = job.peak_bytes() ? nlohmann::json(*job.peak_bytes()) : nullptr;
    s["job_peak_seconds"] = job.peak_seconds() ? nlohmann::json(*job.peak_seconds()) : nullptr;
    s["clock_alignment"] = "each run's times are placed on the wall clock by its start";
    auto list = nlohmann::json::array();
    for (const MergedRun& run : runs) {
        nlohmann::json r;
        r["dir"] = run.rel;
        r["host"] = run.host;
        r["processes"] = run.processes;
        r["command"] = run.facts.command;
        r["exit_code"] = run.facts.exit_code ? nlohmann::json(*run.facts.exit_code) : nullptr;
        r["job_peak_bytes"] =
            run.page && run.page->high > 0 ? nlohmann::json(run.page->high) : nullptr;
        r["start_realtime_ns"] = run.page ? nlohmann::json(run.page->start_realtime_ns) : nullptr;
        r["start_seconds"] = nullptr;  // since the first run's start
        if (run.page && run.origin.page) {
            r["start_seconds"] =
                (static_cast<double>(run.page->start_monotonic_ns + run.origin.shift_ns) -
                 static_cast<double>(job.origin_ns())) /
                1e9;
        }
        list.push_back(std::move(r));
    }
    s["runs"] = std::move(list);
    s["warnings"] = warnings;
    return s;
}

Outcome
render(const std::vector<fs::path>& dirs, const fs::path& output_dir, const RenderOptions& options)
{
    std::error_code ec;
    fs::create_directories(output_dir, ec);
    if (ec) {
        return failure(ExitStatus::CannotWrite,
                       "cannot create " + output_dir.string() + ": " + ec.message());
    }
    std::vector<MergedRun> runs(dirs.size());
    std::vector<std::string> warnings;
    std::set<std::string> hosts;
    JobView job = JobView::merged();
    size_t processes = 0;
    std::optional<SourceContext> sources_context;
    PprofInput rates;  // the sampling rates (and the trees), for job.pb.gz
    for (size_t i = 0; i < dirs.size(); ++i) {
        MergedRun& run = runs[i];
        run.dir = dirs[i];
        run.rel = relative_to(run.dir, output_dir);
        if (fs::exists(run.dir / "summary.json", ec)) {
            run.facts = read_run_facts(run.dir / "summary.json");
        }
        run.page = read_job_page(run.dir / "raw");
        run.host = run.page && !run.page->host.empty() ? run.page->host : "unknown host";
        hosts.insert(run.host);
        run.origin.host = run.host;
        if (const auto shift = clock_shift(run.page)) {
            run.origin.page = &*run.page;
            run.origin.shift_ns = *shift;
        } else {
            warnings.push_back(run.rel +
                               ": no job page with its start (a run of an older sciagraph?): its "
                               "processes are in the graphs, not on the timeline");
        }
        for (fs::path path : list_profiles(run.dir / "raw")) {
            const DumpResult r = read_profile(path);
            if (!r.dump) {
                warnings.push_back(run.rel + ": " + path.filename().string() + ": " +
                                   r.error.message);
                continue;
            }
            std::optional<long> pid = pid_from_name(path);
            if (const auto m = r.dump->meta_number(meta::kPid); m && *m > 0) {
                pid = static_cast<long>(*m);
            }
            if (!pid) {
                warnings.push_back(run.rel + ": " + path.filename().string() +
                                   ": no process id; skipped");
                continue;
            }
            if (r.dump->truncated) {
                warnings.push_back(run.rel + ": the profile of pid " + std::to_string(*pid) +
                                   " is cut short; shown up to its last complete part");
            }
            if (!sources_context) {
                // The first process's: the runs of one job mostly run the same code.
                sources_context = source_context(*r.dump, path);
                rates.memory_interval_bytes = static_cast<uint64_t>(std::max<int64_t>(
                    r.dump->meta_integer(meta::kSampleIntervalBytes).value_or(0), 0));
                rates.time_hz = static_cast<uint64_t>(
                    std::max<int64_t>(r.dump->meta_integer(meta::kTimeHz).value_or(0), 0));
            }
            job.add_process(*r.dump, *pid, page_of(run, *pid), &run.origin);
            ++run.processes;
            ++processes;
        }
        if (run.processes == 0) {
            warnings.push_back(run.rel + ": no readable profile in its raw/ directory");
        }
    }
    if (processes == 0) {
        return failure(ExitStatus::Corrupt, "no readable profile in " +
                                                std::to_string(runs.size()) + " run directories");
    }
    job.finish();

    SourceFiles source_files;
    std::optional<FrameSources> peak_sources, time_sources;
    if (options.source_lines && sources_context) {
        peak_sources.emplace(job.peak_tree(), source_files, *sources_context);
        time_sources.emplace(job.time_tree(), source_files, *sources_context);
    }
    rates.memory = &job.peak_tree();
    rates.time = &job.time_tree();
    PprofInput pprof = job_pprof_input(job, rates, SCIAGRAPH_VERSION);
    pprof.comments = {"sciagraph " + std::string(SCIAGRAPH_VERSION),
                      std::to_string(runs.size()) + " runs on " + std::to_string(hosts.size()) +
                          (hosts.size() == 1 ? " host" : " hosts") +
                          ", each process under <host>;<command> [pid N]",
                      "inuse_space: each process's part at its own run's job peak"};
    Error error;
    if (!write_job_files(output_dir, job, options, peak_sources ? &*peak_sources : nullptr,
                         time_sources ? &*time_sources : nullptr, pprof, error)) {
        return failure(error.status, error.message);
    }

    int64_t own_peaks = 0;
    for (const MergedRun& run : runs) {
        own_peaks += run.page ? std::max<int64_t>(run.page->high, 0) : 0;
    }
    if (wants(options, Format::Html)) {
        ProfileFiles files;
        files.version = SCIAGRAPH_VERSION;
        const auto peak = job.peak_bytes();
        const CallTree& time = job.time_tree();
        files.graphs.push_back(
            {GraphKind::MemoryPeak, &job.peak_tree(),
             "Job peak across hosts" +
                 (peak ? ": " + human_bytes(static_cast<double>(*peak)) : std::string()),
             "each process's stacks at its own run's peak (no instant is shared across hosts); "
             "a frame per host, then per process",
             true, peak_sources ? &*peak_sources : nullptr});
        files.graphs.push_back({GraphKind::Time, &time,
                                "Time, every process of every run: CPU " +
                                    human_micros(static_cast<double>(time.total0(0))) +
                                    ", waiting " +
                                    human_micros(static_cast<double>(time.total1(0))),
                                "colour: orange = running on CPU, blue = waiting", true,
                                time_sources ? &*time_sources : nullptr});
        auto fields = nlohmann::json::array();
        fields.push_back({"Runs", std::to_string(runs.size())});
        fields.push_back({"Hosts", std::to_string(hosts.size()) + ": " + hosts_text(hosts)});
        fields.push_back({"Processes", std::to_string(processes)});
        if (peak) {
            fields.push_back(
                {"Job peak memory", human_bytes(static_cast<double>(*peak)) + " at " +
                                        human_micros(job.peak_seconds().value_or(0) * 1e6) +
                                        " after the first run started"});
        }
        fields.push_back({"Runs' own peaks added up", human_bytes(static_cast<double>(own_peaks))});
        fields.push_back({"Clocks", "each run placed by its wall-clock start: runs of one host "
                                    "line up exactly, of several hosts as well as their clocks "
                                    "agree"});
        fields.push_back({"sciagraph", SCIAGRAPH_VERSION});
        files.page["title"] = options.title.empty()
                                  ? "sciagraph: " + std::to_string(runs.size()) + " runs on " +
                                        std::to_string(hosts.size()) +
                                        (hosts.size() == 1 ? " host" : " hosts")
                                  : options.title;
        files.page["fields"] = std::move(fields);
        files.page["warnings"] = warnings;
        files.page["version"] = SCIAGRAPH_VERSION;
        files.page["current"] = nullptr;
        files.page["processes_total"] = runs.size();
        files.page["processes_heading"] = "Runs";
        files.page["processes_columns"] = {"run",         "host",     "status",
                                           "exit status", "job peak", "report"};
        files.page["processes"] = run_rows(runs);
        files.page["timeline_svg"] = render_timeline_svg(job);
        RenderOptions html_only = options;
        html_only.formats = {Format::Html};
        if (!write_profile_files(output_dir, files, html_only, error)) {
            return failure(error.status, error.message);
        }
    }
    const nlohmann::json summary = make_summary(runs, hosts, job, processes, warnings);
    if (!write_file(output_dir / "summary.json",
                    summary.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                    error)) {
        return failure(error.status, error.message);
    }
    Outcome outcome;
    outcome.ok = true;
    outcome.warnings = std::move(warnings);
    return outcome;
}

}  // namespace

bool is_run_dir(const fs::path& dir)
{
    std::error_code ec;
    return fs::is_directory(dir / "raw", ec);
}

std::vector<fs::path> find_run_dirs(const fs::path& parent)
{
    std::vector<fs::path> found;
    std::error_code ec;
    if (is_run_dir(parent)) {
        return {parent};
    }
    fs::recursive_directory_iterator it(parent, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_directory(ec) || it->is_symlink(ec)) {
            continue;
        }
        if (is_run_dir(it->path())) {
            found.push_back(it->path());
            it.disable_recursion_pending();
        } else if (it.depth() + 1 >= kMaxDepth) {
            it.disable_recursion_pending();
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

Outcome render_runs(const std::vector<fs::path>& runs,
                    const fs::path& output_dir,
                    const RenderOptions& options)
{
    try {
        return render(runs, output_dir, options);
    } catch (const std::exception& e) {
        return failure(ExitStatus::Corrupt, std::string("report failed: ") + e.what());
    }
}

}  // namespace sciagraph::report
