#!/bin/sh
# bench/render/run.sh — the render benchmark: 200,000 distinct stacks of realistic shape to HTML
# and to SVG, each timed with its peak memory. Builds the report library in Release in its own
# directory, generates the input once (cached), prints wall, CPU and max RSS per run.
#
#   bench/render/run.sh [STACKS] [WORKDIR]      (defaults: 200000, /tmp/sciagraph-bench-render)
set -eu
stacks=${1:-200000}
work=${2:-/tmp/sciagraph-bench-render}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$work/build"
mkdir -p "$work"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSCIAGRAPH_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target sciagraph_report -j2 >/dev/null
${CXX:-c++} -std=c++20 -O2 -I"$root" "$here/render_bench.cpp" \
    "$build/report/libsciagraph_report.a" -lz -o "$work/render_bench"

input="$work/s$stacks.folded"
if [ ! -s "$input" ]; then
    python3 "$here/gen_folded.py" --stacks "$stacks" --seed 1 -o "$input"
fi
echo "input: $input ($(du -m "$input" | cut -f1) MB, $(wc -l < "$input") lines)"
# A first read puts the input in the page cache, as for a report of a file just written.
cat "$input" > /dev/null
# Three runs per format: the machine is shared, so look at the best and at user+sys.
for format in html svg; do
    for run in 1 2 3; do
        out="$work/out-$format"
        rm -rf "$out"
        /usr/bin/time -f "$format run $run: wall %e s, user %U s, sys %S s, max RSS %M KB" \
            "$work/render_bench" "$input" "$out" "$format" 2>&1 >/dev/null | tail -1
    done
    du -h "$out"/* | sed 's/^/  output: /'
done
