// report/model/dump_to_tree.cpp — see dump_to_tree.h.
#include "dump_to_tree.h"

#include "core/dump_format.h"
#include "text.h"

#include <vector>

namespace sciagraph::report {
namespace {

constexpr uint32_t kUnresolved = ~0u;
constexpr uint32_t kResolving = ~0u - 1;

// Maps every dump stack id to a node of `tree`, creating the path from the root. Iterative,
// because stacks can be thousands deep; a parent chain that loops is reported, not followed.
bool map_stacks(const Dump& dump, CallTree& tree, std::vector<uint32_t>& node_of_stack)
{
    std::vector<uint32_t> name_of_frame(dump.frames.size());
    for (size_t i = 0; i < dump.frames.size(); ++i) {
        name_of_frame[i] = tree.intern(frame_display_name(dump.frames[i]));
    }
    const size_t n = dump.stacks.size();
    node_of_stack.assign(n + 1, kUnresolved);
    node_of_stack[0] = CallTree::kRoot;
    std::vector<uint32_t> path;
    for (uint32_t id = 1; id <= n; ++id) {
        if (node_of_stack[id] != kUnresolved) {
            continue;
        }
        // Walk up to a resolved ancestor, then create nodes back down.
        uint32_t cur = id;
        path.clear();
        while (node_of_stack[cur] == kUnresolved) {
            node_of_stack[cur] = kResolving;
            path.push_back(cur);
            cur = dump.stacks[cur - 1].parent;
        }
        if (node_of_stack[cur] == kResolving) {
            return false;  // came back to a stack on this walk: a cycle
        }
        uint32_t node = node_of_stack[cur];
        for (auto it = path.rbegin(); it != path.rend(); ++it) {
            node = tree.child(node, name_of_frame[dump.stacks[*it - 1].frame]);
            node_of_stack[*it] = node;
        }
    }
    return true;
}

}  // namespace

std::string frame_display_name(const DumpFrame& frame)
{
    if (frame.kind == static_cast<uint32_t>(sciagraph::dump::FrameKind::Pseudo)) {
        return frame.function;
    }
    std::string name = frame.function;
    name += " (";
    name += frame.file;
    name += ':';
    append_uint(name, frame.line);
    name += ')';
    return name;
}

Recorded recorded(const Dump& dump)
{
    const std::string mode = dump.meta_value(sciagraph::dump::meta::kMode).value_or("");
    Recorded r;
    r.memory = mode == "memory" || mode == "both" || (mode.empty() && !dump.memory_peak.empty());
    r.time = mode == "time" || mode == "both" ||
             (mode.empty() && (!dump.time_cpu.empty() || !dump.time_wait.empty()));
    return r;
}

std::optional<DumpTrees> build_trees(const Dump& dump, Error& error)
{
    DumpTrees trees;
    trees.memory = std::make_unique<CallTree>();
    trees.time = std::make_unique<CallTree>();
    std::vector<uint32_t> memory_nodes, time_nodes;
    // Every stack becomes a node in both trees; stacks with no value in a tree (freed before
    // the peak, or never sampled for time) have weight 0, and every output skips those.
    if (!map_stacks(dump, *trees.memory, memory_nodes) ||
        !map_stacks(dump, *trees.time, time_nodes)) {
        error = {ExitStatus::Corrupt, "corrupt dump: the stack table loops"};
        return std::nullopt;
    }
    for (const DumpSample& s : dump.memory_peak) {
        trees.memory->add_self(memory_nodes[s.stack], s.value);
    }
    for (const DumpSample& s : dump.time_cpu) {
        trees.time->add_self(time_nodes[s.stack], s.value, 0);
    }
    for (const DumpSample& s : dump.time_wait) {
        trees.time->add_self(time_nodes[s.stack], 0, s.value);
    }
    trees.memory->finish();
    trees.time->finish();
    return trees;
}

}  // namespace sciagraph::report
