#!/usr/bin/env bash
# Installs the dependencies, builds sciagraph twice and passes every test:
#   1. a release build: unit tests and the end-to-end suite (both interpreters);
#   2. a debug build with assertions, the core's invariant checks and sanitizers (ASan and
#      UBSan on the launcher, the report library and the unit tests; UBSan on the preloaded core,
#      where ASan cannot run): unit tests and the end-to-end suite again.
# Then static checks on the code that runs inside the job, and a bounded fuzzing run of the
# dump reader. This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"

scripts/install-deps.sh

echo "== release build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
echo "== release: unit and e2e tests"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== debug build with sanitizers"
cmake -S . -B build-debug -DCMAKE_BUILD_TYPE=Debug -DSCIAGRAPH_SANITIZE=ON >/dev/null
cmake --build build-debug -j"$jobs"
echo "== debug: unit and e2e tests (CPython's own suite runs on the release build only)"
ctest --test-dir build-debug --output-on-failure -j"$jobs" -LE cpython

echo "== static checks"
scripts/static-checks.sh build

echo "== fuzzing the dump reader (bounded)"
if [ -x report/fuzz/run.sh ]; then
    report/fuzz/run.sh 60
fi
echo "== all tests passed"
