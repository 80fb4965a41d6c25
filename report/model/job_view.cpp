// report/model/job_view.cpp — see job_view.h.
#include "job_view.h"

#include "core/dump_format.h"
#include "core/job_format.h"
#include "dump_to_tree.h"

#include <climits>

#include <algorithm>
#include <cstring>
#include <fstream>

namespace sciagraph::report {
namespace {

namespace fs = std::filesystem;
namespace meta = sciagraph::dump::meta;

constexpr uint32_t kUnmapped = ~0u;

// How stale a killed process's record may be: its sampler refreshes it at each tick, every
// 1/time_hz s while it samples time, every 10-80 ms otherwise (core/sampler/time_sampler.cpp).
// Two ticks, and never under 200 ms, for a loaded machine's late ticks.
int64_t record_staleness_ns(const Dump& dump)
{
    constexpr int64_t kAtLeastNs = 200'000'000;
    const int64_t hz = dump.meta_integer(meta::kTimeHz).value_or(0);
    return hz > 0 ? std::max(kAtLeastNs, 2'000'000'000 / hz) : kAtLeastNs;
}

// Wider than any sum of int64_t values a view adds up (the pedantic warning is for ISO C++).
__extension__ typedef __int128 WideInt;

// a + b, held at the ends of int64_t: a damaged dump's clock may be anything.
int64_t saturating_add(int64_t a, int64_t b)
{
    int64_t sum = 0;
    if (__builtin_add_overflow(a, b, &sum)) {
        return b > 0 ? INT64_MAX : INT64_MIN;
    }
    return sum;
}

std::string base_name(const std::string& path)
{
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::optional<JobPageFacts> read_job_page(const fs::path& raw_dir)
{
    std::ifstream in(raw_dir / job::kFileName, std::ios::binary);
    job::Page page{};
    if (!in || !in.read(reinterpret_cast<char*>(&page), sizeof page)) {
        return std::nullopt;
    }
    const bool known_size =
        page.page_size == sizeof(job::Page) || page.page_size == job::kPageSizeBeforeHost;
    if (std::memcmp(page.magic, job::kMagic, sizeof page.magic) != 0 ||
        page.version != job::kFormatVersion || !known_size) {
        return std::nullopt;
    }
    JobPageFacts f;
    f.start_monotonic_ns = page.start_monotonic_ns;
    f.start_realtime_ns = page.start_realtime_ns;
    f.high = page.high;
    f.high_monotonic_ns = page.high_monotonic_ns;
    f.generation = page.generation;
    f.request_monotonic_ns = page.request_monotonic_ns;
    f.rising = page.rising != 0;
    f.processes = page.processes;
    if (page.page_size == sizeof(job::Page)) {
        f.host.assign(page.host, strnlen(page.host, sizeof page.host));
    }
    return f;
}

std::string short_command(const std::vector<std::string>& argv)
{
    if (argv.empty()) {
        return "?";
    }
    std::string out = base_name(argv[0]);
    if (out.rfind("python", 0) == 0) {
        for (size_t i = 1; i < argv.size(); ++i) {
            const std::string& a = argv[i];
            if (a == "-c") {
                out += " -c";
                break;
            }
            if (a == "-m" && i + 1 < argv.size()) {
                out += " -m ";
                out += argv[i + 1];
                break;
            }
            if (!a.empty() && a[0] != '-') {
                out += ' ';
                out += base_name(a);
                break;
            }
        }
    } else if (argv.size() > 1) {
        out += ' ';
        out += base_name(argv[1]);
    }
    if (out.size() > 48) {
        out.resize(45);
        out += "...";
    }
    return out;
}

JobView::JobView(std::optional<JobPageFacts> page)
    : page_(page), peak_tree_(std::make_unique<CallTree>()),
      time_tree_(std::make_unique<CallTree>())
{}

// Adds the stacks of `samples` below `process_node`, creating only the paths that carry a value.
void JobView::add_stacks(const Dump& dump,
                         const std::vector<DumpSample>& samples,
                         CallTree& tree,
                         uint32_t process_node,
                         bool second_metric)
{
    if (samples.empty()) {
        return;
    }
    std::vector<uint32_t> node_of(dump.stacks.size() + 1, kUnmapped);
    std::vector<uint32_t> name_of(dump.frames.size(), kUnmapped);
    node_of[0] = process_node;
    std::vector<uint32_t> path;
    for (const DumpSample& s : samples) {
        if (s.stack > dump.stacks.size() || s.value == 0) {
            continue;
        }
        uint32_t cur = s.stack;
        path.clear();
        bool ok = true;
        while (node_of[cur] == kUnmapped) {
            path.push_back(cur);
            const uint32_t parent = dump.stacks[cur - 1].parent;
            if (parent >= cur) {  // the writer numbers parents first: anything else is damage
                ok = false;
                break;
            }
            cur = parent;
        }
        if (!ok) {
            continue;
        }
        uint32_t node = node_of[cur];
        for (auto it = path.rbegin(); it != path.rend(); ++it) {
            const uint32_t frame = dump.stacks[*it - 1].frame;
            if (name_of[frame] == kUnmapped) {
                name_of[frame] = tree.intern(frame_display_name(dump.frames[frame]));
            }
            node = tree.child(node, name_of[frame]);
            node_of[*it] = node;
        }
        tree.add_self(node, second_metric ? 0 : s.value, second_metric ? s.value : 0);
    }
}

JobView JobView::merged()
{
    JobView view(std::nullopt);
    view.merged_ = true;
    return view;
}

void JobView::add_process(const Dump& dump,
                          long pid,
                          const std::string& href,
                          const RunOrigin* origin)
{
    const JobPageFacts* page = origin ? origin->page : (page_ ? &*page_ : nullptr);
    const std::string process_label =
        short_command(dump.command()) + " [pid " + std::to_string(pid) + "]";
    JobBand band;
    band.pid = pid;
    band.label =
        origin && !origin->host.empty() ? origin->host + ": " + process_label : process_label;
    band.href = href;
    band.points = dump.timeline;
    band.start_ns = dump.meta_integer(meta::kStartMonotonicNs).value_or(0);
    band.end_ns = dump.meta_integer(meta::kEndMonotonicNs).value_or(0);
    if (!band.points.empty()) {
        if (band.start_ns == 0 || band.start_ns > band.points.front().monotonic_ns) {
            band.start_ns = band.points.front().monotonic_ns;
        }
        band.end_ns = std::max(band.end_ns, band.points.back().monotonic_ns);
    }
    for (const TimelinePoint& p : band.points) {
        band.highest = std::max({band.highest, p.high, p.part});
    }

    // Below the host's frame in a merged view; the process frame names the process alone.
    auto process_node = [&](CallTree& tree) {
        uint32_t parent = CallTree::kRoot;
        if (origin && !origin->host.empty()) {
            parent = tree.child(parent, tree.intern(origin->host));
        }
        return tree.child(parent, tree.intern(process_label));
    };
    const uint32_t peak_process = process_node(*peak_tree_);
    const bool killed = dump.meta_value(meta::kEnded) == std::string(meta::kEndedKilled);
    if (page && page->rising) {
        // No request followed the job's last high: whatever ended normally after it took its
        // part out of the total, a fall that would have made one. So no process freed anything
        // since, and each one killed while alive at the high held then what it held when it
        // died. One that ended before the high holds nothing of it. A record's end is its last
        // refresh, up to a sampler tick before the process died.
        if (killed && band.start_ns <= static_cast<int64_t>(page->high_monotonic_ns) &&
            saturating_add(band.end_ns, record_staleness_ns(dump)) >=
                static_cast<int64_t>(page->high_monotonic_ns)) {
            add_stacks(dump, dump.job_live, *peak_tree_, peak_process, false);
        }
    } else if (page && page->generation > 0) {
        const auto answered =
            static_cast<uint64_t>(dump.meta_integer(meta::kJobGeneration).value_or(0));
        if (answered == page->generation) {
            add_stacks(dump, dump.job_peak, *peak_tree_, peak_process, false);
        } else if (killed && answered < page->generation &&
                   band.end_ns >= static_cast<int64_t>(page->request_monotonic_ns)) {
            // Killed after the last request without answering it: it changed no stack since
            // (it would have answered first), so its part as it died is its part then.
            add_stacks(dump, dump.job_live, *peak_tree_, peak_process, false);
        }
    }
    const uint32_t time_process = process_node(*time_tree_);
    add_stacks(dump, dump.time_cpu, *time_tree_, time_process, false);
    add_stacks(dump, dump.time_wait, *time_tree_, time_process, true);
    if (origin && !origin->page) {
        return;  // its clock cannot be placed among the others': no band on the timeline
    }
    if (origin) {
        // Onto the shared axis: the band's times, and its run's start as a candidate origin.
        const int64_t shift = origin->shift_ns;
        band.start_ns = saturating_add(band.start_ns, shift);
        band.end_ns = saturating_add(band.end_ns, shift);
        for (TimelinePoint& p : band.points) {
            p.monotonic_ns = saturating_add(p.monotonic_ns, shift);
            p.since_ns = saturating_add(p.since_ns, shift);
        }
        if (origin->page && origin->page->start_monotonic_ns != 0) {
            merged_page_ = true;
            const int64_t start =
                saturating_add(static_cast<int64_t>(origin->page->start_monotonic_ns), shift);
            merged_origin_ns_ = std::min(merged_origin_ns_.value_or(start), start);
        }
    }
    bands_.push_back(std::move(band));
}

void JobView::set_href(long pid, const std::string& href)
{
    for (JobBand& b : bands_) {
        if (b.pid == pid) {
            b.href = href;
        }
    }
}

void JobView::finish()
{
    peak_tree_->finish();
    time_tree_->finish();
    std::sort(bands_.begin(), bands_.end(), [](const JobBand& a, const JobBand& b) {
        return a.start_ns != b.start_ns ? a.start_ns < b.start_ns : a.pid < b.pid;
    });
    // The job's total: the bands' steps added up (for a job without a page, its peak).
    std::vector<std::pair<int64_t, int64_t>> events;
    for (const JobBand& b : bands_) {
        for_each_step(b, [&](int64_t from, int64_t to, int64_t bytes) {
            events.emplace_back(from, bytes);
            events.emplace_back(to, -bytes);
        });
    }
    std::sort(events.begin(), events.end());
    // Wider than the values: a damaged dump's bytes may be anything, and the sum must not wrap.
    WideInt sum = 0;
    WideInt best = -1;
    int64_t best_at = 0;
    total_.clear();
    for (size_t i = 0; i < events.size();) {
        const int64_t t = events[i].first;
        for (; i < events.size() && events[i].first == t; ++i) {
            sum += events[i].second;
        }
        total_.push_back({t, static_cast<int64_t>(std::clamp<WideInt>(sum, 0, INT64_MAX))});
        if (sum > best) {
            best = sum;
            best_at = t;
        }
    }
    origin_ns_ = 0;
    if (merged_origin_ns_) {
        origin_ns_ = *merged_origin_ns_;
    } else if (page_ && page_->start_monotonic_ns != 0) {
        origin_ns_ = static_cast<int64_t>(page_->start_monotonic_ns);
    } else if (!bands_.empty()) {
        origin_ns_ = bands_.front().start_ns;
    }
    // Differences in double: clocks from a damaged file may lie far apart.
    auto seconds_since_origin = [&](double ns) {
        return (ns - static_cast<double>(origin_ns_)) / 1e9;
    };
    if (page_ && page_->high > 0) {
        peak_bytes_ = page_->high;
        peak_seconds_ = seconds_since_origin(static_cast<double>(page_->high_monotonic_ns));
    } else if (best > 0) {
        peak_bytes_ = static_cast<int64_t>(std::min<WideInt>(best, INT64_MAX));
        peak_seconds_ = seconds_since_origin(static_cast<double>(best_at));
    }
    if (peak_seconds_ && *peak_seconds_ < 0) {
        peak_seconds_ = 0.0;
    }
}

}  // namespace sciagraph::report
