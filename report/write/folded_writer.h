// report/write/folded_writer.h — a call tree as folded stacks (the contract in design.md): one line
// per stack with a non-zero self value, frames root-first joined by ';', a space, the integer
// value, '\n'. Names are already sanitised by the tree. Lines come in tree order (children by
// name), so the output is deterministic.
#pragma once

#include "call_tree.h"

#include <string>

namespace sciagraph::report {

// `metric`: 0 or 1 (time: CPU or waiting); `both`: their sum (folded input round trip).
enum class FoldedMetric { First, Second, Both };
std::string render_folded(const CallTree& tree, FoldedMetric metric);

}  // namespace sciagraph::report
