// report/write/timeline_svg.cpp — see timeline_svg.h.
//
// The bands are drawn on a grid of columns. Each column shows the instant within it when the
// job's total was highest (the timeline points carry each process's highest since the point
// before), every band at its value then: the chart's top reaches the job's peak at any zoom, the
// bands add up to what was held at once, and the size does not grow with the points: a few
// hundred coordinates per band, at most kMaxBands bands (the smaller processes share one band).
#include "timeline_svg.h"

#include "text.h"

#include <algorithm>
#include <cmath>

namespace sciagraph::report {
namespace {

constexpr double kWidth = 1200;
constexpr double kHeight = 340;
constexpr double kLeft = 80;
constexpr double kRight = 20;
constexpr double kTop = 44;
constexpr double kBottom = 40;
constexpr size_t kColumns = 560;
constexpr size_t kMaxBands = 24;

const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

struct Column {
    std::vector<double> value;  // per column, the band's bytes at the column's instant
};

void append_num(std::string& out, double v)
{
    append_double(out, v, 1);
}

// A tick step of 1, 2 or 5 times a power of ten, about `span / target` long.
double nice_step(double span, double target)
{
    const double raw = span / target;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * power >= raw) {
            return m * power;
        }
    }
    return 10 * power;
}

}  // namespace

std::string render_timeline_svg(const JobView& view, const std::string& link_prefix)
{
    const auto& bands = view.bands();
    const int64_t t0 = view.origin_ns();
    int64_t t1 = t0 + 1'000'000;
    for (const JobBand& b : bands) {
        t1 = std::max(t1, b.end_ns);
    }
    const double span_ns = static_cast<double>(t1 - t0);
    const double plot_w = kWidth - kLeft - kRight;
    const double plot_h = kHeight - kTop - kBottom;
    auto column_of = [&](int64_t t) {
        const double x = static_cast<double>(t - t0) / span_ns * static_cast<double>(kColumns);
        return std::clamp(static_cast<size_t>(std::max(0.0, x)), size_t{0}, kColumns - 1);
    };

    // The largest processes get a band each, the others one band together.
    std::vector<size_t> order(bands.size());
    for (size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return bands[a].highest > bands[b].highest; });
    std::vector<bool> own(bands.size(), false);
    for (size_t i = 0; i < order.size() && i < kMaxBands; ++i) {
        own[order[i]] = bands[order[i]].highest > 0;
    }
    // Each band's steps, in time order.
    struct Step {
        int64_t from, to, bytes;
    };
    std::vector<std::vector<Step>> steps(bands.size());
    for (size_t i = 0; i < bands.size(); ++i) {
        for_each_step(bands[i], [&](int64_t from, int64_t to, int64_t bytes) {
            steps[i].push_back({from, to, bytes});
        });
    }
    // Per column, the instant its total is highest: the job's total holds from each of its
    // times to the next, over the columns that span covers.
    const auto& total = view.total();
    std::vector<double> top(kColumns, 0);
    std::vector<int64_t> at(kColumns, 0);
    std::vector<bool> has(kColumns, false);
    for (size_t e = 0; e + 1 < total.size(); ++e) {
        const auto [t, bytes] = total[e];
        const double sum = static_cast<double>(bytes);
        for (size_t k = column_of(t + 1); k <= column_of(total[e + 1].first); ++k) {
            if (!has[k] || sum > top[k]) {
                top[k] = sum;
                at[k] = t;
                has[k] = true;
            }
        }
    }
    // Each band at its column's instant: the bands add up to the column's top, so what the
    // chart stacks is what was held together (the highest value of each band within a column
    // would overstate a hand-over: one process freeing while another allocates).
    auto values_at_instants = [&](const std::vector<Step>& band) {
        std::vector<double> v(kColumns, 0);
        size_t j = 0;
        for (size_t k = 0; k < kColumns; ++k) {
            if (!has[k]) {
                continue;
            }
            while (j < band.size() && band[j].to <= at[k]) {
                ++j;
            }
            if (j < band.size() && band[j].from <= at[k]) {
                v[k] = static_cast<double>(band[j].bytes);
            }
        }
        return v;
    };
    std::vector<Column> columns;
    std::vector<size_t> band_of;  // index into bands; bands.size() = the shared band
    size_t others = 0;
    Column shared{std::vector<double>(kColumns, 0)};
    for (size_t i = 0; i < bands.size(); ++i) {
        Column c{values_at_instants(steps[i])};
        if (own[i]) {
            columns.push_back(std::move(c));
            band_of.push_back(i);
        } else if (bands[i].highest > 0) {
            ++others;
            for (size_t k = 0; k < kColumns; ++k) {
                shared.value[k] += c.value[k];
            }
        }
    }
    if (others > 0) {
        columns.push_back(std::move(shared));
        band_of.push_back(bands.size());
    }

    double y_max = *std::max_element(top.begin(), top.end());
    if (view.peak_bytes()) {
        y_max = std::max(y_max, static_cast<double>(*view.peak_bytes()));
    }
    y_max = y_max > 0 ? y_max * 1.08 : 1;
    auto x_of = [&](size_t column) {
        return kLeft + plot_w * static_cast<double>(column) / static_cast<double>(kColumns);
    };
    auto y_of = [&](double bytes) { return kTop + plot_h * (1 - bytes / y_max); };

    std::string out;
    out.reserve(64 * 1024);
    out += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"1200\" "
           "height=\"340\" "
           "viewBox=\"0 0 1200 340\" font-family=\"sans-serif\" font-size=\"12\">\n";
    out += "<title>Memory over time: every process, stacked to the job's total</title>\n";
    out += "<rect width=\"1200\" height=\"340\" fill=\"#ffffff\"/>\n";
    out += "<text x=\"10\" y=\"20\" font-size=\"16\">Memory over time: ";
    append_uint(out, bands.size());
    out += bands.size() == 1 ? " process" : " processes";
    out += ", stacked to the job's total</text>\n";

    // Axes and grid.
    const double y_step = nice_step(y_max, 4);
    for (double v = 0; v <= y_max; v += y_step) {
        out += "<line x1=\"";
        append_num(out, kLeft);
        out += "\" x2=\"";
        append_num(out, kWidth - kRight);
        out += "\" y1=\"";
        append_num(out, y_of(v));
        out += "\" y2=\"";
        append_num(out, y_of(v));
        out += "\" stroke=\"#dddddd\"/><text x=\"";
        append_num(out, kLeft - 6);
        out += "\" y=\"";
        append_num(out, y_of(v) + 4);
        out += "\" text-anchor=\"end\">";
        append_xml_escaped(out, human_bytes(v));
        out += "</text>\n";
    }
    const double seconds = span_ns / 1e9;
    const double x_step = nice_step(seconds, 8);
    for (double s = 0; s <= seconds + 1e-9; s += x_step) {
        const double x = kLeft + plot_w * s / seconds;
        out += "<line x1=\"";
        append_num(out, x);
        out += "\" x2=\"";
        append_num(out, x);
        out += "\" y1=\"";
        append_num(out, kTop + plot_h);
        out += "\" y2=\"";
        append_num(out, kTop + plot_h + 5);
        out += "\" stroke=\"#888888\"/><text x=\"";
        append_num(out, x);
        out += "\" y=\"";
        append_num(out, kTop + plot_h + 18);
        out += "\" text-anchor=\"middle\">";
        append_double(out, s, x_step < 0.1 ? 2 : x_step < 1 ? 1 : 0);
        out += " s</text>\n";
    }

    // Bands, stacked in order of their start.
    std::vector<double> base(kColumns, 0);
    for (size_t c = 0; c < columns.size(); ++c) {
        const std::vector<double>& v = columns[c].value;
        size_t first = kColumns, last = 0;
        for (size_t k = 0; k < kColumns; ++k) {
            if (v[k] > 0) {
                first = std::min(first, k);
                last = k;
            }
        }
        if (first == kColumns) {
            continue;
        }
        const bool is_shared = band_of[c] == bands.size();
        const JobBand* band = is_shared ? nullptr : &bands[band_of[c]];
        std::string label;
        if (band != nullptr) {
            label = band->label + ": highest " + human_bytes(static_cast<double>(band->highest)) +
                    ", from " + human_micros(static_cast<double>(band->start_ns - t0) / 1e3) +
                    " to " + human_micros(static_cast<double>(band->end_ns - t0) / 1e3);
        } else {
            label = std::to_string(others) + " smaller processes";
        }
        const bool link = band != nullptr && !band->href.empty();
        if (link) {
            out += "<a href=\"";
            append_xml_escaped(out, link_prefix + band->href);
            out += "\">";
        }
        out += "<path class=\"band\" fill=\"";
        out += is_shared ? "#c8c8c8" : kPalette[c % (sizeof kPalette / sizeof kPalette[0])];
        out += "\" fill-opacity=\"0.85\" stroke=\"#ffffff\" stroke-width=\"0.4\" d=\"";
        // The top edge left to right in steps, then the bottom edge (the bands below) back.
        char command = 'M';
        auto point = [&](double x, double y) {
            out += command;
            command = 'L';
            append_num(out, x);
            out += ',';
            append_num(out, y);
            out += ' ';
        };
        for (size_t k = first; k <= last; ++k) {
            point(x_of(k), y_of(base[k] + v[k]));
            point(x_of(k + 1), y_of(base[k] + v[k]));
        }
        for (size_t k = last + 1; k-- > first;) {
            point(x_of(k + 1), y_of(base[k]));
            point(x_of(k), y_of(base[k]));
        }
        out += "Z\"><title>";
        append_xml_escaped(out, label);
        out += "</title></path>";
        out += link ? "</a>\n" : "\n";
        for (size_t k = 0; k < kColumns; ++k) {
            base[k] += v[k];
        }
    }

    // The job's peak.
    if (view.peak_bytes() && view.peak_seconds()) {
        const double x = kLeft + plot_w * std::min(1.0, *view.peak_seconds() / seconds);
        out += "<line class=\"peak\" x1=\"";
        append_num(out, x);
        out += "\" x2=\"";
        append_num(out, x);
        out += "\" y1=\"";
        append_num(out, kTop - 6);
        out += "\" y2=\"";
        append_num(out, kTop + plot_h);
        out += "\" stroke=\"#d62728\" stroke-dasharray=\"4 3\"/><text x=\"";
        append_num(out, std::min(x + 4, kWidth - 260));
        out += "\" y=\"";
        append_num(out, kTop - 10);
        out += "\" fill=\"#d62728\">";
        std::string text = "job peak " + human_bytes(static_cast<double>(*view.peak_bytes())) +
                           " at " + human_micros(*view.peak_seconds() * 1e6);
        append_xml_escaped(out, text);
        out += "</text>\n";
    }
    out += "</svg>\n";
    return out;
}

}  // namespace sciagraph::report
