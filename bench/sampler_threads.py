#!/usr/bin/python3
"""The time sampler's own CPU against the number of threads it visits, and a check of what it
charges to one thread among a thousand.

    /usr/bin/python3 bench/sampler_threads.py [--sciagraph build/bin/sciagraph]
        [--python /usr/bin/python3] [--seconds 5] [--config 200:4 ...] [--runs 1]

Runs bench/jobs/many_threads.py IDLE BUSY SECONDS under `sciagraph run -q -o <tmp>` for idle/busy
= 8/0, 100/0, 1000/8, 0/64 and each --config IDLE:BUSY, and prints per configuration the
sampler's CPU as a percentage of one core: 100 * sampler_cpu_seconds / wall_seconds of the job's
process in summary.json. Each tick reads every thread's CPU clock and walks the stack of those
that moved, so idle threads show the cost per thread and busy ones the cost per stack. With
--runs N each configuration runs N times: the median and the range.

Then one run of 1000/8 with --probe, a thread that computes 2 s of its own CPU in
probe_compute() and then sleeps 2 s in probe_sleep(): it sums the CPU that time-cpu.folded
charges to stacks through probe_compute and the waiting that time-wait.folded charges to stacks
through probe_sleep (both in microseconds), and says whether each is within 10% of 2 s. The
sampler counts time a thread sat runnable but off a core as CPU (where /proc's schedstat is
readable), so on a loaded machine the CPU charged is the probe's 2 s plus that time (1 s more on
a busy 2-core VM): the probe measures both, and the CPU is also checked against their sum.

Not a test: it prints a table to quote. Standard library only.
"""
import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from run_overhead import JOBS_DIR, default_sciagraph

CONFIGS = [(8, 0), (100, 0), (1000, 8), (0, 64)]
PROBE_CONFIG = (1000, 8)
PROBE_SECONDS = 2.0  # many_threads.PROBE_SECONDS
TOLERANCE = 0.10


def profile(args, idle, busy, out_dir, probe=False):
    """Runs many_threads.py under sciagraph into OUT_DIR; its summary.json and the job's stdout."""
    job = [args.python, str(JOBS_DIR / "many_threads.py"), str(idle), str(busy),
           f"{args.seconds:g}"] + (["--probe"] if probe else [])
    argv = [args.sciagraph, "run", "-q", "-o", str(out_dir), "--"] + job
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"failed (exit {proc.returncode}): {' '.join(argv)}\n{proc.stderr[-3000:]}")
    summary = json.loads((out_dir / "summary.json").read_text())
    return summary, proc.stdout


def root_process(summary):
    """The job's own entry in summary.json (the only one: many_threads starts no process)."""
    return next(p for p in summary["processes"] if p["pid"] == summary["root_pid"])


def seconds_through(folded, function):
    """Seconds of a folded file (values in microseconds) on stacks with a frame of FUNCTION."""
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, value = line.rpartition(" ")
        if any(frame.startswith(f"{function} (") for frame in stack.split(";")):
            total += int(value)
    return total / 1e6


def median(processes, key):
    return statistics.median(p[key] for p in processes)


def parse_config(text):
    idle, sep, busy = text.partition(":")
    if not sep or not idle.isdigit() or not busy.isdigit():
        raise argparse.ArgumentTypeError(f"expected IDLE:BUSY, got {text!r}")
    return int(idle), int(busy)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sciagraph", default=default_sciagraph(), help="sciagraph executable")
    parser.add_argument("--python", default="/usr/bin/python3", help="interpreter of the job")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="how long the busy threads compute (and the idle ones wait)")
    parser.add_argument("--config", action="append", type=parse_config, default=[],
                        help="another IDLE:BUSY configuration; repeatable")
    parser.add_argument("--runs", type=int, default=1, help="runs per configuration")
    return parser.parse_args()


def main():
    args = parse_args()
    if not Path(args.sciagraph).exists():
        sys.exit(f"no sciagraph at {args.sciagraph} (give --sciagraph PATH)")
    scratch = Path(tempfile.mkdtemp(prefix="sciagraph-sampler-"))
    rows = []
    try:
        for idle, busy in CONFIGS + args.config:
            processes = []
            for run in range(args.runs):
                out_dir = scratch / f"{idle}-{busy}-{run}"
                processes.append(root_process(profile(args, idle, busy, out_dir)[0]))
                shutil.rmtree(out_dir, ignore_errors=True)
            percents = [100 * p["sampler_cpu_seconds"] / p["wall_seconds"] for p in processes]
            print(f"  {idle}/{busy}: " + ", ".join(f"{x:.2f}%" for x in percents),
                  file=sys.stderr, flush=True)
            rows.append((idle, busy, processes, percents))
        out_dir = scratch / "probe"
        summary, stdout = profile(args, *PROBE_CONFIG, out_dir, probe=True)
        cpu = seconds_through(out_dir / "time-cpu.folded", "probe_compute")
        wait = seconds_through(out_dir / "time-wait.folded", "probe_sleep")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    measured = re.search(r"^probe: cpu ([0-9.]+) s, runnable off a core ([0-9.]+) s$", stdout,
                         re.MULTILINE)
    if measured is None:
        sys.exit(f"no probe line in the job's output:\n{stdout[-2000:]}")
    own_cpu, queued = (float(x) for x in measured.groups())
    print_table(args, rows, root_process(summary), cpu, wait, own_cpu, queued)


def within(seconds, expected):
    return "within" if abs(seconds - expected) <= TOLERANCE * expected else "NOT within"


def print_table(args, rows, probe, cpu, wait, own_cpu, queued):
    print(f"\ntime sampler's own CPU, many_threads.py IDLE BUSY {args.seconds:g} under "
          f"`sciagraph run -q` ({args.runs} run{'s' if args.runs > 1 else ''} each), job run "
          f"with {args.python}")
    print("| idle/busy threads | sampler CPU, % of one core | sampler CPU (s) | wall (s) | "
          "samples | failed reads |")
    print("|---|---|---|---|---|---|")
    for idle, busy, processes, percents in rows:
        percent = f"{statistics.median(percents):.2f}%"
        if len(percents) > 1:
            percent += f" ({min(percents):.2f}–{max(percents):.2f})"
        print(f"| {idle}/{busy} | {percent} | {median(processes, 'sampler_cpu_seconds'):.3f} | "
              f"{median(processes, 'wall_seconds'):.2f} | "
              f"{median(processes, 'time_samples'):.0f} | "
              f"{median(processes, 'time_failed_reads'):.0f} |")
    idle, busy = PROBE_CONFIG
    print(f"| {idle}/{busy} + probe | "
          f"{100 * probe['sampler_cpu_seconds'] / probe['wall_seconds']:.2f}% | "
          f"{probe['sampler_cpu_seconds']:.3f} | {probe['wall_seconds']:.2f} | "
          f"{probe['time_samples']} | {probe['time_failed_reads']} |")

    print(f"\naccuracy, {idle}/{busy} + probe:")
    print(f"  CPU charged to probe_compute: {cpu:.3f} s, {within(cpu, PROBE_SECONDS)} "
          f"{TOLERANCE:.0%} of {PROBE_SECONDS:g} s; {within(cpu, own_cpu + queued)} "
          f"{TOLERANCE:.0%} of {own_cpu + queued:.3f} s (the probe's own CPU {own_cpu:.3f} s + "
          f"{queued:.3f} s runnable off a core)")
    print(f"  waiting charged to probe_sleep: {wait:.3f} s, {within(wait, PROBE_SECONDS)} "
          f"{TOLERANCE:.0%} of {PROBE_SECONDS:g} s")


if __name__ == "__main__":
    main()
