// tests/report/sample_trees.h — the call trees of dump_builder.h's sample dump, for the tests of
// what is written from trees (formats, pprof).
#pragma once

#include "dump_builder.h"
#include "dump_reader.h"
#include "dump_to_tree.h"

#include <catch2/catch.hpp>

namespace sciagraph::report::testing {

inline DumpTrees sample_trees()
{
    const auto bytes = sample_dump().bytes();
    const DumpResult r = parse_dump(bytes.data(), bytes.size());
    REQUIRE(r.dump);
    Error error;
    auto trees = build_trees(*r.dump, error);
    REQUIRE(trees);
    return std::move(*trees);
}

}  // namespace sciagraph::report::testing
