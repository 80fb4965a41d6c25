// report/model/tree_views.h — other views of a call tree, for the interactive report: the import
// machinery folded into one frame, and the tree inverted (each stack's last frame at the root,
// its callers above it).
//
// Only index.html uses them, and it can switch back: the folded files and the SVGs keep every
// frame as the job had it. The folded files are a data contract (other tools read them and
// find Python frames by their form); the SVGs are drawn frame for frame from the same stacks
// and have no switch, so folding there would hide frames for good.
#pragma once

#include "call_tree.h"

#include <memory>
#include <string_view>

namespace sciagraph::report {

// The frame that stands for a run of import machinery frames.
inline constexpr std::string_view kImportMachineryFrame = "[import machinery]";

// Whether a frame belongs to Python's import system rather than to the module it imports:
// `<frozen importlib._bootstrap>`, `<frozen importlib._bootstrap_external>`, other frozen
// importlib modules and zipimport, or the same modules' source files in an interpreter that
// does not freeze them. Every `import` adds five to ten of them to each stack under it.
bool is_import_frame(std::string_view name);

// A copy of `tree` where each run of consecutive import frames on a path is one frame named
// kImportMachineryFrame; what the run's frames called stays under it, merged by name. The
// frames that are not folded keep their name ids (the new frame's id is the last one).
// Totals are unchanged. Returns a finished tree.
std::unique_ptr<CallTree> fold_import_frames(const CallTree& tree);

// `tree` inverted: for each node with a self value, the path from it up to the root, reversed,
// carries that value (the last frame of each stack at the top level, its callers below it).
// The root's totals equal `tree`'s; name ids are those of `tree`. Returns a finished tree.
// A node lighter than `min_weight` (what prune() would not draw) is made, with its weight as
// its self value, but not its callers: pruned alike, the result is the full inversion's.
std::unique_ptr<CallTree> invert_tree(const CallTree& tree, double min_weight = 0);

}  // namespace sciagraph::report
