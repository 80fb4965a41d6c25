#!/usr/bin/env bash
# Installs the dependencies, makes the Debian unstable root that holds CPython 3.13, 3.14 and 3.15
# (scripts/python-root.sh), builds sciagraph twice and passes every test:
#   1. a release build: unit tests and the end-to-end suite (all five interpreters: Debian's and
#      pyenv's 3.11, the root's 3.13, 3.14 and 3.15), CPython's own test subset on 3.11 and 3.14;
#   2. a debug build with assertions, the core's invariant checks and sanitizers (ASan and
#      UBSan on the launcher, the report library and the unit tests; UBSan on the preloaded core,
#      where ASan cannot run): unit tests and the end-to-end suite again.
# Then static checks on the code that runs inside the job, and a bounded fuzzing run of the
# dump reader. This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"

scripts/install-deps.sh

# The e2e suite's CPython 3.13-3.15 (about 2 min the first time, then only the mounts). CI must
# test them: no root fails the run, unless SCIAGRAPH_SKIP_PYROOT=1 says to test without them.
echo "== Python root (CPython 3.13, 3.14, 3.15)"
if [ "${SCIAGRAPH_SKIP_PYROOT:-0}" = 1 ]; then
    echo "SCIAGRAPH_SKIP_PYROOT=1: the e2e suite runs on the 3.11 interpreters only"
    pyroot=""
elif ! pyroot="$(scripts/python-root.sh)"; then
    echo "no Python root: CPython 3.13-3.15 cannot be tested (SCIAGRAPH_SKIP_PYROOT=1 to go on" \
         "without them)" >&2
    exit 1
fi

echo "== release build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSCIAGRAPH_E2E_PYROOT="$pyroot" >/dev/null
cmake --build build -j"$jobs"
echo "== release: unit and e2e tests"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== debug build with sanitizers"
cmake -S . -B build-debug -DCMAKE_BUILD_TYPE=Debug -DSCIAGRAPH_SANITIZE=ON \
    -DSCIAGRAPH_E2E_PYROOT="$pyroot" >/dev/null
cmake --build build-debug -j"$jobs"
# On all five interpreters, not only 3.11 and 3.14: what differs from one version to the next
# (the layout tables, the offsets 3.13+ publish) is the code UBSan and the core's invariant
# checks are there for. Measured on a 2-core VM like CI's: the debug e2e modules take 3.5-5 min
# per interpreter (3.13, 3.14 and 3.15 add 11.7 min; only 3.14 would add 4.9), the release ones
# about 3 min (the three add 8.3 min, CPython's 3.14 subset 4 min more), the root 2 min once:
# CI grows from about 18 to about 45 minutes, well inside its 90.
echo "== debug: unit and e2e tests (CPython's own suite runs on the release build only)"
ctest --test-dir build-debug --output-on-failure -j"$jobs" -LE cpython

echo "== static checks"
scripts/static-checks.sh build

echo "== fuzzing the dump reader (bounded)"
if [ -x report/fuzz/run.sh ]; then
    report/fuzz/run.sh 60
fi
echo "== all tests passed"
