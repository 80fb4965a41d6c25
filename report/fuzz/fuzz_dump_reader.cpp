// report/fuzz/fuzz_dump_reader.cpp — libFuzzer target: the dump reader and the live record
// reader, and what is built from whatever they accept (the call trees and their folded output),
// on arbitrary bytes; both readers get every input, so one corpus serves the two. Any crash,
// sanitizer report, leak or hang here is a bug: `sciagraph report` must refuse bad dumps cleanly.
#include "dump_reader.h"
#include "dump_to_tree.h"
#include "folded_writer.h"
#include "record_reader.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace sciagraph::report;
    for (const DumpResult& result : {parse_dump(data, size), parse_record(data, size)}) {
        if (!result.dump) {
            continue;
        }
        Error error;
        const auto trees = build_trees(*result.dump, error);
        if (trees) {
            (void)render_folded(*trees->memory, FoldedMetric::First);
            (void)render_folded(*trees->time, FoldedMetric::Second);
            (void)prune(*trees->time, 0.1);
        }
    }
    return 0;
}
