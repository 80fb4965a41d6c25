// report/read/folded_reader.h — folded stacks from any tool (flamegraph.pl's input):
// `frame;frame;frame value` per line, root first. Tolerated: blank lines, CRLF, leading and
// trailing whitespace, a tab before the value, `# ` comment lines, empty frames (`a;;b`,
// skipped), a fractional value (rounded), and the differential form `stack before after` (the
// second count is the width, as flamegraph.pl draws it). Lines with no value are counted and
// skipped; a file in which no line parses is refused.
#pragma once

#include "call_tree.h"
#include "errors.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace sciagraph::report {

struct FoldedResult {
    std::unique_ptr<CallTree> tree;  // finished; set on success
    size_t stacks = 0;               // lines read as stacks
    size_t bad_lines = 0;            // lines skipped as not `stack value`
    size_t first_bad_line = 0;       // 1-based
    Error error;
};

// Parses `text` in place: frame names point into it, so `keep_alive` must own it.
FoldedResult parse_folded(std::string_view text, std::shared_ptr<const void> keep_alive);

}  // namespace sciagraph::report
