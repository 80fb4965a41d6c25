#!/bin/sh
# e2e/test_install.sh BUILD_DIR — `cmake --install` into a fresh prefix gives a working
# sciagraph: it finds its core relative to its own executable (no environment variable), profiles
# a job, and `man sciagraph` reads the installed page.
set -eu
build=$1
prefix=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$prefix" "$out"' EXIT
cmake --install "$build" --prefix "$prefix" > /dev/null
test -x "$prefix/bin/sciagraph"
test -f "$prefix/lib/sciagraph/libsciagraph_preload.so"
test -f "$prefix/share/man/man1/sciagraph.1"
env -u SCIAGRAPH_BIN "$prefix/bin/sciagraph" run -q -o "$out/run" -- \
    /usr/bin/python3 -c "x = bytearray(64 * 1024 * 1024)"
grep -q '"peak_bytes"' "$out/run/summary.json"
peak=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['peak_bytes'])" \
    "$out/run/summary.json")
[ "$peak" -ge $((64 * 1024 * 1024)) ] || { echo "peak $peak below the 64 MiB allocated"; exit 1; }
# The stand-in engines run as their Python (cli.h): `sciagraph run` of $SCIAGRAPH_PYTHON, its
# output directory from the environment, the job's arguments and exit status its own.
test -L "$prefix/bin/sciagraph-python"
status=0
env -u SCIAGRAPH_BIN SCIAGRAPH_PYTHON=/usr/bin/python3 SCIAGRAPH_OUTPUT="$out/standin-{pid}" \
    SCIAGRAPH_QUIET=1 "$prefix/bin/sciagraph-python" -c \
    "import sys; x = bytearray(32 * 1024 * 1024); print(sys.argv[1:]); sys.exit(3)" a b \
    > "$out/standin.out" || status=$?
[ "$status" -eq 3 ] || { echo "sciagraph-python exit $status, not the job's 3"; exit 1; }
[ "$(cat "$out/standin.out")" = "['a', 'b']" ] || { echo "job output: $(cat "$out/standin.out")"; exit 1; }
ls "$out"/standin-*/summary.json > /dev/null
MANPATH="$prefix/share/man" man -w sciagraph | grep -q "$prefix"
MANPATH="$prefix/share/man" MANPAGER=cat man sciagraph 2>/dev/null | grep -q "sciagraph run"
echo "install: ok ($prefix)"
