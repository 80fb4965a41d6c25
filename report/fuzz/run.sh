#!/bin/sh
# report/fuzz/run.sh — builds the dump reader fuzzer with clang (libFuzzer, ASan, UBSan) in its
# own build directory, writes a seed corpus, and fuzzes for SECONDS (default 60).
#
#   report/fuzz/run.sh [SECONDS] [WORKDIR]     (WORKDIR default: build-fuzz/ in the checkout,
#                                             so a build from another checkout is never reused)
# Findings (crash-*, leak-*, timeout-*) are left in WORKDIR; the exit status is libFuzzer's.
# report/fuzz/regressions/ holds past findings (named after what they broke), replayed first.
set -eu
seconds=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${2:-$root/build-fuzz}
mkdir -p "$work/corpus"
CC=clang CXX=clang++ cmake -S "$root" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSCIAGRAPH_FUZZ=ON -DSCIAGRAPH_BUILD_TESTS=OFF >/dev/null
cmake --build "$work/build" --target sciagraph_fuzz_dump_reader sciagraph_fuzz_seeds -j2 >/dev/null
"$work/build/report/sciagraph_fuzz_seeds" "$work/seeds"
cd "$work"
# -timeout: a hang, not a slow input. The slowest inputs of the corpus take 0.4 s alone (the
# inverted view of a 100 KB dump's tree, under ASan); on a loaded 2-core machine the same input
# took over 6 s, which a 5 s limit reported as a hang.
exec "$work/build/report/sciagraph_fuzz_dump_reader" -max_total_time="$seconds" -rss_limit_mb=1024 \
    -timeout=25 -print_final_stats=1 "$work/corpus" "$work/seeds" "$root/report/fuzz/regressions"
