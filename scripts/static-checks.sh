#!/usr/bin/env bash
# clang-tidy on the code that runs inside the job (core/, inject/), with the families that
# catch the bugs that matter there: bugprone, cert, concurrency, performance. Warnings fail.
set -uo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
checks='-*,bugprone-*,cert-*,concurrency-*,performance-*'
# Deliberate patterns, each explained where it occurs:
#   bugprone-easily-swappable-parameters: C-style hook signatures are fixed by libc.
#   cert-err58-cpp / bugprone-exception-escape: entry points catch everything at their edge.
#   concurrency-mt-unsafe: getenv/strerror run in the constructor or on error paths only.
#   bugprone-reserved-identifier, cert-dcl37-c, cert-dcl51-cpp: _exit/_Exit are the names we
#   must interpose.
#   performance-no-int-to-ptr: a profiler handles raw addresses (mappings, frames, syscalls).
checks="$checks,-bugprone-easily-swappable-parameters,-cert-err58-cpp,-bugprone-exception-escape"
checks="$checks,-concurrency-mt-unsafe,-bugprone-reserved-identifier,-cert-dcl37-c,-cert-dcl51-cpp"
checks="$checks,-performance-no-int-to-ptr"
files=$(ls core/*.cpp core/python/*.cpp core/sampler/*.cpp inject/*.cpp)
if ! output=$(clang-tidy -p "$build" --quiet --checks="$checks" --warnings-as-errors='*' \
    $files 2>&1); then
    echo "$output" | grep -v "warnings generated"
    echo "static checks failed"
    exit 1
fi
echo "static checks passed"
