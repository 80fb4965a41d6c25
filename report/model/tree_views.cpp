// report/model/tree_views.cpp — see tree_views.h.
#include "tree_views.h"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace sciagraph::report {
namespace {

// A new tree with the names of `tree` at the same ids.
std::unique_ptr<CallTree> tree_with_names_of(const CallTree& tree)
{
    auto out = std::make_unique<CallTree>();
    for (uint32_t id = 1; id < tree.name_count(); ++id) {
        out->intern(tree.name_key(id));
    }
    return out;
}

bool ends_with(std::string_view s, std::string_view suffix)
{
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool is_import_frame(std::string_view name)
{
    // "function (file:line)": the file is what tells.
    const size_t open = name.find(" (");
    if (open == std::string_view::npos || name.back() != ')') {
        return false;
    }
    std::string_view file = name.substr(open + 2, name.size() - open - 3);
    file = file.substr(0, file.rfind(':'));
    return file.starts_with("<frozen importlib.") || file == "<frozen zipimport>" ||
           ends_with(file, "/importlib/_bootstrap.py") ||
           ends_with(file, "/importlib/_bootstrap_external.py") || ends_with(file, "/zipimport.py");
}

std::unique_ptr<CallTree> fold_import_frames(const CallTree& tree)
{
    auto out = tree_with_names_of(tree);
    const uint32_t folded = out->intern(kImportMachineryFrame);
    std::vector<bool> import_name(tree.name_count(), false);
    for (uint32_t id = 1; id < tree.name_count(); ++id) {
        import_name[id] = is_import_frame(tree.name(id));
    }
    // Node ids of a finished tree are in pre-order: a parent is mapped before its children.
    std::vector<uint32_t> node_of(tree.size(), CallTree::kRoot);
    out->reserve(tree.size());
    for (uint32_t node = 1; node < tree.size(); ++node) {
        const uint32_t parent = node_of[tree.parent(node)];
        uint32_t mapped;
        if (!import_name[tree.name_id(node)]) {
            mapped = out->child(parent, tree.name_id(node));
        } else if (parent != CallTree::kRoot && out->name_id(parent) == folded) {
            mapped = parent;  // the run goes on
        } else {
            mapped = out->child(parent, folded);
        }
        node_of[node] = mapped;
        out->add_self(mapped, tree.self0(node), tree.self1(node));
    }
    out->add_self(CallTree::kRoot, tree.self0(CallTree::kRoot), tree.self1(CallTree::kRoot));
    out->finish();
    return out;
}

std::unique_ptr<CallTree> invert_tree(const CallTree& tree, double min_weight)
{
    auto out = tree_with_names_of(tree);
    // Each stack with a value, as the frame to place next (its last, then its callers').
    struct Item {
        uint32_t node;
        uint64_t value0, value1;
    };
    std::vector<Item> items;
    for (uint32_t node = 1; node < tree.size(); ++node) {
        if (tree.self0(node) != 0 || tree.self1(node) != 0) {
            items.push_back({node, tree.self0(node), tree.self1(node)});
        }
    }
    // A level at a time under each new node, grouped by name: a group too narrow to draw stops
    // there, so the tree holds what is drawn plus one node per narrow group (a 1.9 M node tree
    // inverted in full took a third more memory than the render of its HTML).
    struct Work {
        uint32_t parent;
        size_t begin, end;  // items placed under `parent`
    };
    std::vector<Work> work{{CallTree::kRoot, 0, items.size()}};
    while (!work.empty()) {
        const Work w = work.back();
        work.pop_back();
        std::sort(items.begin() + static_cast<ptrdiff_t>(w.begin),
                  items.begin() + static_cast<ptrdiff_t>(w.end), [&](const Item& a, const Item& b) {
                      return tree.name_id(a.node) < tree.name_id(b.node);
                  });
        for (size_t group = w.begin; group < w.end;) {
            const uint32_t name = tree.name_id(items[group].node);
            size_t end = group;
            uint64_t sum0 = 0, sum1 = 0;
            for (; end < w.end && tree.name_id(items[end].node) == name; ++end) {
                sum0 += items[end].value0;
                sum1 += items[end].value1;
            }
            const uint32_t at = out->child(w.parent, name);
            if (static_cast<double>(sum0 + sum1) < min_weight) {
                out->add_self(at, sum0, sum1);  // not drawn: its callers are not needed
            } else {
                // Stacks that end here leave their value; the others go on to their caller.
                size_t going_on = group;
                for (size_t k = group; k < end; ++k) {
                    const uint32_t caller = tree.parent(items[k].node);
                    if (caller == CallTree::kRoot) {
                        out->add_self(at, items[k].value0, items[k].value1);
                    } else {
                        items[k].node = caller;
                        std::swap(items[going_on++], items[k]);
                    }
                }
                if (going_on > group) {
                    work.push_back({at, group, going_on});
                }
            }
            group = end;
        }
    }
    out->add_self(CallTree::kRoot, tree.self0(CallTree::kRoot), tree.self1(CallTree::kRoot));
    out->finish();
    return out;
}

}  // namespace sciagraph::report
