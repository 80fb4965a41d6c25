// report/model/dump_to_tree.h — a dump's stack trie and samples as call trees: one for memory at
// the peak (bytes), one for time (CPU and waiting microseconds, as the tree's two metrics).
#pragma once

#include "call_tree.h"
#include "dump_reader.h"
#include "errors.h"

#include <memory>
#include <optional>

namespace sciagraph::report {

struct DumpTrees {
    std::unique_ptr<CallTree> memory;  // metric 0: bytes at the peak
    std::unique_ptr<CallTree> time;    // metric 0: CPU µs, metric 1: waiting µs
};

// The display name of a dump frame: `function (file:line)` for Python frames, the label alone
// for pseudo-frames (sanitised later, when interned).
std::string frame_display_name(const DumpFrame& frame);

// Fails (Corrupt) only when the stack parents form a cycle.
std::optional<DumpTrees> build_trees(const Dump& dump, Error& error);

// Which trees the dump's mode says were recorded. A dump without a mode (written by hand, or by
// an older core) recorded what it holds samples of.
struct Recorded {
    bool memory = false;
    bool time = false;
};
Recorded recorded(const Dump& dump);

}  // namespace sciagraph::report
