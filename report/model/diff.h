// report/model/diff.h — two profiles of the same kind compared stack by stack: one call tree
// holding both, BEFORE's values as metric 0 and AFTER's as metric 1, written as flamegraph.pl's
// difffolded.pl writes it (`stack before after`), and the stacks that changed most.
//
// A node's value on each side is what that side's tree holds there with both of its metrics
// together: bytes for memory, CPU + waiting microseconds for time (the time flamegraph's width),
// counts for a folded file.
#pragma once

#include "call_tree.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sciagraph::report {

// Finished; self0/total0 are BEFORE's values, self1/total1 AFTER's. Every stack of either input
// is a node; a stack one side lacks has 0 there.
std::unique_ptr<CallTree> diff_trees(const CallTree& before, const CallTree& after);

// One line per stack with a value on either side, `frame;frame;frame before after\n`, frames
// root first, in tree order (children by name), so the output is deterministic.
std::string render_diff_folded(const CallTree& diff);

struct DiffChange {
    uint32_t node = 0;  // the stack's last frame in the diff tree
    uint64_t before = 0, after = 0;
    // The size of the change and its sign, without overflow for any pair of values.
    uint64_t magnitude() const { return after >= before ? after - before : before - after; }
    bool grew() const { return after > before; }
};

// The stacks (self values) that changed, largest absolute change first, then in tree order;
// at most `limit`. Unchanged stacks are left out.
std::vector<DiffChange> largest_changes(const CallTree& diff, size_t limit);

}  // namespace sciagraph::report
