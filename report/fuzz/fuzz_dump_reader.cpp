// report/fuzz/fuzz_dump_reader.cpp — libFuzzer target: the dump reader and the live record
// reader, and what is built from whatever they accept (the call trees, their folded output, the
// import fold and the inverted view, the job view and its timeline SVG), on arbitrary bytes;
// both readers get every input, so one corpus serves the two. Any crash, sanitizer report, leak
// or hang here is a bug: `sciagraph report` must refuse bad dumps cleanly, and a run directory
// may hold a damaged dump beside good ones.
#include "dump_reader.h"
#include "dump_to_tree.h"
#include "folded_writer.h"
#include "job_view.h"
#include "record_reader.h"
#include "timeline_svg.h"
#include "tree_views.h"

#include <cstddef>
#include <cstdint>
#include <optional>

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
            (void)invert_tree(*fold_import_frames(*trees->memory), 0.01);
        }
        // The job view of the dump as two processes, with a page made of its own values (a
        // damaged page and a damaged dump together), then without a page.
        const Dump& dump = *result.dump;
        auto meta = [&](const char* key) {
            return static_cast<uint64_t>(dump.meta_integer(key).value_or(0));
        };
        JobPageFacts page;
        page.generation = meta("job_generation");
        page.high = static_cast<int64_t>(meta("peak_bytes"));
        page.start_monotonic_ns = meta("start_monotonic_ns");
        page.high_monotonic_ns = meta("end_monotonic_ns");
        page.request_monotonic_ns = page.high_monotonic_ns;
        for (const std::optional<JobPageFacts>& facts : {std::optional(page), {}}) {
            JobView view(facts);
            view.add_process(dump, 1, "a.html");
            view.add_process(dump, 2, "");
            view.finish();
            (void)render_timeline_svg(view, "p/");
            (void)render_folded(view.peak_tree(), FoldedMetric::First);
        }
    }
    return 0;
}
