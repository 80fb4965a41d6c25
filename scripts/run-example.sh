#!/usr/bin/env bash
# Installs the dependencies, builds sciagraph, and profiles the bundled example job.
# Prints where the report is.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"

out="sciagraph-result/example"
rm -rf "$out"
build/bin/sciagraph run -o "$out" -- python3 examples/etl_job.py
echo "Report: $(pwd)/$out/index.html"
