// report/model/job_view.h — the job as a whole, from every process's dump and the job page
// (core/job_format.h): the job's total memory over time and its peak, what every process held
// at that peak and the time of every process, each under a process frame `<command> [pid N]`.
//
// The job peak is the page's `high` (each process's exact total, less what a fork child
// inherited, added up as they ran), at the page's `high_monotonic_ns`. The stacks at that peak
// are the job-peak column of each process that answered the page's last snapshot request
// (made within 1% of that high, see job_format.h). A job killed at its high (scancel, a time
// limit, the OOM killer: no fall came after it, so no request) has them in its killed processes'
// records, as each held them when it died. Without a page (a dump rendered alone, a run of an
// older sciagraph) the peak comes from the processes' timelines and no job stacks exist.
#pragma once

#include "call_tree.h"
#include "dump_reader.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sciagraph::report {

struct JobPageFacts {
    uint64_t start_monotonic_ns = 0;
    uint64_t start_realtime_ns = 0;
    int64_t high = 0;
    uint64_t high_monotonic_ns = 0;
    uint64_t generation = 0;
    uint64_t request_monotonic_ns = 0;
    // The last high is 1% above the last request's and no fall followed it: no request was made
    // for it (the job ended, or was killed, at its high).
    bool rising = false;
    uint32_t processes = 0;
    std::string host;  // the machine the run ran on; empty when the page does not say
};

// Reads raw_dir/job.sgjob; nullopt when there is none or it is not one this build knows.
std::optional<JobPageFacts> read_job_page(const std::filesystem::path& raw_dir);

// `python3 job.py`, `python3 -c`, `python3 -m pkg`: how a process frame names a command.
std::string short_command(const std::vector<std::string>& argv);

// Where a process's run lies among several merged into one view (`sciagraph report` of the runs
// of a cluster job): its run's page (which snapshot request the process had to answer), its
// host's frame above the process frames, and the shift that puts its monotonic clock on the
// shared axis (each run's page pairs its monotonic start with the wall clock's).
struct RunOrigin {
    const JobPageFacts* page = nullptr;  // null: its times cannot be placed; no band
    std::string host;
    int64_t shift_ns = 0;  // added to the process's monotonic times
};

// One process's band of the timeline: its part over time (core/timeline.h).
struct JobBand {
    long pid = 0;
    std::string label;  // `<command> [pid N]`, after `<host>: ` in a merged view
    std::string href;   // its page, relative to the root's directory; empty: none
    int64_t start_ns = 0;
    int64_t end_ns = 0;
    std::vector<TimelinePoint> points;
    int64_t highest = 0;  // its highest part
};

// Visits a band as steps `visit(from_ns, to_ns, bytes)`: from each point back to its window's
// start at the point's high (the highest part within that tick), before that back to the point
// before at that point's part; zero before the first window and after the last point.
template <typename Visit>
void for_each_step(const JobBand& band, Visit&& visit)
{
    int64_t at = band.start_ns;
    int64_t part = 0;
    for (const TimelinePoint& p : band.points) {
        const int64_t since = std::clamp(p.since_ns, at, std::max(at, p.monotonic_ns));
        if (since > at && part > 0) {
            visit(at, since, part);
        }
        if (p.monotonic_ns > since && std::max(p.high, p.part) > 0) {
            visit(since, p.monotonic_ns, std::max(p.high, p.part));
        }
        at = std::max(at, p.monotonic_ns);
        part = p.part;
    }
}

class JobView {
public:
    // One run's view, with its page (nullopt: none).
    explicit JobView(std::optional<JobPageFacts> page);
    // A view merging several runs: each process comes with its RunOrigin, the peak is found in
    // the processes' timelines on the shared axis, and the stacks at the job's peak are each
    // process's at its own run's peak (no page spans hosts: see README, "Clusters").
    static JobView merged();

    // Adds a process (each once, any order): its band, its stacks at the job peak, its time.
    void add_process(const Dump& dump,
                     long pid,
                     const std::string& href,
                     const RunOrigin* origin = nullptr);
    // The page a band links to (relative to the root's directory); "" for none.
    void set_href(long pid, const std::string& href);
    // After the last add: computes the peak and finishes the trees.
    void finish();

    // A page to take stacks at the job's peak from: the run's, or in a merged view any run's.
    bool has_page() const { return page_.has_value() || merged_page_; }
    bool is_merged() const { return merged_; }
    // The run's page; none in a merged view (each run has its own).
    const std::optional<JobPageFacts>& page() const { return page_; }
    size_t process_count() const { return bands_.size(); }
    // The job's peak, in bytes and seconds since the job's start; nullopt with no data.
    std::optional<int64_t> peak_bytes() const { return peak_bytes_; }
    std::optional<double> peak_seconds() const { return peak_seconds_; }
    // What every process held at the job's peak (empty without a page).
    const CallTree& peak_tree() const { return *peak_tree_; }
    // Every process's time (metric 0: CPU µs, metric 1: waiting µs).
    const CallTree& time_tree() const { return *time_tree_; }
    const std::vector<JobBand>& bands() const { return bands_; }
    // The job's total over time, the bands added up: each (time, bytes) holds until the next.
    const std::vector<std::pair<int64_t, int64_t>>& total() const { return total_; }
    int64_t origin_ns() const { return origin_ns_; }

private:
    void add_stacks(const Dump& dump,
                    const std::vector<DumpSample>& samples,
                    CallTree& tree,
                    uint32_t process_node,
                    bool second_metric);

    std::optional<JobPageFacts> page_;
    bool merged_ = false;
    bool merged_page_ = false;
    std::optional<int64_t> merged_origin_ns_;  // the earliest run's start on the shared axis
    std::unique_ptr<CallTree> peak_tree_;
    std::unique_ptr<CallTree> time_tree_;
    std::vector<JobBand> bands_;
    std::vector<std::pair<int64_t, int64_t>> total_;
    int64_t origin_ns_ = 0;
    std::optional<int64_t> peak_bytes_;
    std::optional<double> peak_seconds_;
};

}  // namespace sciagraph::report
