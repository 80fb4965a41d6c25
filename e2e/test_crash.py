"""A profile that survives any death (issue: "A profile that survives any death"). The core mirrors
its tables into raw/<pid>.sgrec as they change, so a process that never reaches its exit handlers
still leaves its peak: SIGKILL right after the peak, os._exit, a segfault or abort() in C,
multiprocessing pool workers ended when `with Pool()` is left, the kernel's OOM killer.

Checks, per case:
  - the launcher's exit status is the unprofiled run's (128+N for a death by signal N);
  - the process's peak_bytes in summary.json: at least the known allocation, at most that plus
    INTERPRETER_OVERHEAD_BYTES (as test_memory.py);
  - its memory-peak.folded: the bytes whose leaf-most Python frame is the known line, within 3%;
    the same in job-peak.folded (the job died at its high, with no snapshot request after it:
    the stacks are those the process died with);
  - its `ended` in summary.json: "exit 3", "killed while recording", or for the root, which the
    launcher saw die, "killed by signal 9 (SIGKILL) while recording".
"""
import errno
import os
import re
import signal
import time
import unittest
from pathlib import Path

import harness
from harness import (MB, MiB, RunTestCase, assert_within, bytes_at_line, program, run_plain,
                     run_sciagraph, test_python)

ATTRIBUTION_TOLERANCE = harness.ATTRIBUTION_TOLERANCE
KILLED = "killed while recording"


def shell_status(returncode):
    """subprocess's -N for a death by signal N, as a shell (and `sciagraph run`) reports it."""
    return 128 - returncode if returncode < 0 else returncode


def killed_by(signum):
    """`ended` of the root killed by `signum`: the launcher saw which signal it was."""
    return f"killed by signal {int(signum)} ({signal.Signals(signum).name}) while recording"


class CrashCase(RunTestCase):
    def run_both(self, command, expect_status, out_name="out"):
        """The command unprofiled, then under sciagraph: the same exit status, `expect_status`."""
        plain = run_plain(command)
        self.assertEqual(shell_status(plain.returncode), expect_status,
                         "unprofiled run:\n" + plain.describe())
        result = run_sciagraph(command, self.out(out_name))
        self.assertEqual(result.returncode, shell_status(plain.returncode), result.describe())
        return result

    def root(self, summary):
        """The root's entry, by the pid the launcher started. (harness.root_entry looks for the
        one process whose parent is not profiled, and a process that outlives the job, such as
        multiprocessing's resource tracker, may name init as its parent.)"""
        self.assertIsNotNone(summary.get("root_pid"), summary)
        return harness.process_entry(summary, summary["root_pid"])

    def check_peak(self, peak, expected, what="peak_bytes"):
        harness.assert_peak_near(peak, expected, what)

    def check_line(self, folded, name, line, marker, expected):
        harness.assert_bytes_at_line(folded, name, line, marker, expected)

    def check_root(self, result, name, line, marker, expected, ended):
        """The root's peak, its line in memory-peak.folded and how it ended."""
        summary = result.summary()
        root = self.root(summary)
        self.check_peak(summary["peak_bytes"], expected)
        self.check_peak(root["peak_bytes"], expected, "the root's peak_bytes")
        self.assertEqual(root.get("ended"), ended, root)
        folded = result.folded("memory-peak.folded")
        self.check_line(folded, name, line, marker, expected)
        self.check_line(result.folded("job-peak.folded"), name, line, marker, expected)
        # The folded file is the live set at the peak: its total is the peak, give or take the
        # sampling estimate of the interpreter's own small allocations.
        assert_within(harness.total(folded), summary["peak_bytes"], 0.10,
                      "total of memory-peak.folded against peak_bytes")
        return summary


class DeathRightAfterThePeak(CrashCase):
    def test_sigkill_from_the_job_itself(self):
        # No exit handler runs and the peak is less than a millisecond old.
        command = [test_python(), program("crash_sigkill.py")]
        result = self.run_both(command, 128 + signal.SIGKILL)
        summary = self.check_root(result, "crash_sigkill.py", 8, "# PEAK", 150 * MB,
                                  killed_by(signal.SIGKILL))
        self.assertEqual(summary["exit_code"], 137)
        self.assertEqual(summary["signal"], signal.SIGKILL)

    def test_os_exit_3(self):
        command = [test_python(), program("crash_os_exit.py")]
        result = self.run_both(command, 3)
        self.check_root(result, "crash_os_exit.py", 6, "# PEAK", 150 * MB, "exit 3")


class CrashInC(CrashCase):
    """A crash in native code: the default action of SIGSEGV or SIGABRT ends the process at once
    (no Python handler, no faulthandler). The program turns core files off."""

    def crash(self, build, after, how, signum, line, marker):
        command = [test_python(), program("crash_in_c.py"), build, after, how]
        result = self.run_both(command, 128 + signum)
        self.assertNotIn("not reached", result.stdout_text)
        self.check_root(result, "crash_in_c.py", line, marker, 150 * MB, killed_by(signum))

    def test_segfault_after_a_malloc_peak(self):
        self.crash("malloc", "keep", "segv", signal.SIGSEGV, 16, "# C_PEAK")

    def test_segfault_after_the_peak_was_freed(self):
        # The 150 MB are gone when the crash comes: the peak's snapshot still holds them.
        self.crash("malloc", "free", "segv", signal.SIGSEGV, 16, "# C_PEAK")

    def test_abort_after_a_bytearray_peak(self):
        self.crash("bytearray", "keep", "abort", signal.SIGABRT, 22, "# PY_PEAK")


class PoolWorkers(CrashCase):
    """`with multiprocessing.get_context(M).Pool(2)`: each worker's last task builds 60 MiB at one
    line and frees it. "idle": the task returns, and leaving `with` ends the idle worker (it may
    read the pool's stop sentinel and exit, or be terminated with SIGTERM, a race inside
    multiprocessing). "busy": the task sleeps after its peak, so leaving `with` always terminates
    it with SIGTERM. Every worker keeps its peak."""

    WORKER_LINE = 19

    def pool(self, method, mode):
        command = [test_python(), program("crash_pool.py"), method, mode]
        result = self.run_both(command, 0)
        match = re.fullmatch(r"workers (\d+) (\d+)\n", result.stdout_text)
        self.assertIsNotNone(match, result.describe())
        workers = [int(pid) for pid in match.groups()]
        self.assertEqual(len(set(workers)), 2, f"one worker ran both tasks: {workers}")
        summary = result.summary()
        root = self.root(summary)
        pids = {int(p["pid"]) for p in summary["processes"]}
        for pid in workers:
            with self.subTest(worker=pid):
                entry = harness.process_entry(summary, pid)
                self.check_peak(entry["peak_bytes"], 60 * MiB, f"worker {pid}'s peak_bytes")
                if mode == "busy":
                    self.assertEqual(entry.get("ended"), KILLED, entry)
                else:
                    self.assertIn(entry.get("ended"), ("exit", "exit 0", KILLED), entry)
                if method == "forkserver":
                    # Forked by the forkserver, itself a profiled process started by the job.
                    self.assertIn(entry["ppid"], pids - {int(root["pid"])}, entry)
                else:
                    self.assertEqual(entry["ppid"], root["pid"], entry)
                folded = result.folded("memory-peak.folded", pid)
                self.check_line(folded, "crash_pool.py", self.WORKER_LINE, "# WORKER_PEAK",
                                60 * MiB)
        # The job itself never held the workers' memory.
        self.assertLess(root["peak_bytes"], 60 * MiB, root)

    def test_fork_idle(self):
        self.pool("fork", "idle")

    def test_fork_terminated(self):
        self.pool("fork", "busy")

    def test_spawn_idle(self):
        self.pool("spawn", "idle")

    def test_spawn_terminated(self):
        self.pool("spawn", "busy")

    def test_forkserver_idle(self):
        self.pool("forkserver", "idle")

    def test_forkserver_terminated(self):
        self.pool("forkserver", "busy")


# --- the kernel's OOM killer: a memory cgroup holding only the job -------------------------------

class OutlivingTheJob(CrashCase):
    """A process the job started may outlive the job's root: the launcher gives it a moment to end
    (it then leaves its final dump), and one still running after that is reported as such, from
    its live record, never as killed."""

    def outlive(self, seconds):
        command = [test_python(), program("crash_outlive.py"), str(seconds)]
        result = run_sciagraph(command, self.out())
        self.assertEqual(result.returncode, 0, result.describe())
        child = int(result.stdout_text.strip())
        return result, child

    def wait_gone(self, pid, limit=30):
        deadline = time.monotonic() + limit
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def check_child(self, result, child, ended):
        summary = result.summary()
        entry = harness.process_entry(summary, child)
        self.assertEqual(entry.get("ended"), ended, entry)
        self.check_peak(entry["peak_bytes"], 50 * MB, "the child's peak_bytes")
        # The child's program is a -c string: its frames are named "<string>", line 4.
        folded = result.folded("memory-peak.folded", child)
        assert_within(bytes_at_line(folded, "<string>", 4), 50 * MB, ATTRIBUTION_TOLERANCE,
                      "the child's peak line\n" + harness.describe_folded(folded))

    def test_a_child_that_ends_just_after_the_job_leaves_its_final_dump(self):
        result, child = self.outlive(0.3)
        self.wait_gone(child)
        self.check_child(result, child, "exit")

    def test_a_child_still_running_is_reported_as_running(self):
        result, child = self.outlive(8)
        try:
            self.check_child(result, child, "still running when the report was made")
            self.assertTrue(Path(f"/proc/{child}").exists(), "the child was expected to run on")
        finally:
            self.wait_gone(child)  # before the output directory goes


def _mounts(fstype):
    with open("/proc/self/mounts") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 4 and fields[2] == fstype:
                yield Path(fields[1]), fields[3].split(",")


def _own_cgroup(v1_controller=None):
    """This process's cgroup path: of the v1 hierarchy with `v1_controller`, else the v2 one."""
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if v1_controller is None and controllers == "":
                return path
            if v1_controller is not None and v1_controller in controllers.split(","):
                return path
    return None


def _parents(mount, own):
    """Where to make the group: under our own cgroup (limits above us still apply), else the
    mount's root."""
    candidates = []
    if own:
        candidates.append(mount / own.lstrip("/"))
    candidates.append(mount)
    return [c for i, c in enumerate(candidates) if c.is_dir() and c not in candidates[:i]]


def _write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


class MemoryCgroup:
    """A fresh memory cgroup limited to `limit` bytes (no swap), v1 or v2, whichever is writable
    here. make() returns its cgroup.procs, or raises unittest.SkipTest with the reasons."""

    def __init__(self, limit, name):
        self.limit = limit
        self.name = name
        self.path = None

    def make(self):
        reasons = []
        for mount, options in _mounts("cgroup"):
            if "memory" in options:
                for parent in _parents(mount, _own_cgroup("memory")):
                    try:
                        return self._make_v1(parent / self.name)
                    except OSError as error:
                        reasons.append(f"v1 {parent}: {error.strerror}")
                        self.remove()
        for mount, _ in _mounts("cgroup2"):
            try:
                controllers = (mount / "cgroup.controllers").read_text().split()
            except OSError:
                continue
            if "memory" not in controllers:
                reasons.append(f"v2 {mount}: no memory controller")
                continue
            for parent in _parents(mount, _own_cgroup()):
                try:
                    return self._make_v2(parent, parent / self.name)
                except OSError as error:
                    reasons.append(f"v2 {parent}: {error.strerror}")
                    self.remove()
        raise unittest.SkipTest("no writable memory cgroup (" + ("; ".join(reasons) or
                                "neither a v1 memory hierarchy nor cgroup2 mounted") + ")")

    def _make_v1(self, path):
        path.mkdir()
        self.path = path
        _write(path / "memory.limit_in_bytes", self.limit)
        if (path / "memory.memsw.limit_in_bytes").exists():
            _write(path / "memory.memsw.limit_in_bytes", self.limit)  # no escape into swap
        return path / "cgroup.procs"

    def _make_v2(self, parent, path):
        if "memory" not in (parent / "cgroup.subtree_control").read_text().split():
            _write(parent / "cgroup.subtree_control", "+memory")
        path.mkdir()
        self.path = path
        _write(path / "memory.max", self.limit)
        if (path / "memory.swap.max").exists():
            _write(path / "memory.swap.max", 0)
        return path / "cgroup.procs"

    def remove(self):
        """rmdir once its processes are gone (a killed one may take a moment to leave)."""
        if self.path is None:
            return
        deadline = time.monotonic() + 10
        while True:
            try:
                self.path.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError as error:
                if error.errno != errno.EBUSY or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.path = None


class OomKiller(CrashCase):
    LIMIT = 300 * MB
    CHUNK = 50 * MB
    LINE = 8

    def in_cgroup(self, name):
        """`sh -c` (on the host, outside a Python root's chroot) puts itself in a fresh limited
        cgroup, then execs the job's interpreter: only the job is in it, the launcher is not."""
        cgroup = MemoryCgroup(self.LIMIT, f"sciagraph-e2e-crash-{os.getpid()}-{name}")
        procs = cgroup.make()
        self.addCleanup(cgroup.remove)
        return ["/bin/sh", "-c", 'echo $$ > "$1" || exit 99; shift; exec "$@"', "sh", str(procs),
                test_python(), program("crash_oom.py")]

    def test_oom_killed_job_keeps_its_peak(self):
        plain = run_plain(self.in_cgroup("plain"))
        if plain.returncode == 3:
            self.skipTest(f"the cgroup's {self.LIMIT:,} bytes did not stop the job (swap?)")
        self.assertEqual(shell_status(plain.returncode), 128 + signal.SIGKILL,
                         "unprofiled run:\n" + plain.describe())
        result = run_sciagraph(self.in_cgroup("profiled"), self.out())
        self.assertEqual(result.returncode, 128 + signal.SIGKILL, result.describe())
        printed = [int(n) for n in result.stdout_text.split()]
        self.assertGreaterEqual(len(printed), 3, result.describe())
        held = printed[-1]  # chunks complete; the next one may have been allocated, not filled
        summary = result.summary()
        root = self.root(summary)
        self.assertEqual(root.get("ended"), killed_by(signal.SIGKILL), root)
        peak = summary["peak_bytes"]
        self.assertEqual(root["peak_bytes"], peak)
        self.assertGreaterEqual(peak, 200 * MB, summary)
        folded = result.folded("memory-peak.folded")
        harness.assert_line_is(program("crash_oom.py"), self.LINE, "# OOM_CHUNK")
        at_line = bytes_at_line(folded, "crash_oom.py", self.LINE)
        # The line holds the chunks the peak saw: those filled, or those and the one the kernel
        # killed the job in; the rest of the peak is the interpreter's own.
        chunks = round(at_line / self.CHUNK)
        self.assertIn(chunks, (held, held + 1),
                      f"{at_line:,} bytes at the line, {held} chunks filled\n"
                      + harness.describe_folded(folded))
        assert_within(at_line, chunks * self.CHUNK, ATTRIBUTION_TOLERANCE,
                      f"bytes at crash_oom.py:{self.LINE}")
        self.assertGreaterEqual(peak, chunks * self.CHUNK)
        self.assertLessEqual(peak - chunks * self.CHUNK, harness.INTERPRETER_OVERHEAD_BYTES,
                             f"peak {peak:,} far above the line's {chunks} chunks")


if __name__ == "__main__":
    harness.main()
