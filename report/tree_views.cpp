// report/tree_views.cpp — see tree_views.h.
#include "tree_views.h"

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

std::unique_ptr<CallTree> invert_tree(const CallTree& tree)
{
    auto out = tree_with_names_of(tree);
    for (uint32_t node = 1; node < tree.size(); ++node) {
        if (tree.self0(node) == 0 && tree.self1(node) == 0) {
            continue;
        }
        uint32_t at = CallTree::kRoot;
        for (uint32_t n = node; n != CallTree::kRoot; n = tree.parent(n)) {
            at = out->child(at, tree.name_id(n));
        }
        out->add_self(at, tree.self0(node), tree.self1(node));
    }
    out->add_self(CallTree::kRoot, tree.self0(CallTree::kRoot), tree.self1(CallTree::kRoot));
    out->finish();
    return out;
}

}  // namespace sciagraph::report
