// report/folded_writer.cpp — see folded_writer.h.
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
    std::string path;  // the current node's stack, root first
    struct Visit {
        uint32_t node;
        size_t path_length;  // length of `path` before this node's name
    };
    std::vector<Visit> stack;
    for (const uint32_t* c = tree.children_end(CallTree::kRoot);
         c != tree.children_begin(CallTree::kRoot);) {
        stack.push_back({*--c, 0});
    }
    while (!stack.empty()) {
        const Visit v = stack.back();
        stack.pop_back();
        if (total(v.node) == 0) {
            continue;
        }
        path.resize(v.path_length);
        if (!path.empty()) {
            path += ';';
        }
        path += tree.node_name(v.node);
        if (const uint64_t value = self(v.node); value > 0) {
            out += path;
            out += ' ';
            append_uint(out, value);
            out += '\n';
        }
        const size_t length = path.size();
        for (const uint32_t* c = tree.children_end(v.node); c != tree.children_begin(v.node);) {
            stack.push_back({*--c, length});
        }
    }
    return out;
}

}  // namespace sciagraph::report
