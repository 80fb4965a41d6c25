"""Slurm: `sciagraph run` as the task of srun and of an sbatch script, on a one-node cluster this
module starts itself (e2e/cluster/slurm.sh: munged, slurmctld and slurmd by hand, no systemd, all
in one state directory) and stops at the end.

Each task writes its own run directory through the -o template ({env:SLURM_PROCID},
{env:SLURM_JOB_ID}, {host}); `sciagraph report` of their parent makes one job view: both tasks'
data at the job's peak, each under its host and process frames. sciagraph is transparent to
Slurm: the tasks' output, srun's exit status, a cancelled step's signals are what they are
without it. A step cancelled with scancel (SIGTERM to every process of the step, SIGKILL
KillWait seconds later) still leaves each task's peak, and nothing keeps running.

Needs root and Debian's `slurm-wlm munge`; skipped, in one line, where the daemons cannot start
(not root, packages missing). Run once, with /usr/bin/python3 (label py-debian)."""
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import harness
from harness import MB, RunTestCase

CLUSTER = harness.E2E_DIR / "cluster" / "slurm.sh"
# slurm.sh's status for "this machine cannot run the daemons" (not root, packages missing).
CANNOT_START = 77
# The cluster's state directory, one per checkout: a run killed before tearDownModule (a CTest
# timeout) leaves its daemons to the next start, which stops them first.
STATE_DIR = Path(tempfile.gettempdir()) / (
    "sciagraph-e2e-slurm-" + hashlib.sha1(str(harness.E2E_DIR).encode()).hexdigest()[:8])
# `<short command> [pid N]`, the process frame below the host frame in job-peak.folded.
PROCESS_FRAME = re.compile(r"^(?P<command>.+) \[pid (?P<pid>\d+)\]$")
TASK = "slurm_task.py"
TASK_LINE = 36  # the line whose bytearray each task holds at the peak
SIZES = (120, 80)  # MB held by task 0 and task 1 together
STEP_TIMEOUT_S = 60

_cluster_env = None


def cluster(action):
    return subprocess.run([str(CLUSTER), action, str(STATE_DIR)], capture_output=True,
                          text=True, timeout=120)


def setUpModule():
    global _cluster_env
    started = time.monotonic()
    done = cluster("start")
    if done.returncode == CANNOT_START:
        raise unittest.SkipTest(done.stderr.strip())
    if done.returncode != 0:
        raise AssertionError(f"the one-node cluster did not start: {done.stderr.strip()}")
    print(f"slurm: one-node cluster up in {time.monotonic() - started:.1f} s ({STATE_DIR})",
          file=sys.stderr)
    _cluster_env = harness.env_with(SLURM_CONF=str(STATE_DIR / "slurm.conf"))


def tearDownModule():
    started = time.monotonic()
    done = cluster("stop")
    print(f"slurm: cluster stopped in {time.monotonic() - started:.1f} s", file=sys.stderr)
    if done.returncode == 0:
        shutil.rmtree(STATE_DIR, ignore_errors=True)


def slurm_env(**changes):
    env = dict(_cluster_env)
    env.update(changes)
    return env


def queue():
    """The cluster's jobs: [(job id, state)]."""
    done = subprocess.run(["squeue", "-h", "-o", "%i %T"], capture_output=True, text=True,
                          env=slurm_env(), timeout=10)
    return [tuple(line.split()) for line in done.stdout.splitlines() if line.strip()]


def job_facts(job_id, *names):
    """Fields of `scontrol show job` (a finished job stays there for MinJobAge, 300 s)."""
    done = subprocess.run(["scontrol", "show", "job", "-o", str(job_id)], capture_output=True,
                          text=True, env=slurm_env(), timeout=10)
    fields = dict(f.split("=", 1) for f in done.stdout.split() if "=" in f)
    return [fields.get(name) for name in names]


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout} s: {what}")
        time.sleep(0.05)


def processes_naming(text):
    """Processes whose command line names `text` (the test's scratch directory)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(f"{entry.name}: {cmdline.strip()}")
    return found


class SlurmCase(RunTestCase):
    def setUp(self):
        super().setUp()
        # The tasks and srun must see the scratch directory (it is the job's working directory).
        os.chmod(self.tmp, 0o755)
        self.started = time.monotonic()

    def tearDown(self):
        wait_until(lambda: not queue(), 20, "the cluster's queue to empty")
        print(f"\n  {self.id().rsplit('.', 1)[-1]}: {time.monotonic() - self.started:.1f} s",
              file=sys.stderr, end=" ")
        super().tearDown()

    def task_command(self, sizes=SIZES, mode=None, template=None):
        """`sciagraph run -q -o TEMPLATE -- python3 slurm_task.py ...`, or the task alone when
        template is None."""
        task = [harness.test_python(), harness.program(TASK), ",".join(map(str, sizes)),
                str(self.tmp)] + ([mode] if mode else [])
        if template is None:
            return task
        return [harness.sciagraph_bin(), "run", "-q", "-o", str(template), "--"] + task

    def srun(self, command, ntasks=2):
        return subprocess.run(["srun", f"-n{ntasks}"] + command, capture_output=True,
                              env=slurm_env(), cwd=self.tmp, timeout=STEP_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)

    def clear_ready(self):
        for ready in self.tmp.glob("ready-*"):
            ready.unlink()

    def report(self, *inputs):
        done = subprocess.run([harness.sciagraph_bin(), "report"] + [str(i) for i in inputs],
                              capture_output=True, timeout=harness.DEFAULT_TIMEOUT_S,
                              env=harness.env_with())
        self.assertEqual(done.returncode, 0, done.stderr.decode(errors="replace"))
        return harness.load_summary(inputs[0] if len(inputs) == 1 else inputs[-1])

    def check_job_view(self, runs_dir, summary, sizes=SIZES):
        """One job of len(sizes) runs on this host, each task's data at the job's peak under the
        host frame and its own process frame."""
        self.assertEqual(summary["merged_runs"], len(sizes), summary.get("runs"))
        self.assertEqual(summary["hosts"], [socket.gethostname()])
        self.assertGreaterEqual(summary["process_count"], len(sizes))
        harness.assert_peak_near(summary["job_peak_bytes"], sum(sizes) * MB, "job_peak_bytes")
        # The tasks started together: one time axis.
        starts = [r["start_seconds"] for r in summary["runs"]]
        self.assertLess(max(starts), 5.0, summary["runs"])
        folded = harness.parse_folded(runs_dir / "job-peak.folded")
        harness.assert_line_is(harness.program(TASK), TASK_LINE, "# SLURM_TASK_HOLDS")
        per_process = {}
        for stack, value in folded.items():
            host, process, rest = (stack.split(";", 2) + ["", ""])[:3]
            self.assertEqual(host, socket.gethostname(), stack[:200])
            self.assertIsNotNone(PROCESS_FRAME.match(process), stack[:200])
            per_process.setdefault(process, {})[rest] = value
        held = sorted(harness.bytes_at_line(stacks, TASK, TASK_LINE)
                      for stacks in per_process.values())
        held = [b for b in held if b > 1 * MB]
        self.assertEqual(len(held), len(sizes), harness.describe_folded(folded))
        for got, size in zip(held, sorted(sizes)):
            harness.assert_within(got, size * MB, harness.ATTRIBUTION_TOLERANCE,
                                  f"bytes at {TASK}:{TASK_LINE}\n{harness.describe_folded(folded)}")


class Srun(SlurmCase):
    def test_two_tasks_one_report(self):
        """`srun -n2 sciagraph run -o runs/{env:SLURM_PROCID} -- python3 ...`, then `sciagraph
        report runs`: one job view of both tasks, peaking together."""
        plain = self.srun(self.task_command())
        self.clear_ready()
        runs = self.tmp / "runs"
        profiled = self.srun(self.task_command(template=runs / "{env:SLURM_PROCID}"))
        self.assertEqual(profiled.returncode, 0, profiled.stderr.decode(errors="replace"))
        self.assertEqual(sorted(profiled.stdout.splitlines()), sorted(plain.stdout.splitlines()))
        self.assertEqual(sorted(profiled.stdout.decode().splitlines()),
                         ["task 0 done", "task 0 holds 120 MB", "task 1 done",
                          "task 1 holds 80 MB"])
        self.assertEqual(profiled.stderr, b"")
        self.assertEqual(sorted(p.name for p in runs.iterdir()), ["0", "1"])
        for run in runs.iterdir():
            self.assertEqual(harness.load_summary(run)["exit_code"], 0)
        summary = self.report(runs)
        self.check_job_view(runs, summary)

    def test_exit_status_is_the_tasks(self):
        """Tasks exiting with 3: srun says and returns the same with sciagraph as without."""
        plain = self.srun(self.task_command(mode="exit:3"))
        self.clear_ready()
        profiled = self.srun(self.task_command(mode="exit:3",
                                               template=self.tmp / "runs" / "{env:SLURM_PROCID}"))
        self.assertEqual(plain.returncode, 3, plain.stderr)
        self.assertEqual(profiled.returncode, plain.returncode, profiled.stderr)
        self.assertEqual(sorted(profiled.stdout.splitlines()), sorted(plain.stdout.splitlines()))
        self.assertEqual(sorted(profiled.stderr.splitlines()), sorted(plain.stderr.splitlines()))


class Sbatch(SlurmCase):
    def test_batch_script_one_report_per_job(self):
        """A batch script whose srun writes runs/<job id>/<host>-<task>; once the job ended,
        `sciagraph report runs/<job id>`."""
        script = self.tmp / "job.sh"
        template = self.tmp / "runs" / "{env:SLURM_JOB_ID}" / "{host}-{env:SLURM_PROCID}"
        task = " ".join(self.task_command(template=template))
        script.write_text("#!/bin/bash\n"
                          "#SBATCH --ntasks=2\n"
                          f"#SBATCH --output={self.tmp}/slurm-%j.out\n"
                          f"srun {task}\n")
        done = subprocess.run(["sbatch", "--parsable", str(script)], capture_output=True,
                              text=True, env=slurm_env(), cwd=self.tmp, timeout=30)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        job_id = done.stdout.strip().split(";")[0]
        self.assertTrue(job_id.isdigit(), done.stdout)
        # `sbatch --wait` would do, but polls every few seconds: 10 s for a 3 s job.
        wait_until(lambda: not queue(), STEP_TIMEOUT_S, f"batch job {job_id} to end")
        self.assertEqual(job_facts(job_id, "JobState", "ExitCode"), ["COMPLETED", "0:0"],
                         (self.tmp / f"slurm-{job_id}.out").read_text(errors="replace"))
        output = (self.tmp / f"slurm-{job_id}.out").read_text()
        self.assertEqual(sorted(output.splitlines()),
                         ["task 0 done", "task 0 holds 120 MB", "task 1 done",
                          "task 1 holds 80 MB"])
        runs = self.tmp / "runs" / job_id
        host = socket.gethostname()
        self.assertEqual(sorted(p.name for p in runs.iterdir()), [f"{host}-0", f"{host}-1"])
        summary = self.report(runs)
        self.check_job_view(runs, summary)


class StoppedStep(SlurmCase):
    def start_step(self, mode, template=None, stop=None):
        """Runs a two-task step until both tasks hold their data, then stops it: scancel, or
        `stop(srun)`. Returns srun's status, stdout and stderr."""
        self.clear_ready()
        step = subprocess.Popen(["srun", "-n2"] + self.task_command(mode=mode, template=template),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=slurm_env(), cwd=self.tmp, stdin=subprocess.DEVNULL)
        try:
            wait_until(lambda: all((self.tmp / f"ready-{r}").exists() for r in range(2)),
                       STEP_TIMEOUT_S, "both tasks to hold their data")
            running = [job for job, state in queue() if state == "RUNNING"]
            self.assertEqual(len(running), 1, queue())
            # Both tasks hold their data; a moment later the step is cancelled.
            time.sleep(0.5)
            if stop:
                stop(step)
            else:
                subprocess.run(["scancel", running[0]], env=slurm_env(), check=True, timeout=10)
            out, err = step.communicate(timeout=STEP_TIMEOUT_S)
        finally:
            if step.poll() is None:
                step.kill()
                step.wait()
        return step.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    def test_cancelled_step_keeps_its_peak(self):
        """scancel while both tasks hold their data: sciagraph ends with 128+15 as the tasks
        did, each run keeps its peak (the core's live record), the merged report has both."""
        plain_status, _, plain_err = self.start_step("hold")
        self.assertEqual(plain_status, 128 + signal.SIGTERM, plain_err)
        runs = self.tmp / "runs"
        status, out, err = self.start_step("hold", template=runs / "{env:SLURM_PROCID}")
        # The same status; srun says "Exited with exit code 143" where the tasks themselves
        # died of the signal ("Terminated").
        self.assertEqual(status, plain_status, err)
        self.assertEqual(sorted(out.splitlines()), ["task 0 holds 120 MB", "task 1 holds 80 MB"])
        self.assertIn("CANCELLED", err)
        for run in runs.iterdir():
            summary = harness.load_summary(run)
            self.assertEqual(summary["exit_code"], 128 + signal.SIGTERM, run)
            self.assertEqual(summary["signal"], signal.SIGTERM, run)
        summary = self.report(runs)
        self.check_job_view(runs, summary)
        self.assertEqual(processes_naming(str(self.tmp)), [])

    def test_killed_srun_leaves_the_peak(self):
        """SIGTERM to srun itself: Slurm kills the tasks with SIGKILL at once, sciagraph with
        them. It renders nothing, but each run directory keeps its record, and `sciagraph
        report` of them still has both tasks' data at the peak."""
        runs = self.tmp / "runs"
        status, out, err = self.start_step("hold", template=runs / "{env:SLURM_PROCID}",
                                           stop=lambda srun: srun.send_signal(signal.SIGTERM))
        self.assertNotEqual(status, 0, err)
        for run in runs.iterdir():
            self.assertFalse((run / "summary.json").exists(), f"{run}: sciagraph was killed")
            self.assertTrue(list((run / "raw").glob("*.sgrec")), run)
        summary = self.report(runs)
        self.check_job_view(runs, summary)
        self.assertEqual(processes_naming(str(self.tmp)), [])

    def check_signalled_once(self, name, stop=None):
        """The tasks handle signal `name`; the step is stopped by scancel or `stop`. Each task
        must see it once, with sciagraph as without: slurmstepd signals every process of the
        step, the job included, so sciagraph must not pass its own copy on."""
        plain = self.start_step(f"count:{name}", stop=stop)
        profiled = self.start_step(f"count:{name}", stop=stop,
                                   template=self.tmp / "runs" / "{env:SLURM_PROCID}")
        self.assertEqual([line for line in sorted(plain[1].splitlines()) if "got" in line],
                         [f"task 0 got SIG{name} 1 times", f"task 1 got SIG{name} 1 times"],
                         plain)
        self.assertEqual(sorted(profiled[1].splitlines()), sorted(plain[1].splitlines()),
                         profiled[2])
        self.assertEqual(profiled[0], plain[0], profiled[2])
        self.assertEqual(processes_naming(str(self.tmp)), [])

    def test_cancel_signals_the_job_once(self):
        """A job handling SIGTERM (to save its state, say) gets scancel's once."""
        self.check_signalled_once("TERM")

    def test_srun_passes_sigusr1_on_once(self):
        """SIGUSR1 to srun goes to every process of the step (a job may requeue itself on it):
        the job gets it once."""
        self.check_signalled_once("USR1", stop=lambda srun: srun.send_signal(signal.SIGUSR1))


if __name__ == "__main__":
    harness.main()
