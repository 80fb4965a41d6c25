#!/usr/bin/python3
"""Instructions that `sciagraph run` adds to a job, counted by callgrind: a figure that the noise
of these shared 2-core VMs does not move, for changes too small for run_overhead.py's wall times.

    /usr/bin/python3 bench/instructions.py [--sciagraph build/bin/sciagraph]
        [--jobs calls,malloc_churn] [--scales calls=-4] [--python /usr/bin/python3]
        [--run-args "--mode memory"]

For each workload it runs the job once unprofiled and once under `sciagraph run -q -o <tmp>`,
both under `valgrind --tool=callgrind --trace-children=yes` with PYTHONHASHSEED=0 (the same
hashes, so the same dict and set layouts and the same instructions from one run to the next), and
adds up the `summary:` line of every callgrind output of the run: one per process of the tree,
so the profiled count holds the launcher and its rendering of the report too. It prints both
counts, their ratio, the number of processes and the wall time under callgrind. --jobs looks up
jobs as run_overhead.py does (the shared workloads, then bench/jobs).

Scales: callgrind runs the job 50-100x slower, so the defaults (CALLGRIND_SCALES) are far below
run_overhead.py's; each workload takes under a minute on the 2-core VMs here. threads_mixed is
not in the default set: its threads spin until their CPU time reaches a target, so its count
follows the speed of the simulated CPU and the sampler's CPU rather than the work. Nor are
numpy_arrays and pandas_etl: this VM's /usr/bin/python3 has neither numpy nor pandas, so no
callgrind scale was measured for them; name them with --jobs and small --scales elsewhere.
--python takes one interpreter outside the Debian unstable root: valgrind cannot follow the
root's wrappers into their chroot, where its own files are missing ("EXEC FAILED" on /bin/sh).

What the count distorts:
  - The time sampler ticks by the wall clock (100 Hz). Under callgrind the job's wall time is
    50-100x longer for the same work, so the profiled count holds that many times the sampler's
    share of a native run. `--run-args "--mode memory"` leaves the sampler out and counts the
    allocation hooks and the launcher alone; `--run-args "--time-hz 1"` keeps it, at a rate
    nearer its native share.
  - Instructions are not time: a cache miss or a page fault costs one instruction here (the
    allocation hooks' cost is mostly cache misses, see README, Limits). Valgrind runs one thread
    at a time.

Not a test: it prints a table to quote. Standard library only.
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run_overhead import (JOBS_DIR, REPO, default_sciagraph, find_job, join_option_value,
                          scales_with_overrides)

# Scales that keep each run under half a minute under callgrind on the 2-core VMs here: about
# 1 G instructions at 40-50 M a second (2026-12-07, scaled from runs at a tenth of these:
# `python -c pass` alone is 32 M; calls' scale adds to fib's argument, 34 + scale).
CALLGRIND_SCALES = {
    "calls": -5,
    "malloc_churn": 0.1,
    "processes": 0.5,
    "small_objects": 0.2,
}


class Count:
    def __init__(self, instructions, processes, wall, status, stderr):
        self.instructions = instructions
        self.processes = processes
        self.wall = wall
        self.status = status
        self.stderr = stderr


def callgrind_total(path):
    """The instruction count of one callgrind output: its `summary:` line, or `totals:` where a
    version writes only that one."""
    totals = None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("summary:"):
                return int(line.split()[1])
            if line.startswith("totals:"):
                totals = int(line.split()[1])
    if totals is None:
        sys.exit(f"no summary: or totals: line in {path}")
    return totals


def count(argv, valgrind, cg_dir):
    """Runs argv under callgrind, following every child, with its outputs in CG_DIR; the sum of
    their instruction counts."""
    cg_dir.mkdir()
    command = [valgrind, "--tool=callgrind", "--trace-children=yes",
               f"--callgrind-out-file={cg_dir}/cg.%p"] + argv
    env = dict(os.environ, PYTHONHASHSEED="0")
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    outputs = sorted(cg_dir.glob("cg.*"))
    return Count(sum(callgrind_total(path) for path in outputs), len(outputs), wall,
                 proc.returncode, proc.stderr.decode(errors="replace"))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sciagraph", default=default_sciagraph(), help="sciagraph executable")
    parser.add_argument("--valgrind", default=shutil.which("valgrind") or "valgrind",
                        help="valgrind executable")
    parser.add_argument("--python", default="/usr/bin/python3", help="interpreter of the jobs")
    parser.add_argument("--workloads", default=str(REPO.parent / "shared" / "workloads"),
                        help="folder of the workload jobs, searched before bench/jobs")
    parser.add_argument("--jobs", default=",".join(CALLGRIND_SCALES),
                        help="comma-separated workloads (file names without .py)")
    parser.add_argument("--scales", default="",
                        help="overrides, e.g. calls=-4,malloc_churn=0.1")
    parser.add_argument("--run-args", default="",
                        help="options for sciagraph run, e.g. \"--mode memory\"")
    args = parser.parse_args(join_option_value(sys.argv[1:], "--run-args"))
    args.jobs = [j for j in args.jobs.split(",") if j]
    args.scale_of = scales_with_overrides(dict(CALLGRIND_SCALES), args.scales)
    return args


def main():
    args = parse_args()
    if not Path(args.sciagraph).exists():
        sys.exit(f"no sciagraph at {args.sciagraph} (give --sciagraph PATH)")
    if shutil.which(args.valgrind) is None:
        sys.exit(f"no valgrind at {args.valgrind} (give --valgrind PATH)")
    folders = [Path(args.workloads), JOBS_DIR]
    job_files = {job: find_job(job, folders) for job in args.jobs}
    prefix = [args.sciagraph, "run", "-q"] + shlex.split(args.run_args)

    scratch = Path(tempfile.mkdtemp(prefix="sciagraph-instructions-"))
    results = []
    try:
        for job in args.jobs:
            scale = args.scale_of.get(job, 1)
            folder, name = job_files[job]
            job_argv = [args.python, str(folder / name), f"{scale:g}"]
            plain = count(job_argv, args.valgrind, scratch / f"{job}-unprofiled")
            if plain.status != 0:
                sys.exit(f"failed (exit {plain.status}): {shlex.join(job_argv)}\n"
                         + plain.stderr[-3000:])
            profiled_argv = prefix + ["-o", str(scratch / f"{job}-out"), "--"] + job_argv
            profiled = count(profiled_argv, args.valgrind, scratch / f"{job}-profiled")
            if profiled.status != 0:
                print(f"  FAILED (exit {profiled.status}): {shlex.join(profiled_argv)}\n"
                      + profiled.stderr[-2000:], file=sys.stderr, flush=True)
            print(f"  {job}: unprofiled {plain.wall:.1f}s, profiled {profiled.wall:.1f}s "
                  "under callgrind", file=sys.stderr, flush=True)
            results.append((job, scale, plain, profiled))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print_table(args, results)


def print_table(args, results):
    options = " ".join(["-q"] + shlex.split(args.run_args))
    print(f"\nsciagraph run {options}: instructions (callgrind Ir, every process of the tree), "
          f"jobs run with {args.python}, PYTHONHASHSEED=0")
    print("| workload (scale) | unprofiled | profiled | ratio | extra | processes "
          "(unprofiled, profiled) | wall under callgrind (s) |")
    print("|---|---|---|---|---|---|---|")
    for job, scale, plain, profiled in results:
        row = f"| {job} ({scale:g}) | {plain.instructions:,} |"
        if profiled.status != 0:
            row += f" failed (exit {profiled.status}) | – | – |"
        else:
            row += (f" {profiled.instructions:,} | "
                    f"{profiled.instructions / plain.instructions:.3f}× | "
                    f"{profiled.instructions - plain.instructions:+,} |")
        row += f" {plain.processes}, {profiled.processes} | {plain.wall:.1f}, {profiled.wall:.1f} |"
        print(row)


if __name__ == "__main__":
    main()
