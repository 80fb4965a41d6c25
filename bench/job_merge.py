#!/usr/bin/python3
"""How long `sciagraph report` takes to merge many processes into one job view.

    /usr/bin/python3 bench/job_merge.py [--sciagraph build/bin/sciagraph] [--processes 1000]
        [--hosts H] [--renders 3] [--keep DIR]

Runs one real job under `sciagraph run` that starts --processes short Python children one after
another (each allocates 1 MiB and 4 MiB at two lines and exits), so the run directory holds that
many real dumps and a job page. Then times `sciagraph report RUN -o OUT` --renders times: every
process's page, the summary, and the job view (the job's timeline, job-peak.folded and its
flamegraph, the job's time). Prints the median and fastest render time, the time per process,
and the size of what was written. The job itself is not timed: it measures the per-process cost
of `run` (see run_overhead.py's subprocess_children), not the merge.

--hosts H: the runs of a cluster job instead. H runs (one per simulated host, started one after
another here) share the processes (each run's job starts --processes/H - 1 children); each run's
job page is then given the host name `node-<i>` and a wall-clock start moved by i * 37 ms (hosts'
clocks disagree); the timed render is `sciagraph report PARENT -o OUT`, the merge of every run
below PARENT (report/run_merge.h).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

JOB = r"""
import subprocess, sys
CHILD = "a = bytearray(1 << 20)\nb = bytearray(4 << 20)\n"
for i in range(int(sys.argv[1])):
    subprocess.run([sys.executable, "-c", CHILD], check=True)
"""


# The job page's layout (core/job_format.h): a run's wall-clock start and its host.
PAGE_START_REALTIME = 24
PAGE_HOST = 192


def set_page(path, host, shift_ns):
    with open(path, "r+b") as f:
        page = bytearray(f.read())
        start = int.from_bytes(page[PAGE_START_REALTIME:PAGE_START_REALTIME + 8], "little")
        page[PAGE_START_REALTIME:PAGE_START_REALTIME + 8] = (start + shift_ns).to_bytes(8, "little")
        page[PAGE_HOST:PAGE_HOST + 64] = host.encode().ljust(64, b"\0")
        f.seek(0)
        f.write(page)


def tree_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sciagraph", default=os.path.join(here, "..", "build", "bin", "sciagraph"))
    parser.add_argument("--python", default="/usr/bin/python3")
    parser.add_argument("--processes", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=0)
    parser.add_argument("--renders", type=int, default=3)
    parser.add_argument("--keep", help="keep the run directory here")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="sciagraph-merge-")
    try:
        job = os.path.join(work, "job.py")
        with open(job, "w") as f:
            f.write(JOB)
        parent = args.keep or os.path.join(work, "runs")
        hosts = max(args.hosts, 1)
        started = time.monotonic()
        for host in range(hosts):
            children = args.processes // hosts - 1 if args.hosts else args.processes
            run = os.path.join(parent, f"task-{host}") if args.hosts else parent
            subprocess.run([args.sciagraph, "run", "-q", "--mode", "memory", "-o", run, "--",
                            args.python, job, str(children)], check=True)
            if args.hosts:
                set_page(os.path.join(run, "raw", "job.sgjob"), f"node-{host}", host * 37_000_000)
        print(f"{hosts} run(s) of {args.processes} processes under sciagraph run: "
              f"{time.monotonic() - started:.1f} s (not the figure measured here)")
        dumps = [n for root, _, files in os.walk(parent) for n in files
                 if n.endswith(".sgdump") and os.path.basename(root) == "raw"]
        run = parent
        times = []
        for i in range(args.renders):
            out = os.path.join(work, f"out{i}")
            started = time.monotonic()
            subprocess.run([args.sciagraph, "report", run, "-o", out], check=True,
                           stdout=subprocess.DEVNULL)
            times.append(time.monotonic() - started)
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
        print(f"dumps merged: {len(dumps)} from {len(summary.get('hosts', ['one']))} host(s), "
              f"job peak {summary.get('job_peak_bytes'):,} bytes")
        print(f"report: median {statistics.median(times):.2f} s, fastest {min(times):.2f} s, "
              f"spread {min(times):.2f}-{max(times):.2f} s over {len(times)} renders; "
              f"{1000 * statistics.median(times) / max(1, len(dumps)):.2f} ms per process; "
              f"{tree_bytes(out) / 1e6:.1f} MB written")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
