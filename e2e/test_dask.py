"""A Dask job on a local cluster (distributed.LocalCluster, processes=True): every process of the
cluster profiled, the memory a task builds in a worker found in that worker's profile and in the
job's, whether the worker stops by itself or its nanny kills it.

distributed starts each worker with multiprocessing's spawn (a fresh interpreter, no fork): it
inherits sciagraph's LD_PRELOAD and settings through the environment. The nannies run inside the
job's own process (LocalCluster's design); closing the cluster asks each worker to stop and, after
a grace period, its nanny SIGKILLs it.

Checks, per case (programs/dask_job.py, "idle" and "busy"):
  - the same stdout and exit status (3) as the job run without sciagraph, and no hang (each run
    has a timeout);
  - every process the job started (the workers, multiprocessing's resource tracker) and the
    process of each worker's nanny has its entry in summary.json and its profile on disk;
  - the task's 64 MiB in its worker's memory-peak.folded under the function that built it, and in
    the root's job-peak.folded under that worker's process frame, within 3%; job_peak_bytes at
    least that;
  - "busy": the worker killed holding the block leaves its peak in its live record (raw/PID.sgrec).

Needs distributed (Debian's python3-distributed); registered for /usr/bin/python3 only.
"""
import re
import unittest

import harness
from harness import MiB, RunTestCase, program, run_plain, run_sciagraph, test_python

# Starting and closing a 2-worker cluster takes 6-9 s here, profiled or not; a hang is caught
# long before CTest's own timeout.
JOB_TIMEOUT_S = 120

BLOCK_BYTES = 64 * MiB
BLOCK_FUNCTION = "build_dask_block_64mib"
BLOCK_LINE = 21
EXIT_STATUS = 3
STDOUT = f"dask job: a worker built {BLOCK_BYTES} bytes\n"
KILLED = "killed while recording"

HAS_DISTRIBUTED = harness.python_has_module("distributed")


def pids(stderr, name):
    """The pids the job printed to stderr as `NAME pid N`."""
    return sorted({int(pid) for pid in re.findall(rf"^{name} pid (\d+)$", stderr, re.M)})


@unittest.skipUnless(HAS_DISTRIBUTED, f"{test_python()} cannot import distributed "
                                      "(Debian: apt-get install python3-distributed)")
class LocalClusterJob(RunTestCase):
    def run_both(self, mode):
        """The job unprofiled, then under sciagraph: the same stdout and exit status."""
        command = [test_python(), program("dask_job.py"), mode]
        plain = run_plain(command, timeout=JOB_TIMEOUT_S)
        self.assertEqual(plain.returncode, EXIT_STATUS, "unprofiled run:\n" + plain.describe())
        self.assertEqual(plain.stdout_text, STDOUT, "unprofiled run:\n" + plain.describe())
        result = run_sciagraph(command, self.out(), timeout=JOB_TIMEOUT_S)
        self.assertEqual(result.returncode, plain.returncode, result.describe())
        self.assertEqual(result.stdout_text, plain.stdout_text, result.describe())
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
        root = summary["root_pid"]
        for pid in sorted(set(workers) | set(nannies) | set(started)):
            with self.subTest(process=pid):
                entry = harness.process_entry(summary, pid)
                self.assertEqual(entry["status"], "ok", entry)
                self.assertEqual(entry["mode"], "both", entry)
                self.assertIsNotNone(entry["peak_bytes"], entry)
                self.assertGreater(entry["time_samples"], 0, entry)
                directory = harness.process_dir(self.out(), None if pid == root else pid)
                for name in ["memory-peak.folded", "time-cpu.folded", "index.html"]:
                    self.assertTrue((directory / name).is_file(), f"{directory}/{name} missing")
        # Each worker is its nanny's child.
        for worker in workers:
            self.assertIn(harness.process_entry(summary, worker)["ppid"], nannies)
        return summary, tasks[0]

    def check_block(self, result, summary, worker):
        """The task's 64 MiB: in its worker's own peak, under the function and line that built
        it, and in the job's peak under that worker's process frame."""
        entry = harness.process_entry(summary, worker)
        self.assertGreaterEqual(entry["peak_bytes"], BLOCK_BYTES, entry)
        folded = result.folded("memory-peak.folded", worker)
        harness.assert_bytes_at_line(folded, "dask_job.py", BLOCK_LINE, "# DASK_BLOCK",
                                     BLOCK_BYTES)
        harness.assert_within(harness.value_in_function(folded, BLOCK_FUNCTION, "dask_job.py"),
                              BLOCK_BYTES, harness.ATTRIBUTION_TOLERANCE,
                              f"{BLOCK_FUNCTION} in the worker's memory-peak.folded")
        # The job's own process never held the block.
        root_folded = result.folded("memory-peak.folded")
        self.assertEqual(harness.value_in_function(root_folded, BLOCK_FUNCTION), 0)

        job = result.folded("job-peak.folded")
        parts = harness.by_process(job)
        self.assertIn(worker, parts, harness.describe_folded(job))
        harness.assert_within(harness.value_in_function(parts[worker], BLOCK_FUNCTION,
                                                        "dask_job.py"),
                              BLOCK_BYTES, harness.ATTRIBUTION_TOLERANCE,
                              f"{BLOCK_FUNCTION} under the worker's frame in job-peak.folded\n"
                              + harness.describe_folded(job))
        self.assertGreaterEqual(summary["job_peak_bytes"], BLOCK_BYTES, summary)
        return entry

    def test_workers_stop_when_the_cluster_closes(self):
        # The task returns; the idle workers are asked to stop and (nearly always) exit by
        # themselves. One slower than its grace period is killed: either way its peak is kept.
        result = self.run_both("idle")
        summary, worker = self.check_every_process_profiled(result)
        entry = self.check_block(result, summary, worker)
        self.assertIn(entry["ended"], ("exit", "exit 0", KILLED), entry)

    def test_worker_killed_by_its_nanny_keeps_its_peak(self):
        # The task still holds its 64 MiB when the cluster closes: the worker does not stop in
        # its grace period and its nanny SIGKILLs it. Its profile is its live record.
        result = self.run_both("busy")
        self.assertIn("killing", result.stderr_text, result.describe())
        summary, worker = self.check_every_process_profiled(result)
        entry = self.check_block(result, summary, worker)
        self.assertEqual(entry["ended"], KILLED, entry)
        self.assertTrue(entry["from_record"], entry)
        self.assertTrue((self.out() / "raw" / f"{worker}.sgrec").is_file())


if __name__ == "__main__":
    harness.main()
