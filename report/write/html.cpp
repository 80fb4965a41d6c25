// report/write/html.cpp — see html.h.
#include "html.h"

#include "assets.h"
#include "json_out.h"
#include "text.h"

namespace sciagraph::report {
namespace {

// Replaces the first `marker` in `text`; the template holds each marker once.
void replace(std::string& text, std::string_view marker, std::string_view with)
{
    const size_t at = text.find(marker);
    if (at != std::string::npos) {
        text.replace(at, marker.size(), with);
    }
}

}  // namespace

std::string render_html(const nlohmann::json& page,
                        const std::vector<Graph>& graphs,
                        double min_width_px,
                        std::string_view processes_json)
{
    std::string graphs_json = "[";
    for (size_t i = 0; i < graphs.size(); ++i) {
        graphs_json += i > 0 ? "," : "";
        append_graph_json(graphs_json, graphs[i], min_width_px, 200, true);
    }
    graphs_json += "]";
    return render_html_page(page, graphs_json, processes_json);
}

std::string render_html_page(const nlohmann::json& page,
                             std::string_view graphs_json,
                             std::string_view processes_json)
{
    // The page JSON is small; nlohmann escapes it, and '<' '>' '&' are made \u escapes below
    // so no string can close the <script> element it sits in.
    std::string page_json = page.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (!processes_json.empty() && page_json.size() >= 2 && page_json.back() == '}') {
        page_json.pop_back();
        page_json += page_json.size() > 1 ? ",\"processes\":" : "\"processes\":";
        page_json += processes_json;
        page_json += '}';
    }
    std::string safe_page;
    safe_page.reserve(page_json.size());
    for (char c : page_json) {
        switch (c) {
        case '<':
            safe_page += "\\u003c";
            break;
        case '>':
            safe_page += "\\u003e";
            break;
        case '&':
            safe_page += "\\u0026";
            break;
        default:
            safe_page += c;
        }
    }
    std::string data = "{\"page\":" + safe_page + ",\"graphs\":";
    data += graphs_json;
    data += "}";

    std::string title;
    append_xml_escaped(title, page.value("title", std::string("sciagraph report")));

    std::string html(assets::get("report.html"));
    // Data last: the markers must not be searched for inside it.
    replace(html, "{{TITLE}}", title);
    replace(html, "/*{{CSS}}*/", assets::get("report.css"));
    const size_t js_at = html.find("/*{{JS}}*/");
    const std::string_view js = assets::get("report.js");
    if (js_at != std::string::npos) {
        html.replace(js_at, 10, js);
    }
    replace(html, "{{DATA}}", data);
    return html;
}

}  // namespace sciagraph::report
