"""A Dask job on a local cluster (distributed.LocalCluster, processes=True): every process of the
cluster profiled, the memory a task builds in a worker found in that worker's profile and in the
job's, whether the worker stops by itself or its nanny kills it.

distributed starts each worker with multiprocessing's spawn (a fresh interpreter, no fork): it
inherits sciagraph's LD_PRELOAD and settings through the environment. The nannies run inside the
job's own process (LocalCluster's design); closing the cluster asks each worker to stop and, after
a grace period, its nanny SIGKILLs it.

Checks, per LocalCluster case (programs/dask_job.py, "idle" and "busy"):
  - the same stdout and exit status (3) as the job run without sciagraph, and no hang (each run
    has a timeout);
  - every process the job started (the workers, multiprocessing's resource tracker) and the
    process of each worker's nanny has its entry in summary.json and its profile on disk;
  - the task's 64 MiB in its worker's memory-peak.folded under the function that built it, and in
    the root's job-peak.folded under that worker's process frame, within 3%; job_peak_bytes at
    least that;
  - "busy": the worker killed holding the block leaves its peak in its live record (raw/PID.sgrec).

And a worker started on its own, as on another machine: `sciagraph run -- dask worker
--scheduler-file F` beside a scheduler and a client (programs/dask_client.py) run without
sciagraph; SIGTERM to sciagraph reaches `dask worker`, which closes its nanny and worker and exits
as it does unprofiled; the nanny (the root) and its worker are profiled, the task's 64 MiB in the
worker's peak and in the job's.

Needs distributed (Debian's python3-distributed); registered for /usr/bin/python3 only.
"""
import re
import signal
import subprocess
import time
import unittest
from pathlib import Path

import harness
from harness import (MiB, RunTestCase, env_with, program, run_plain, run_sciagraph,
                     sciagraph_bin, test_python)

# Starting and closing a 2-worker cluster takes 6-9 s here, profiled or not; a hang is caught
# long before CTest's own timeout.
JOB_TIMEOUT_S = 120

BLOCK_BYTES = 64 * MiB
BLOCK_FUNCTION = "build_dask_block_64mib"
BLOCK_LINE = 21
EXIT_STATUS = 3
STDOUT = f"dask job: a worker built {BLOCK_BYTES} bytes\n"
KILLED = "killed while recording"
# What UBSan prints before it aborts a process of a sanitizer build (a worker's abort while it
# stops would otherwise pass for its nanny's kill).
SANITIZER_ERROR = "runtime error:"



def setUpModule():
    # One line for the whole module where distributed is missing.
    if not harness.python_has_module("distributed"):
        raise unittest.SkipTest(f"{test_python()} cannot import distributed "
                                "(Debian: apt-get install python3-distributed)")


def pids(stderr, name):
    """The pids the job printed to stderr as `NAME pid N`."""
    return sorted({int(pid) for pid in re.findall(rf"^{name} pid (\d+)$", stderr, re.M)})


class DaskCase(RunTestCase):
    def folded(self, name, pid=None):
        return harness.parse_folded(harness.process_dir(self.out(), pid) / name)

    def check_block(self, summary, worker, name, line, marker, function):
        """The task's 64 MiB: in its worker's own peak, under the function and line that built
        it, and in the job's peak under that worker's process frame."""
        entry = harness.process_entry(summary, worker)
        self.assertGreaterEqual(entry["peak_bytes"], BLOCK_BYTES, entry)
        folded = self.folded("memory-peak.folded", worker)
        harness.assert_bytes_at_line(folded, name, line, marker, BLOCK_BYTES)
        harness.assert_within(harness.value_in_function(folded, function, name), BLOCK_BYTES,
                              harness.ATTRIBUTION_TOLERANCE,
                              f"{function} in the worker's memory-peak.folded")
        # The job's own process never held the block.
        root_folded = self.folded("memory-peak.folded")
        self.assertEqual(harness.value_in_function(root_folded, function), 0)

        job = self.folded("job-peak.folded")
        parts = harness.by_process(job)
        self.assertIn(worker, parts, harness.describe_folded(job))
        harness.assert_within(harness.value_in_function(parts[worker], function, name),
                              BLOCK_BYTES, harness.ATTRIBUTION_TOLERANCE,
                              f"{function} under the worker's frame in job-peak.folded\n"
                              + harness.describe_folded(job))
        self.assertGreaterEqual(summary["job_peak_bytes"], BLOCK_BYTES, summary)
        return entry

    def check_profiled(self, summary, pid):
        """The process has its summary entry and its profile on disk."""
        entry = harness.process_entry(summary, pid)
        self.assertEqual(entry["status"], "ok", entry)
        self.assertEqual(entry["mode"], "both", entry)
        self.assertIsNotNone(entry["peak_bytes"], entry)
        self.assertGreater(entry["time_samples"], 0, entry)
        directory = harness.process_dir(self.out(), None if pid == summary["root_pid"] else pid)
        for name in ["memory-peak.folded", "time-cpu.folded", "index.html"]:
            self.assertTrue((directory / name).is_file(), f"{directory}/{name} missing")
        return entry


class LocalClusterJob(DaskCase):
    def run_both(self, mode):
        """The job unprofiled, then under sciagraph: the same stdout and exit status."""
        command = [test_python(), program("dask_job.py"), mode]
        plain = run_plain(command, timeout=JOB_TIMEOUT_S)
        self.assertEqual(plain.returncode, EXIT_STATUS, "unprofiled run:\n" + plain.describe())
        self.assertEqual(plain.stdout_text, STDOUT, "unprofiled run:\n" + plain.describe())
        result = run_sciagraph(command, self.out(), timeout=JOB_TIMEOUT_S)
        self.assertEqual(result.returncode, plain.returncode, result.describe())
        self.assertEqual(result.stdout_text, plain.stdout_text, result.describe())
        self.assertNotIn(SANITIZER_ERROR, result.stderr_text, result.describe())
        return result

    def check_every_process_profiled(self, result):
        """The job's own account of its processes against the profiles sciagraph wrote. Returns
        the summary and the pid of the task's worker."""
        stderr = result.stderr_text
        workers, nannies, started = (pids(stderr, "worker"), pids(stderr, "nanny"),
                                     pids(stderr, "process"))
        tasks = pids(stderr, "task")
        self.assertEqual(len(workers), 2, result.describe())
        self.assertEqual(len(tasks), 1, result.describe())
        self.assertIn(tasks[0], workers, result.describe())
        # The workers, and the resource tracker spawn starts first.
        self.assertGreaterEqual(len(started), 3, result.describe())
        self.assertLessEqual(set(workers), set(started), result.describe())

        summary = result.summary()
        for pid in sorted(set(workers) | set(nannies) | set(started)):
            with self.subTest(process=pid):
                self.check_profiled(summary, pid)
        # Each worker is its nanny's child.
        for worker in workers:
            self.assertIn(harness.process_entry(summary, worker)["ppid"], nannies)
        return summary, tasks[0]

    def check_local_block(self, summary, worker):
        return self.check_block(summary, worker, "dask_job.py", BLOCK_LINE,
                                "# DASK_BLOCK", BLOCK_FUNCTION)

    def test_workers_stop_when_the_cluster_closes(self):
        # The task returns; the idle workers are asked to stop and (nearly always) exit by
        # themselves. One slower than its grace period is killed: either way its peak is kept.
        result = self.run_both("idle")
        summary, worker = self.check_every_process_profiled(result)
        entry = self.check_local_block(summary, worker)
        self.assertIn(entry["ended"], ("exit", "exit 0", KILLED), entry)

    def test_worker_killed_by_its_nanny_keeps_its_peak(self):
        # The task still holds its 64 MiB when the cluster closes: the worker does not stop in
        # its grace period and its nanny SIGKILLs it. Its profile is its live record.
        result = self.run_both("busy")
        self.assertIn("killing", result.stderr_text, result.describe())
        summary, worker = self.check_every_process_profiled(result)
        entry = self.check_local_block(summary, worker)
        self.assertEqual(entry["ended"], KILLED, entry)
        self.assertTrue(entry["from_record"], entry)
        self.assertTrue((self.out() / "raw" / f"{worker}.sgrec").is_file())


def dask_command():
    """The `dask` command beside the job interpreter (Debian's /usr/bin/dask)."""
    path = Path(test_python()).parent / "dask"
    return str(path) if path.is_file() else None


@unittest.skipUnless(dask_command(), f"no dask command beside {test_python()}")
class RemoteWorker(DaskCase):
    def start(self, command, name):
        """A background process, its output in a file, stopped at the end of the test."""
        log = open(self.tmp / f"{name}.log", "wb")
        self.addCleanup(log.close)
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, env=env_with(), cwd=self.tmp)
        self.addCleanup(self.stop, process)
        return process

    def stop(self, process):
        """SIGTERM first, as a user stops it (sciagraph then passes it on, and the workers of a
        `dask worker` leave with it); SIGKILL only if that does not do."""
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=JOB_TIMEOUT_S)

    def log(self, name, tail=4000):
        """The end of a background process's output (all of it with tail=None)."""
        text = (self.tmp / f"{name}.log").read_text(errors="replace")
        return text[-tail:] if tail else text

    def worker_run(self, name, profiled):
        """A scheduler, a worker (under sciagraph when `profiled`), the client's task; then
        SIGTERM to the worker's command. Returns the worker's exit status and the task's pid."""
        scheduler_file = self.tmp / f"{name}-scheduler.json"
        self.start([test_python(), "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                    "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                   f"{name}-scheduler")
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while not scheduler_file.is_file():
            self.assertLess(time.monotonic(), deadline, self.log(f"{name}-scheduler"))
            time.sleep(0.1)
        worker = [dask_command(), "worker", "--scheduler-file", str(scheduler_file),
                  "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                  "--local-directory", str(self.tmp / f"{name}-space")]
        if profiled:
            worker = [sciagraph_bin(), "run", "-o", str(self.out()), "--"] + worker
        process = self.start(worker, name)
        client = run_plain([test_python(), program("dask_client.py"), str(scheduler_file)],
                           timeout=JOB_TIMEOUT_S)
        self.assertEqual(client.returncode, 0, client.describe() + "\n" + self.log(name))
        self.assertEqual(client.stdout_text, f"dask client: a worker built {BLOCK_BYTES} bytes\n",
                         client.describe())
        task = pids(client.stderr_text, "task")
        self.assertEqual(len(task), 1, client.describe())
        process.send_signal(signal.SIGTERM)
        try:
            status = process.wait(timeout=JOB_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.fail(f"the worker did not stop after SIGTERM\n{self.log(name)}")
        return status, task[0]

    def test_worker_under_sciagraph(self):
        plain_status, _ = self.worker_run("plain", profiled=False)
        status, worker = self.worker_run("profiled", profiled=True)
        self.assertEqual(status, plain_status, self.log("profiled"))
        self.assertNotIn(SANITIZER_ERROR, self.log("profiled", tail=None))
        summary = harness.load_summary(self.out())
        # `dask worker` runs the nanny; the nanny spawned the worker.
        nanny = self.check_profiled(summary, summary["root_pid"])
        entry = self.check_profiled(summary, worker)
        self.assertEqual(entry["ppid"], nanny["pid"], entry)
        self.assertIn(entry["ended"], ("exit", "exit 0", KILLED), entry)
        self.check_block(summary, worker, "dask_client.py", 16, "# REMOTE_BLOCK",
                         "build_remote_block_64mib")


if __name__ == "__main__":
    harness.main()
