#!/usr/bin/python3
"""Overhead of `sciagraph run` on the shared workloads: wall time and peak RSS, profiled against
unprofiled, plus the launch cost and the time of `sciagraph report` on their own.

    /usr/bin/python3 bench/run_overhead.py [--sciagraph build/bin/sciagraph] [--pairs 7]
        [--rounds 1] [--jobs calls,threads_mixed] [--mode both] [--extra-args "--exact"]
        [--python /usr/bin/python3 --python /var/cache/sciagraph/pyroot/.sciagraph/bin/python3.14]

For each workload it runs the job unprofiled and under `sciagraph run -q -o <tmp>` alternately
(the order rotates from one round to the next so neither side always runs on a warmer machine),
measuring the wall time of the whole command and the peak RSS of the largest process of its tree.
With --extra-args, each round also runs a second profiled variant with those options (e.g.
--exact), shown in its own columns beside the default.

--jobs names files without .py, looked up in the shared workloads (--workloads) and then in
bench/jobs. The default set is the shared workloads; bench/jobs adds subprocess_children (200
children of `python -c pass`, one after another) and pool_recycle (a fork pool that replaces its
worker after each of 400 tasks), which time the per-process cost: the core's start in every
child, its dump, its report. They are left out of the default set because they are not cheap
and measure something else: each child costs an interpreter start-up or a fork (40-50 ms apiece
on a busy 2-core VM, so 10-20 s per run at these scales) and 30-65% more profiled in small runs
(2026-12-07), so 7 pairs of the two would take about as long as the rest of the table; their
ratio is a fixed cost per process, not the steady-state overhead the default table shows, and
the default set's scales are the peers' table's (shared/reference/peers.md), so its figures
compare.

--rounds N runs the whole benchmark (every workload's pairs, the launch cost and the report
times) N times, printing each round's table as it ends, and then a table of the worst round per
workload: the highest median paired and fastest ratios of the N rounds, each with its round. A
single table of 7 pairs can look good or bad by the luck of a quiet or busy minute; the worst of
a few rounds says what a reader may actually meet.

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
# bench/jobs that --jobs may name, with their scales (numbers of child processes); see the
# docstring for why they are not in the default set.
OPTIONAL_SCALES = {
    "subprocess_children": 200,
    "pool_recycle": 400,
}
JOBS_DIR = REPO / "bench" / "jobs"


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


def bench_workload(job, job_file, scale, variants, args, scratch, python, label):
    job_argv = [python, job_file, str(scale)]
    runs = {v.name: [] for v in variants}
    last_out = None
    for pair in range(args.pairs):
        # Rotate the order: pair 0 runs unprofiled first, pair 1 the first profiled variant...
        order = variants[pair % len(variants):] + variants[:pair % len(variants)]
        for variant in order:
            out_dir = scratch / f"{job}-{variant.name}-{pair}"
            argv = variant.argv(job_argv, out_dir)
            stderr_path = scratch / "stderr"
            run = measure(argv, stderr_path)
            first = pair == 0 and not runs[variant.name]
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
        print(f"  {label}{job} round {pair + 1}/{args.pairs}: "
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


def join_option_value(argv, option):
    """argparse takes a value that starts with "--" for an option: joins `--extra-args --exact`
    into `--extra-args=--exact`."""
    argv = list(argv)
    for i, arg in enumerate(argv[:-1]):
        if arg == option:
            argv[i:i + 2] = [f"{option}={argv[i + 1]}"]
            break
    return argv


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sciagraph", default=default_sciagraph(), help="sciagraph executable")
    parser.add_argument("--python", action="append", default=None,
                        help="interpreter of the jobs; repeatable, or a comma-separated list: "
                        "one table each, in this order (default /usr/bin/python3)")
    parser.add_argument("--workloads", default=str(REPO.parent / "shared" / "workloads"),
                        help="folder of the workload jobs (each takes a scale argument), "
                        "searched before bench/jobs")
    parser.add_argument("--pairs", type=int, default=7, help="rounds per workload")
    parser.add_argument("--rounds", type=int, default=1,
                        help="runs of the whole benchmark (each with --pairs pairs per "
                        "workload), each with its own table, then the worst round's figures")
    parser.add_argument("--jobs", default=",".join(DEFAULT_SCALES),
                        help="comma-separated workloads (file names without .py), from "
                        f"--workloads or bench/jobs (optional: {', '.join(OPTIONAL_SCALES)})")
    parser.add_argument("--scales", default="",
                        help="overrides, e.g. calls=3,processes=4")
    parser.add_argument("--mode", default=None, help="--mode for sciagraph run (default: its own)")
    parser.add_argument("--extra-args", default="",
                        help="options of a second profiled variant, e.g. \"--exact\"")
    parser.add_argument("--launch-runs", type=int, default=11, help="runs of the launch cost")
    args = parser.parse_args(join_option_value(sys.argv[1:], "--extra-args"))
    args.jobs = [j for j in args.jobs.split(",") if j]
    args.pythons = [p for item in (args.python or ["/usr/bin/python3"])
                    for p in item.split(",") if p]
    args.scale_of = scales_with_overrides(dict(DEFAULT_SCALES, **OPTIONAL_SCALES), args.scales)
    return args


def scales_with_overrides(scales, overrides):
    """`scales` with the NAME=SCALE items of the comma-separated `overrides` applied."""
    for item in filter(None, overrides.split(",")):
        name, _, value = item.partition("=")
        scales[name] = float(value)
    return scales


def main():
    args = parse_args()
    if not Path(args.sciagraph).exists():
        sys.exit(f"no sciagraph at {args.sciagraph} (give --sciagraph PATH)")
    base = [args.sciagraph, "run", "-q"] + (["--mode", args.mode] if args.mode else [])
    variants = [Variant("unprofiled", None), Variant("default", base)]
    extra = shlex.split(args.extra_args)
    if extra:
        variants.append(Variant(" ".join(extra), base + extra))

    folders = [Path(args.workloads), JOBS_DIR]
    job_files = {job: find_job(job, folders) for job in args.jobs}

    # Under /tmp (tempfile's default): the root's interpreters see it at the same path.
    scratch = Path(tempfile.mkdtemp(prefix="sciagraph-bench-"))
    rounds = []  # per round, the tables: per interpreter (python, results, launch)
    try:
        visible = {python: {folder: visible_folder(python, folder, scratch / f"folder-{i}")
                            for i, folder in enumerate(folders)}
                   for python in args.pythons}
        for round_ in range(args.rounds):
            label = f"[round {round_ + 1}/{args.rounds}] " if args.rounds > 1 else ""
            tables = []
            for index, python in enumerate(args.pythons):
                own = scratch / f"python-{index}"  # this interpreter's output directories
                own.mkdir()
                results = []
                for job in args.jobs:
                    scale = args.scale_of.get(job, 1)
                    folder, name = job_files[job]
                    job_file = str(Path(visible[python][folder]) / name)
                    try:
                        runs, last_out = bench_workload(job, job_file, scale, variants, args,
                                                        own, python, label)
                    except MissingModule as missing:
                        print(f"  {label}{job}: skipped on {python}: {missing}",
                              file=sys.stderr, flush=True)
                        results.append((job, scale, str(missing), None))
                        continue
                    report_s = time_report(args.sciagraph, last_out, own)
                    results.append((job, scale, runs, report_s))
                launch = launch_cost(python, base, own, args.launch_runs)
                tables.append((python, results, launch))
                shutil.rmtree(own, ignore_errors=True)
            for python, results, launch in tables:
                print_table(args, python, variants, results, launch, label)
            rounds.append(tables)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if args.rounds > 1:
        for index, python in enumerate(args.pythons):
            print_worst(args, python, variants, [tables[index][1] for tables in rounds])


def find_job(job, folders):
    """(folder, file name) of the first folder that holds JOB.py; exits if none does."""
    for folder in folders:
        if (folder / f"{job}.py").is_file():
            return folder, f"{job}.py"
    sys.exit(f"no job {job}.py in " + " or ".join(str(f) for f in folders))


def visible_folder(python, folder, copy):
    """A jobs folder as `python` sees it: the folder itself, or a copy at COPY (under the scratch
    directory) for an interpreter that cannot see it (one in the Debian unstable root)."""
    code = "import os, sys; sys.exit(not os.path.isdir(sys.argv[1]))"
    probe = subprocess.run([python, "-c", code, str(folder)], stdin=subprocess.DEVNULL,
                           capture_output=True)
    if probe.returncode == 0:
        return str(folder)
    if not copy.is_dir():
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("__pycache__"))
        for path in copy.iterdir():
            path.chmod(0o644)
        copy.chmod(0o755)
    return str(copy)


def print_table(args, python, variants, results, launch, label):
    print(f"\n{label}sciagraph run overhead: {args.pairs} rounds per workload, jobs run with "
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
    print("report: median of 3 runs of `sciagraph report <output of the default run>`",
          flush=True)


def print_worst(args, python, variants, rounds):
    """Per workload and profiled variant, the round with the highest median paired ratio and
    the one with the highest fastest ratio. ROUNDS: each round's results for `python`."""
    print(f"\nworst round per workload of {args.rounds} rounds ({args.pairs} pairs each), jobs "
          f"run with {python}: highest ratio (round)")
    header = "| workload (scale) |"
    rule = "|---|"
    for v in variants[1:]:
        header += f" {v.name}: worst median paired | worst fastest ratio |"
        rule += "---|---|"
    print(header)
    print(rule)
    for job_rounds in zip(*rounds):
        job, scale, runs, _ = job_rounds[0]
        if isinstance(runs, str):
            print(f"| {job} ({scale:g}) | skipped: {runs} |")
            continue
        row = f"| {job} ({scale:g}) |"
        for v in variants[1:]:
            per_round = []  # (ratios, round number) of the rounds with a profiled run left
            for number, (_, _, round_runs, _) in enumerate(job_rounds, 1):
                r = ratios(round_runs[v.name], round_runs["unprofiled"])
                if r is not None:
                    per_round.append((r, number))
            if not per_round:
                row += " – | – |"
                continue
            for key in ("median", "fastest"):
                worst, number = max(per_round, key=lambda item: item[0][key])
                row += f" {worst[key]:.3f}× ({number}) |"
        print(row)


if __name__ == "__main__":
    main()
