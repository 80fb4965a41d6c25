// report/model/diff.cpp — see diff.h.
#include "diff.h"

#include "text.h"

#include <algorithm>

namespace sciagraph::report {
namespace {

// Adds every node of `source` to `diff` (same path, same names), its self value (both metrics)
// to metric `side` of the node. Node ids of a finished tree are in pre-order, so a node's
// parent is always mapped before the node itself.
void add_side(const CallTree& source, CallTree& diff, int side)
{
    std::vector<uint32_t> name_of(source.name_count(), ~0u);
    std::vector<uint32_t> node_of(source.size(), CallTree::kRoot);
    for (uint32_t n = 1; n < source.size(); ++n) {
        const uint32_t source_name = source.name_id(n);
        if (name_of[source_name] == ~0u) {
            // Already sanitised by `source`: interning it again keeps it as it is.
            name_of[source_name] = diff.intern(source.name(source_name));
        }
        node_of[n] = diff.child(node_of[source.parent(n)], name_of[source_name]);
        const uint64_t self = source.self0(n) + source.self1(n);
        if (self != 0) {
            diff.add_self(node_of[n], side == 0 ? self : 0, side == 0 ? 0 : self);
        }
    }
}

}  // namespace

std::unique_ptr<CallTree> diff_trees(const CallTree& before, const CallTree& after)
{
    auto diff = std::make_unique<CallTree>();
    diff->reserve(before.size() + after.size());
    add_side(before, *diff, 0);
    add_side(after, *diff, 1);
    diff->finish();
    return diff;
}

std::string render_diff_folded(const CallTree& diff)
{
    std::string out;
    std::vector<std::string_view> path;
    diff.visit_preorder([&](uint32_t node, uint32_t depth) {
        if (diff.weight(node) == 0) {
            return false;  // nothing on either side anywhere below
        }
        path.resize(depth - 1);
        path.push_back(diff.node_name(node));
        if (diff.self0(node) != 0 || diff.self1(node) != 0) {
            for (size_t i = 0; i < path.size(); ++i) {
                if (i > 0) {
                    out += ';';
                }
                out += path[i];
            }
            out += ' ';
            append_uint(out, diff.self0(node));
            out += ' ';
            append_uint(out, diff.self1(node));
            out += '\n';
        }
        return true;
    });
    return out;
}

std::vector<DiffChange> largest_changes(const CallTree& diff, size_t limit)
{
    std::vector<DiffChange> changes;
    for (uint32_t n = 1; n < diff.size(); ++n) {
        if (diff.self0(n) != diff.self1(n)) {
            changes.push_back({n, diff.self0(n), diff.self1(n)});
        }
    }
    // Node ids are in pre-order after finish(): ties keep the tree's (deterministic) order.
    auto larger = [](const DiffChange& a, const DiffChange& b) {
        return a.magnitude() != b.magnitude() ? a.magnitude() > b.magnitude() : a.node < b.node;
    };
    if (changes.size() > limit) {
        std::partial_sort(changes.begin(), changes.begin() + static_cast<ptrdiff_t>(limit),
                          changes.end(), larger);
        changes.resize(limit);
    } else {
        std::sort(changes.begin(), changes.end(), larger);
    }
    return changes;
}

}  // namespace sciagraph::report
