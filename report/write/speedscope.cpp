// report/write/speedscope.cpp — see speedscope.h.
#include "speedscope.h"

#include "text.h"

#include <string_view>
#include <unordered_map>

namespace sciagraph::report {

std::string render_speedscope(const std::string& name,
                              const std::string& exporter,
                              const std::vector<SpeedscopeProfile>& profiles)
{
    std::string frames;
    std::unordered_map<std::string_view, uint32_t> frame_index;
    std::string body;
    bool first_profile = true;
    for (const SpeedscopeProfile& p : profiles) {
        const CallTree& t = *p.tree;
        auto self = [&](uint32_t n) {
            return p.metric == 0   ? t.self0(n)
                   : p.metric == 1 ? t.self1(n)
                                   : t.self0(n) + t.self1(n);
        };
        auto total = [&](uint32_t n) {
            return p.metric == 0 ? t.total0(n) : p.metric == 1 ? t.total1(n) : t.weight(n);
        };
        std::string samples, weights;
        uint64_t sum = 0;
        std::vector<uint32_t> path;  // frame indices, root first
        t.visit_preorder([&](uint32_t node, uint32_t depth) {
            if (total(node) == 0) {
                return false;
            }
            path.resize(depth - 1);
            const std::string_view frame_name = t.node_name(node);
            auto [it, inserted] = frame_index.try_emplace(frame_name, frame_index.size());
            if (inserted) {
                frames += frames.empty() ? "{\"name\":" : ",{\"name\":";
                append_json_string(frames, frame_name);
                if (const auto python = split_python_frame(frame_name)) {
                    frames += ",\"file\":";
                    append_json_string(frames, python->file);
                    frames += ",\"line\":";
                    append_uint(frames, python->line);
                }
                frames += '}';
            }
            path.push_back(it->second);
            if (const uint64_t value = self(node); value > 0) {
                samples += samples.empty() ? "[" : ",[";
                for (size_t i = 0; i < path.size(); ++i) {
                    if (i > 0) {
                        samples += ',';
                    }
                    append_uint(samples, path[i]);
                }
                samples += ']';
                if (!weights.empty()) {
                    weights += ',';
                }
                append_uint(weights, value);
                sum += value;
            }
            return true;
        });
        body += first_profile ? "" : ",";
        first_profile = false;
        body += "{\"type\":\"sampled\",\"name\":";
        append_json_string(body, p.name);
        body += ",\"unit\":\"";
        body += p.unit;
        body += "\",\"startValue\":0,\"endValue\":";
        append_uint(body, sum);
        body += ",\"samples\":[";
        body += samples;
        body += "],\"weights\":[";
        body += weights;
        body += "]}";
    }
    std::string out =
        "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\"name\":";
    append_json_string(out, name);
    out += ",\"exporter\":";
    append_json_string(out, exporter);
    out += ",\"activeProfileIndex\":0,\"shared\":{\"frames\":[";
    out += frames;
    out += "]},\"profiles\":[";
    out += body;
    out += "]}\n";
    return out;
}

}  // namespace sciagraph::report
