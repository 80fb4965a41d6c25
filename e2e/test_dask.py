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

And workers started on their own, as on other machines: two `sciagraph run -o
'PROFILES/{host}-{pid}' -- dask worker --scheduler-file F` beside a scheduler and a client
(programs/dask_client.py, one task per worker, each holding 64 MiB until both do) run without
sciagraph; SIGTERM to sciagraph reaches `dask worker`, which closes its nanny and worker and exits
as it does unprofiled; one run directory per worker, the nanny (the root) and its worker profiled,
the task's 64 MiB in the worker's peak and its job's; `sciagraph report PROFILES` merges the two
runs into one job view whose peak holds both blocks.

Needs distributed (Debian's python3-distributed); registered for /usr/bin/python3 only.
"""
import re
import signal
import socket
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
REMOTE_FUNCTION = "build_remote_block_64mib"
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
    def folded(self, name, pid=None, out=None):
        return harness.parse_folded(harness.process_dir(out or self.out(), pid) / name)

    def check_block(self, summary, worker, name, line, marker, function, out=None):
        """The task's 64 MiB: in its worker's own peak, under the function and line that built
        it, and in the job's peak under that worker's process frame (the run in `out`, by
        default self.out())."""
        entry = harness.process_entry(summary, worker)
        self.assertGreaterEqual(entry["peak_bytes"], BLOCK_BYTES, entry)
        folded = self.folded("memory-peak.folded", worker, out)
        harness.assert_bytes_at_line(folded, name, line, marker, BLOCK_BYTES)
        harness.assert_within(harness.value_in_function(folded, function, name), BLOCK_BYTES,
                              harness.ATTRIBUTION_TOLERANCE,
                              f"{function} in the worker's memory-peak.folded")
        # The job's own process never held the block.
        root_folded = self.folded("memory-peak.folded", out=out)
        self.assertEqual(harness.value_in_function(root_folded, function), 0)

        job = self.folded("job-peak.folded", out=out)
        parts = harness.by_process(job)
        self.assertIn(worker, parts, harness.describe_folded(job))
        harness.assert_within(harness.value_in_function(parts[worker], function, name),
                              BLOCK_BYTES, harness.ATTRIBUTION_TOLERANCE,
                              f"{function} under the worker's frame in job-peak.folded\n"
                              + harness.describe_folded(job))
        self.assertGreaterEqual(summary["job_peak_bytes"], BLOCK_BYTES, summary)
        return entry

    def check_profiled(self, summary, pid, out=None):
        """The process has its summary entry and its profile on disk."""
        entry = harness.process_entry(summary, pid)
        self.assertEqual(entry["status"], "ok", entry)
        self.assertEqual(entry["mode"], "both", entry)
        self.assertIsNotNone(entry["peak_bytes"], entry)
        self.assertGreater(entry["time_samples"], 0, entry)
        directory = harness.process_dir(out or self.out(),
                                        None if pid == summary["root_pid"] else pid)
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

    def workers_run(self, name, profiled, count=2):
        """A scheduler, `count` workers (each under `sciagraph run -o PROFILES/{host}-{pid}`
        when `profiled`, as the README says), the client's tasks, one per worker; then SIGTERM
        to each worker's command. Returns the workers' commands' pids and exit statuses and the
        tasks' pids."""
        scheduler_file = self.tmp / f"{name}-scheduler.json"
        self.start([test_python(), "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                    "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                   f"{name}-scheduler")
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while not scheduler_file.is_file():
            self.assertLess(time.monotonic(), deadline, self.log(f"{name}-scheduler"))
            time.sleep(0.1)
        processes = []
        for index in range(count):
            worker = [dask_command(), "worker", "--scheduler-file", str(scheduler_file),
                      "--nthreads", "1", "--no-dashboard",
                      "--local-directory", str(self.tmp / f"{name}-space-{index}")]
            if profiled:
                worker = [sciagraph_bin(), "run", "-o", str(self.profiles() / "{host}-{pid}"),
                          "--"] + worker
            processes.append(self.start(worker, f"{name}-{index}"))
        scratch = self.tmp / f"{name}-scratch"
        scratch.mkdir()
        client = run_plain([test_python(), program("dask_client.py"), str(scheduler_file),
                            str(count), str(scratch)], timeout=JOB_TIMEOUT_S)
        self.assertEqual(client.returncode, 0,
                         client.describe() + "\n" + self.log(f"{name}-0"))
        self.assertEqual(client.stdout_text,
                         f"dask client: {count} workers built [{BLOCK_BYTES}] bytes each\n",
                         client.describe())
        tasks = pids(client.stderr_text, "task")
        self.assertEqual(len(tasks), count, client.describe())
        statuses = []
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for index, process in enumerate(processes):
            try:
                statuses.append(process.wait(timeout=JOB_TIMEOUT_S))
            except subprocess.TimeoutExpired:
                self.fail(f"a worker did not stop after SIGTERM\n{self.log(f'{name}-{index}')}")
            self.assertNotIn(SANITIZER_ERROR, self.log(f"{name}-{index}", tail=None))
        return [p.pid for p in processes], statuses, tasks

    def profiles(self):
        return self.tmp / "profiles"

    def test_workers_under_sciagraph(self):
        _, plain_statuses, _ = self.workers_run("plain", profiled=False)
        launchers, statuses, tasks = self.workers_run("profiled", profiled=True)
        self.assertEqual(statuses, plain_statuses, self.log("profiled-0"))
        # One run directory per worker, named by the -o template.
        host = socket.gethostname()
        runs = sorted(self.profiles().iterdir())
        self.assertEqual([run.name for run in runs],
                         sorted(f"{host}-{pid}" for pid in launchers))
        found = []
        for run in runs:
            with self.subTest(run=run.name):
                summary = harness.load_summary(run)
                # `dask worker` runs the nanny; the nanny spawned the worker.
                nanny = self.check_profiled(summary, summary["root_pid"], run)
                workers = [int(p["pid"]) for p in summary["processes"] if int(p["pid"]) in tasks]
                self.assertEqual(len(workers), 1, summary["processes"])
                entry = self.check_profiled(summary, workers[0], run)
                self.assertEqual(entry["ppid"], nanny["pid"], entry)
                self.assertIn(entry["ended"], ("exit", "exit 0", KILLED), entry)
                self.check_block(summary, workers[0], "dask_client.py", 18, "# REMOTE_BLOCK",
                                 REMOTE_FUNCTION, out=run)
                found += workers
        self.assertEqual(sorted(found), tasks)

        # The workers' runs merged into one job view: both blocks, held at once, at its peak.
        done = subprocess.run([sciagraph_bin(), "report", str(self.profiles())],
                              capture_output=True, text=True, timeout=JOB_TIMEOUT_S,
                              env=env_with())
        self.assertEqual(done.returncode, 0, done.stderr)
        summary = harness.load_summary(self.profiles())
        self.assertEqual(summary["merged_runs"], 2, summary)
        self.assertGreaterEqual(summary["job_peak_bytes"], 2 * BLOCK_BYTES, summary)
        job = self.folded("job-peak.folded", out=self.profiles())
        harness.assert_within(harness.value_in_function(job, REMOTE_FUNCTION, "dask_client.py"),
                              2 * BLOCK_BYTES, harness.ATTRIBUTION_TOLERANCE,
                              f"{REMOTE_FUNCTION} in the merged job-peak.folded\n"
                              + harness.describe_folded(job))

if __name__ == "__main__":
    harness.main()
