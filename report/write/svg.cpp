// report/write/svg.cpp — see svg.h.
#include "svg.h"

#include "assets.h"
#include "source_lines.h"
#include "text.h"

namespace sciagraph::report {
namespace {

constexpr double kWidth = 1200;
constexpr double kPad = 10;
constexpr double kFrameHeight = 16;
constexpr double kTop = 84;         // title, subtitle, controls, legend
constexpr double kBottom = 28;      // details line
constexpr double kCharWidth = 7.2;  // monospace at 12 px

void append_percent(std::string& out, uint64_t part, uint64_t whole)
{
    append_double(
        out, whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0, 2);
    out += '%';
}

void append_tooltip(std::string& out, const Graph& g, uint32_t node, uint64_t hidden, uint64_t root)
{
    const CallTree& t = *g.tree;
    std::string text(t.node_name(node));
    text += "\n";
    if (g.sources != nullptr) {
        if (const std::string_view line = g.sources->line(t.name_id(node)); !line.empty()) {
            text += line;  // the line of code, under the frame it stands for
            text += "\n";
        }
    }
    text += format_value(g.kind, t.weight(node));
    text += " (";
    append_percent(text, t.weight(node), root);
    text += "), self ";
    text += format_value(g.kind, t.self0(node) + t.self1(node));
    if (g.kind == GraphKind::Time) {
        text += "\nCPU ";
        text += format_value(g.kind, t.total0(node));
        text += ", waiting ";
        text += format_value(g.kind, t.total1(node));
        text += " (";
        append_percent(text, t.total0(node), t.weight(node));
        text += " CPU)";
    }
    if (hidden > 0) {
        text += "\n";
        text += format_value(g.kind, hidden);
        text += " in frames too narrow to draw";
    }
    append_xml_escaped(out, text);
}

void append_legend(std::string& out, GraphKind kind, double y)
{
    struct Item {
        const char* label;
        const char* colour;
    };
    const Item time_items[] = {{"CPU", "#f0782d"},
                               {"half CPU, half waiting", "#9f8382"},
                               {"waiting (sleep, I/O, locks, GIL)", "#4e8fd6"}};
    const Item origin_items[] = {{"your code", "#f09c3c"},
                                 {"libraries (site-packages)", "#6eb4e6"},
                                 {"standard library", "#8fcd82"},
                                 {"no Python frame", "#afafb4"}};
    const Item* items = kind == GraphKind::Time ? time_items : origin_items;
    const size_t count = kind == GraphKind::Time ? 3 : 4;
    double x = kPad;
    for (size_t i = 0; i < count; ++i) {
        out += "<rect x=\"";
        append_double(out, x, 1);
        out += "\" y=\"";
        append_double(out, y - 10, 1);
        out += "\" width=\"12\" height=\"12\" fill=\"";
        out += items[i].colour;
        out += "\"/><text x=\"";
        append_double(out, x + 16, 1);
        out += "\" y=\"";
        append_double(out, y, 1);
        out += "\">";
        append_xml_escaped(out, items[i].label);
        out += "</text>\n";
        x += 36 + 7.2 * static_cast<double>(std::char_traits<char>::length(items[i].label));
    }
}

}  // namespace

std::string render_svg(const Graph& g, double min_width_px)
{
    const CallTree& t = *g.tree;
    const PrunedTree pruned = prune(t, min_width_px, kWidth, 1000);
    const uint64_t root = t.weight(CallTree::kRoot);
    const double height = kTop + kBottom + kFrameHeight * (pruned.max_depth + 1);
    std::string out;
    out.reserve(4096 + pruned.nodes.size() * 200);
    out += "<?xml version=\"1.0\" standalone=\"no\"?>\n"
           "<svg version=\"1.1\" width=\"1200\" height=\"";
    append_double(out, height, 0);
    out += "\" viewBox=\"0 0 1200 ";
    append_double(out, height, 0);
    out += "\" xmlns=\"http://www.w3.org/2000/svg\" data-unit=\"";
    out += unit_name(g.kind);
    out += "\" data-total=\"";
    append_uint(out, root);
    out += "\">\n<style>text{font-family:monospace;font-size:12px;fill:#000}"
           "#title{font-size:17px}#frames>g{cursor:pointer}#frames>g:hover>rect{stroke:#000;"
           "stroke-width:0.5}.control{cursor:pointer;text-decoration:underline}"
           ".hide{display:none}.faded{opacity:0.45}</style>\n<script type=\"text/ecmascript\">"
           "<![CDATA[\n";
    out += assets::get("flamegraph_svg.js");
    out += "]]></script>\n<rect x=\"0\" y=\"0\" width=\"1200\" height=\"";
    append_double(out, height, 0);
    out += "\" fill=\"#fbfaf7\"/>\n<text id=\"title\" x=\"600\" y=\"24\" text-anchor=\"middle\">";
    append_xml_escaped(out, g.title);
    out += "</text>\n<text id=\"subtitle\" x=\"600\" y=\"42\" text-anchor=\"middle\">";
    std::string subtitle = g.subtitle;
    subtitle += subtitle.empty() ? "" : " · ";
    subtitle += "total " + format_value(g.kind, root);
    if (pruned.pruned_weight > 0) {
        subtitle += " · frames under ";
        append_double(subtitle, min_width_px, 2);
        subtitle += " px not drawn: ";
        append_percent(subtitle, pruned.pruned_weight, root);
    }
    append_xml_escaped(out, subtitle);
    out += "</text>\n<text id=\"unzoom\" class=\"control hide\" x=\"10\" y=\"24\" tabindex=\"0\">"
           "Reset Zoom</text>\n<text id=\"search\" class=\"control\" x=\"1090\" y=\"24\" "
           "tabindex=\"0\">Search (Ctrl-F)</text>\n<text id=\"ignorecase\" class=\"control\" "
           "x=\"1170\" y=\"24\" tabindex=\"0\">ic</text>\n<text id=\"matched\" x=\"1090\" "
           "y=\"";
    append_double(out, height - 8, 0);
    out += "\"> </text>\n<text id=\"details\" x=\"10\" y=\"";
    append_double(out, height - 8, 0);
    out += "\"> </text>\n";
    append_legend(out, g.kind, 66);
    out += "<g id=\"frames\">\n";

    // Children are laid out from their parent's left edge, in name order.
    std::vector<double> x(pruned.nodes.size(), 0), next(pruned.nodes.size(), 0);
    const double scale = root > 0 ? (kWidth - 2 * kPad) / static_cast<double>(root) : 0;
    for (size_t i = 0; i < pruned.nodes.size(); ++i) {
        const uint32_t node = pruned.nodes[i];
        if (i == 0) {
            x[i] = kPad;
        } else {
            x[i] = next[pruned.parents[i]];
        }
        const double w = static_cast<double>(t.weight(node)) * scale;
        next[pruned.parents[i]] = x[i] + w;
        next[i] = x[i];
        const double y = height - kBottom - kFrameHeight * (pruned.depths[i] + 1);
        out += "<g><title>";
        if (i == 0) {
            std::string all = "all\n" + format_value(g.kind, root) + " (100%)";
            append_xml_escaped(out, all);
        } else {
            append_tooltip(out, g, node, pruned.hidden[i], root);
        }
        out += "</title><rect x=\"";
        append_double(out, x[i], 2);
        out += "\" y=\"";
        append_double(out, y, 0);
        out += "\" width=\"";
        append_double(out, w, 2);
        out += "\" height=\"15\" rx=\"2\" fill=\"";
        out += i == 0 ? std::string("#c8c8c8")
                      : frame_colour(g.kind, t.node_name(node), t.total0(node), t.total1(node));
        out += "\"/><text x=\"";
        append_double(out, x[i] + 3, 2);
        out += "\" y=\"";
        append_double(out, y + 11.5, 1);
        out += "\">";
        const double chars = (w - 6) / kCharWidth;
        if (chars >= 3) {
            append_xml_escaped(out, fit_label(i == 0 ? std::string_view("all") : t.node_name(node),
                                              static_cast<size_t>(chars)));
        }
        out += "</text></g>\n";
    }
    out += "</g>\n</svg>\n";
    return out;
}

}  // namespace sciagraph::report
