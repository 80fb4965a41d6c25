// report/write/folded_writer.cpp — see folded_writer.h.
#include "folded_writer.h"

#include "text.h"

#include <vector>

namespace sciagraph::report {

std::string render_folded(const CallTree& tree, FoldedMetric metric)
{
    auto self = [&](uint32_t n) -> uint64_t {
        switch (metric) {
        case FoldedMetric::First:
            return tree.self0(n);
        case FoldedMetric::Second:
            return tree.self1(n);
        case FoldedMetric::Both:
            break;
        }
        return tree.self0(n) + tree.self1(n);
    };
    auto total = [&](uint32_t n) -> uint64_t {
        switch (metric) {
        case FoldedMetric::First:
            return tree.total0(n);
        case FoldedMetric::Second:
            return tree.total1(n);
        case FoldedMetric::Both:
            break;
        }
        return tree.weight(n);
    };
    std::string out;
    std::string path;                  // the current node's stack, root first
    std::vector<size_t> path_ends{0};  // path_ends[d]: length of `path` up to depth d
    tree.visit_preorder([&](uint32_t node, uint32_t depth) {
        if (total(node) == 0) {
            return false;
        }
        path.resize(path_ends[depth - 1]);
        if (!path.empty()) {
            path += ';';
        }
        path += tree.node_name(node);
        path_ends.resize(depth + 1);
        path_ends[depth] = path.size();
        if (const uint64_t value = self(node); value > 0) {
            out += path;
            out += ' ';
            append_uint(out, value);
            out += '\n';
        }
        return true;
    });
    return out;
}

}  // namespace sciagraph::report
