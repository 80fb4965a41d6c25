#!/usr/bin/python3
"""Overhead of `sciagraph run` on the shared workloads: wall time and peak RSS, profiled against
unprofiled, plus the launch cost and the time of `sciagraph report` on their own.

    /usr/bin/python3 bench/run_overhead.py [--sciagraph build/bin/sciagraph] [--pairs 7]
        [--jobs calls,threads_mixed] [--mode both] [--extra-args "--exact"]
        [--python /usr/bin/python3 --python /var/cache/sciagraph/pyroot/.sciagraph/bin/python3.14]

For each workload it runs the job unprofiled and under `sciagraph run -q -o <tmp>` alternately
(the order rotates from one round to the next so neither side always runs on a warmer machine),
measuring the wall time of the whole command and the peak RSS of the largest process of its tree.
With --extra-args, each round also runs a second profiled variant with those options (e.g.
--exact), shown in its own columns beside the default.

--python (repeatable, or a comma-separated list; default /usr/bin/python3) names the jobs'
interpreters: each gets the whole benchmark, its own unprofiled runs alternating with its profiled
ones, and its own table, printed in the order given. CPython 3.13-3.15 are the wrappers of the
Debian unstable root that scripts/python-root.sh makes (ROOT/.sciagraph/bin/python3.X); they see
only /tmp and the checkout, so the workloads are copied under /tmp for an interpreter that cannot
see their folder. A workload that fails unprofiled for want of a module (numpy and pandas on 3.13)
is skipped on that interpreter, with the reason in its row.

The figures per workload:
  median ratio   median over rounds of profiled wall / unprofiled wall of the same round
  fastest ratio  fastest profiled run / fastest unprofiled run
  spread         min-max of the paired ratios (these machines are noisy: memory-heavy jobs
                 swing by +-30% from run to run through the kernel's page handling alone)
  RSS ratio      median peak RSS profiled / unprofiled (and the difference in MB)
  page faults    median minor page faults profiled / unprofiled, whole tree. On allocation-heavy
                 jobs wall time follows it: glibc trims and regrows the heap top depending on
                 where long-lived blocks happen to sit, and a few extra startup allocations
                 (ours, or merely another PYTHONPATH entry) move them. See README, Limits.

Not a test: it prints a table to quote. Standard library only.
"""
import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Scales that make each job run about 2 s with /usr/bin/python3 on the 2-core machines here
# (measured 2026-11-23: calls 1.5 s, malloc_churn 1.7 s, numpy_arrays 2.9 s, pandas_etl 1.6 s,
# processes 1.8-2.6 s, small_objects 2.0 s, threads_mixed 2.4 s). They are the scales of the
# peers' table in shared/reference/peers.md, so the figures compare, except processes: 4 runs
# only 0.6 s here, too short to measure an overhead of a few percent.
DEFAULT_SCALES = {
    "calls": 2,
    "malloc_churn": 4,
    "numpy_arrays": 2,
    "pandas_etl": 1.5,
    "processes": 12,
    "small_objects": 2,
    "threads_mixed": 1.5,
}


class Run:
    def __init__(self, wall, rusage, status):
        self.wall = wall
        self.maxrss = rusage.ru_maxrss * 1024
        self.minflt = rusage.ru_minflt  # summed over the tree: Linux adds the reaped children
        self.status = status


def measure(argv, stderr_path):
    """Runs argv with stdout discarded; wall time of the whole command, and ru_maxrss from
    wait4 on the direct child: Linux folds in the descendants it reaped, so it is the largest
    single process of the tree."""
    start = time.perf_counter()
    with open(stderr_path, "wb") as err, open(os.devnull, "wb") as out:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, rusage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
    return Run(time.perf_counter() - start, rusage, proc.returncode)


def check(run, argv, stderr_path):
    """Exits on a failed unprofiled run or report (nothing to compare with)."""
    if run.status != 0:
        sys.exit(f"failed (exit {run.status}): {shlex.join(argv)}\n"
                 + Path(stderr_path).read_text(errors="replace")[-3000:])


def note_failure(run, argv, stderr_path):
    """A profiled run that failed is a finding, not the end of the benchmark: it is counted,
    shown on stderr and left out of the ratios."""
    print(f"  FAILED (exit {run.status}): {shlex.join(argv)}\n"
          + Path(stderr_path).read_text(errors="replace")[-2000:], file=sys.stderr, flush=True)


class Variant:
    """One way of running a job: unprofiled, or under sciagraph with some options."""

    def __init__(self, name, prefix):
        self.name = name
        self.prefix = prefix  # None: unprofiled

    def argv(self, job_argv, out_dir):
        if self.prefix is None:
            return job_argv
        return self.prefix + ["-o", str(out_dir), "--"] + job_argv


class MissingModule(Exception):
    """The workload cannot run on this interpreter at all (numpy on an interpreter without it)."""


def bench_workload(job, scale, variants, args, scratch, python, workloads):
    job_argv = [python, str(Path(workloads) / f"{job}.py"), str(scale)]
    runs = {v.name: [] for v in variants}
    last_out = None
    for round_ in range(args.pairs):
        # Rotate the order: round 0 runs unprofiled first, round 1 the first profiled variant...
        order = variants[round_ % len(variants):] + variants[:round_ % len(variants)]
        for variant in order:
            out_dir = scratch / f"{job}-{variant.name}-{round_}"
            argv = variant.argv(job_argv, out_dir)
            stderr_path = scratch / "stderr"
            run = measure(argv, stderr_path)
            first = round_ == 0 and not runs[variant.name]
            if variant.prefix is None and run.status != 0 and first:
                missing = [line for line in Path(stderr_path).read_text(errors="replace")
                           .splitlines() if line.startswith("ModuleNotFoundError")]
                if missing:
                    raise MissingModule(missing[-1].split(": ", 1)[-1])
            if variant.prefix is None:
                check(run, argv, stderr_path)
            elif run.status != 0:
                note_failure(run, argv, stderr_path)
                run = None
            runs[variant.name].append(run)
            if variant.prefix is not None:
                if variant is variants[1] and run is not None:
                    if last_out is not None:
                        shutil.rmtree(last_out, ignore_errors=True)
                    last_out = out_dir
                else:
                    shutil.rmtree(out_dir, ignore_errors=True)
        print(f"  {job} round {round_ + 1}/{args.pairs}: "
              + ", ".join(f"{v.name} " + (f"{runs[v.name][-1].wall:.2f}s" if runs[v.name][-1]
                                            else "failed") for v in variants),
              file=sys.stderr, flush=True)
    return runs, last_out


def ratios(profiled_runs, plain):
    """The figures of one profiled variant against the unprofiled runs; rounds whose profiled
    run failed (None) are left out."""
    kept = [(p, u) for p, u in zip(profiled_runs, plain) if p is not None]
    if not kept:
        return None
    profiled = [p for p, _ in kept]
    paired = [p.wall / u.wall for p, u in kept]
    fastest = min(p.wall for p in profiled) / min(u.wall for u in plain)
    rss_p = statistics.median(p.maxrss for p in profiled)
    rss_u = statistics.median(u.maxrss for u in plain)
    faults_p = statistics.median(p.minflt for p in profiled)
    faults_u = statistics.median(u.minflt for u in plain)
    return {
        "faults_ratio": faults_p / max(faults_u, 1),
        "median": statistics.median(paired),
        "fastest": fastest,
        "spread": (min(paired), max(paired)),
        "rss_ratio": rss_p / rss_u,
        "rss_extra_mb": (rss_p - rss_u) / 1e6,
        "failed": len(profiled_runs) - len(kept),
    }


def time_report(sciagraph, out_dir, scratch, repeats=3):
    """Median wall time of `sciagraph report OUT_DIR -o <tmp>`; None without an output."""
    if out_dir is None:
        return None
    times = []
    for i in range(repeats):
        target = scratch / f"report-{i}"
        argv = [sciagraph, "report", str(out_dir), "-o", str(target)]
        run = measure(argv, scratch / "stderr")
        check(run, argv, scratch / "stderr")
        times.append(run.wall)
        shutil.rmtree(target, ignore_errors=True)
    return statistics.median(times)


def launch_cost(python, prefix, scratch, repeats):
    """Median wall of `python -c pass` unprofiled and under sciagraph, alternating."""
    plain, profiled = [], []
    job = [python, "-c", "pass"]
    for i in range(repeats):
        out_dir = scratch / f"launch-{i}"
        for variant_argv, into in ((job, plain), (prefix + ["-o", str(out_dir), "--"] + job,
                                                   profiled)):
            run = measure(variant_argv, scratch / "stderr")
            check(run, variant_argv, scratch / "stderr")
            into.append(run.wall)
        shutil.rmtree(out_dir, ignore_errors=True)
    return statistics.median(plain), statistics.median(profiled)


def default_sciagraph():
    for candidate in [REPO / "build" / "bin" / "sciagraph", shutil.which("sciagraph")]:
        if candidate and Path(candidate).exists():
            return str(candidate)
    return str(REPO / "build" / "bin" / "sciagraph")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sciagraph", default=default_sciagraph(), help="sciagraph executable")
    parser.add_argument("--python", action="append", default=None,
                        help="interpreter of the jobs; repeatable, or a comma-separated list: "
                        "one table each, in this order (default /usr/bin/python3)")
    parser.add_argument("--workloads", default=str(REPO.parent / "shared" / "workloads"),
                        help="folder of the workload jobs (each takes a scale argument)")
    parser.add_argument("--pairs", type=int, default=7, help="rounds per workload")
    parser.add_argument("--jobs", default=",".join(DEFAULT_SCALES),
                        help="comma-separated workloads (file names without .py)")
    parser.add_argument("--scales", default="",
                        help="overrides, e.g. calls=3,processes=4")
    parser.add_argument("--mode", default=None, help="--mode for sciagraph run (default: its own)")
    parser.add_argument("--extra-args", default="",
                        help="options of a second profiled variant, e.g. \"--exact\"")
    parser.add_argument("--launch-runs", type=int, default=11, help="runs of the launch cost")
    # argparse takes a value that starts with "--" for an option: join `--extra-args --exact`
    # into `--extra-args=--exact` first.
    argv = sys.argv[1:]
    for i, arg in enumerate(argv[:-1]):
        if arg == "--extra-args":
            argv[i:i + 2] = [f"--extra-args={argv[i + 1]}"]
            break
    args = parser.parse_args(argv)
    args.jobs = [j for j in args.jobs.split(",") if j]
    args.pythons = [p for item in (args.python or ["/usr/bin/python3"])
                    for p in item.split(",") if p]
    args.scale_of = dict(DEFAULT_SCALES)
    for item in filter(None, args.scales.split(",")):
        name, _, value = item.partition("=")
        args.scale_of[name] = float(value)
    return args


def main():
    args = parse_args()
    if not Path(args.sciagraph).exists():
        sys.exit(f"no sciagraph at {args.sciagraph} (give --sciagraph PATH)")
    base = [args.sciagraph, "run", "-q"] + (["--mode", args.mode] if args.mode else [])
    variants = [Variant("unprofiled", None), Variant("default", base)]
    extra = shlex.split(args.extra_args)
    if extra:
        variants.append(Variant(" ".join(extra), base + extra))

    # Under /tmp (tempfile's default): the root's interpreters see it at the same path.
    scratch = Path(tempfile.mkdtemp(prefix="sciagraph-bench-"))
    tables = []
    try:
        for index, python in enumerate(args.pythons):
            workloads = visible_workloads(python, args.workloads, scratch)
            own = scratch / f"python-{index}"  # this interpreter's output directories
            own.mkdir()
            results = []
            for job in args.jobs:
                scale = args.scale_of.get(job, 1)
                try:
                    runs, last_out = bench_workload(job, scale, variants, args, own, python,
                                                    workloads)
                except MissingModule as missing:
                    print(f"  {job}: skipped on {python}: {missing}", file=sys.stderr,
                          flush=True)
                    results.append((job, scale, str(missing), None))
                    continue
                report_s = time_report(args.sciagraph, last_out, own)
                results.append((job, scale, runs, report_s))
            launch = launch_cost(python, base, own, args.launch_runs)
            tables.append((python, results, launch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for python, results, launch in tables:
        print_table(args, python, variants, results, launch)


def visible_workloads(python, workloads, scratch):
    """The workloads' folder as `python` sees it: the folder itself, or a copy under the scratch
    directory for an interpreter that cannot see it (one in the Debian unstable root)."""
    code = "import os, sys; sys.exit(not os.path.isdir(sys.argv[1]))"
    probe = subprocess.run([python, "-c", code, str(workloads)], stdin=subprocess.DEVNULL,
                           capture_output=True)
    if probe.returncode == 0:
        return workloads
    copy = scratch / "workloads"
    if not copy.is_dir():
        shutil.copytree(workloads, copy)
        for path in copy.iterdir():
            path.chmod(0o644)
        copy.chmod(0o755)
    return str(copy)


def print_table(args, python, variants, results, launch):
    print(f"\nsciagraph run overhead: {args.pairs} rounds per workload, jobs run with "
          f"{python}; wall of the whole command (launch, job, render)")
    header = "| workload (scale) | unprofiled min–max (s) |"
    rule = "|---|---|"
    for v in variants[1:]:
        header += (f" {v.name}: median paired | fastest ratio | spread | RSS ratio (+MB) |"
                   " page faults | failed |")
        rule += "---|---|---|---|---|---|"
    header += " report (s) |"
    rule += "---|"
    print(header)
    print(rule)
    for job, scale, runs, report_s in results:
        if isinstance(runs, str):
            print(f"| {job} ({scale:g}) | skipped: {runs} |")
            continue
        plain = runs["unprofiled"]
        row = (f"| {job} ({scale:g}) | {min(r.wall for r in plain):.2f}–"
               f"{max(r.wall for r in plain):.2f} |")
        for v in variants[1:]:
            r = ratios(runs[v.name], plain)
            if r is None:
                row += f" – | – | – | – | – | {len(plain)} |"
                continue
            row += (f" {r['median']:.3f}× | {r['fastest']:.3f}× | "
                    f"{r['spread'][0]:.2f}–{r['spread'][1]:.2f} | "
                    f"{r['rss_ratio']:.3f}× ({r['rss_extra_mb']:+.1f}) | "
                    f"{r['faults_ratio']:.3f}× | {r['failed']} |")
        row += f" {report_s:.3f} |" if report_s is not None else " – |"
        print(row)
    plain_s, profiled_s = launch
    print(f"\nlaunch: `{Path(python).name} -c pass` {plain_s * 1000:.0f} ms unprofiled, "
          f"{profiled_s * 1000:.0f} ms under sciagraph run "
          f"({(profiled_s - plain_s) * 1000:+.0f} ms, median of {args.launch_runs})")
    print("report: median of 3 runs of `sciagraph report <output of the default run>`")


if __name__ == "__main__":
    main()
