"""CPython's own regression tests under the profiler (issue: do no harm): a subset of the
interpreter's own test suite covering threads, mmap, gc, weakref, tracemalloc,
settrace/setprofile, ctypes, os, faulthandler, multiprocessing, subprocess and signals runs once
plain and once under `sciagraph run`; every test module and every test case must end the same way
in both.

The regression tests run with SCIAGRAPH_TEST_PYTHON (default /usr/bin/python3). CTest runs them
twice: with Debian 12's /usr/bin/python3 (3.11, package libpython3.11-testsuite,
scripts/install-deps.sh), and with 3.14 of the Debian unstable root (libpython3.14-testsuite,
scripts/python-root.sh), started through its chroot wrapper. Skipped, with the reason, where the
interpreter has no test suite.

Outcomes that are the same plain and profiled are not judged: in the root, for example,
test_ctypes' find_library cases fail either way (a minimal system has no compiler and no
ldconfig cache).

    SCIAGRAPH_CPYTHON_TESTS="test_gc test_mmap"   run these modules instead of the default subset
"""
import os
import re
import subprocess
import sys
import time
import unittest
import xml.etree.ElementTree as ElementTree

import harness
from harness import RunTestCase, env_with, run_sciagraph

PYTHON = harness.test_python()

# Measured on a 2-core VM like CI's, 3.11: plain about 1 min 50 s, under the profiler about
# 2 min 5 s; 3.14 (in the root, test_multiprocessing_fork split into four): plain about 1 min
# 35 s, under the profiler about 2 min 10 s (see REGRTEST_TIMEOUT_S below for the bound on a hung
# module).
DEFAULT_TESTS = [
    "test_threading", "test_thread", "test_threading_local",  # threads
    "test_mmap", "test_gc", "test_weakref", "test_tracemalloc",
    "test_sys_settrace", "test_sys_setprofile",
    "test_ctypes", "test_os", "test_faulthandler",
    "test_multiprocessing_fork",  # fork without exec, pools, shared memory
    "test_subprocess", "test_signal",
]

# regrtest's own per-module limit (--timeout): a module hung under the profiler (a child that
# never exits) turns into a "timed out" outcome instead of hanging the whole suite. The slowest
# module, test_multiprocessing_fork, takes about 80 s plain and under 4 min profiled.
REGRTEST_TIMEOUT_S = 420
# One whole run, either way; CTest's TIMEOUT must cover two of these.
RUN_TIMEOUT_S = 1500

# `0:00:12 load avg: 6.45 [ 5/14] test_threading passed (12.1 sec) -- running: test_os`. From
# 3.12 on, -j splits the slowest packages into their modules:
# `[13/18] test_multiprocessing_fork.test_manager passed`.
PROGRESS = re.compile(r"\[\s*\d+/\d+(?:/\d+)?\] (?P<test>test_[\w.]+) (?P<result>.*)$")
# What follows the outcome on a progress line: the duration and the modules still running.
DURATION = re.compile(r" \((?:[\d.]+ (?:ms|sec)|\d+ min(?: \d+ sec)?|\d+ hour.*?)\)")


def has_test_suite(python):
    """Whether `python` has CPython's regression tests (Debian ships them apart)."""
    try:
        probe = subprocess.run([python, "-c", "import test.libregrtest, test.test_threading"],
                               capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def reported_for(module, reported):
    """The names regrtest reported for a requested module: itself, or the parts of a package it
    split (test_multiprocessing_fork -> test_multiprocessing_fork.test_processes...)."""
    return [name for name in reported if name == module or name.startswith(module + ".")]


def tests_to_run():
    chosen = os.environ.get("SCIAGRAPH_CPYTHON_TESTS")
    return chosen.split() if chosen else list(DEFAULT_TESTS)


def regrtest_command(xml_path, tests):
    # -j2: the machine's two cores, and every module in a fresh worker process (so the profiled
    # run also covers exec'd children). -w re-runs a failed module once, verbosely, in both runs,
    # so that a test that is merely timing-sensitive on a loaded machine does not make the
    # comparison flaky; a failure the profiler causes fails twice. Re-runs are printed.
    return [PYTHON, "-m", "test", "-j2", "-w", "--timeout", str(REGRTEST_TIMEOUT_S),
            "--junit-xml", str(xml_path), *tests]


def module_outcomes(output):
    """({module: outcome}, [modules re-run]) from regrtest's output. The outcome is regrtest's
    own words ("passed", "failed (1 failure)", "skipped (resource denied)", "timed out"...); a
    module that failed and then passed its re-run counts as passed."""
    outcomes = {}
    for line in output.splitlines():
        match = PROGRESS.search(line)
        if match:
            result = match["result"].split(" -- ")[0]
            outcomes[match["test"]] = DURATION.sub("", result).strip()
    # The verbose re-run prints no progress line; its verdict is in the final summary.
    rerun = re.search(r"\n\d+ re-run tests?:\n(?P<names>(?:    .*\n)+)", output)
    again = re.search(r"\n\d+ tests? failed again:\n(?P<names>(?:    .*\n)+)", output)
    failing_again = set(again["names"].split()) if again else set()
    rerun_names = rerun["names"].split() if rerun else []
    for name in rerun_names:
        if name not in failing_again:
            outcomes[name] = "passed"
    return outcomes, rerun_names


def case_outcomes(xml_path):
    """{test case id: passed | skipped | failure | error} from regrtest's JUnit XML; a case seen
    twice (a re-run) keeps its last outcome."""
    outcomes = {}
    for case in ElementTree.parse(xml_path).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("skipped", "failure", "error"):
                outcome = child.tag
        outcomes[case.get("name")] = outcome
    return outcomes


def failure_texts(xml_path, names):
    """The failure messages of `names`, to show what went wrong under the profiler."""
    texts = []
    for case in ElementTree.parse(xml_path).getroot().iter("testcase"):
        if case.get("name") in names:
            for child in case:
                if child.tag in ("failure", "error"):
                    texts.append(f"{case.get('name')}:\n{(child.text or child.get('message'))}")
    return "\n".join(t[-1500:] for t in texts)


def differences(plain, profiled):
    return {name: (plain.get(name, "absent"), profiled.get(name, "absent"))
            for name in sorted(set(plain) | set(profiled))
            if plain.get(name) != profiled.get(name)}


@unittest.skipUnless(has_test_suite(PYTHON),
                     f"{PYTHON} has no CPython test suite (Debian's libpython3.X-testsuite: "
                     "scripts/install-deps.sh installs 3.11's, scripts/python-root.sh 3.14's)")
class CPythonRegressionTests(RunTestCase):
    def run_regrtest(self, name, profiled):
        xml_path = self.tmp / f"{name}.xml"
        command = regrtest_command(xml_path, tests_to_run())
        # TMPDIR stays the system's: some tests run children as another user (test_subprocess's
        # user= and group=), who could not enter a private scratch directory.
        env = env_with()
        started = time.monotonic()
        if profiled:
            result = run_sciagraph(command, self.out(), options=["-q"], env=env,
                                   cwd=self.tmp, timeout=RUN_TIMEOUT_S)
        else:
            result = harness.run_plain(command, env=env, cwd=self.tmp, timeout=RUN_TIMEOUT_S)
        seconds = time.monotonic() - started
        print(f"\n{name}: exit {result.returncode} in {seconds:.0f} s", file=sys.stderr)
        self.assertTrue(xml_path.is_file(), f"regrtest wrote no JUnit XML\n{result.describe()}")
        return result, xml_path

    def test_same_outcomes_plain_and_profiled(self):
        plain, plain_xml = self.run_regrtest("plain", profiled=False)
        profiled, profiled_xml = self.run_regrtest("profiled", profiled=True)
        plain_output = plain.stdout_text + plain.stderr_text
        profiled_output = profiled.stdout_text + profiled.stderr_text

        # What the profiler said (a child that changed user cannot write its dump, say): shown,
        # not judged; the outcomes below are the judgement.
        notes = sorted({line for line in profiled.stderr_text.splitlines()
                        if line.startswith("sciagraph:")})
        if notes:
            print("sciagraph said:\n  " + "\n  ".join(notes[:20]), file=sys.stderr)

        modules_plain, rerun_plain = module_outcomes(plain_output)
        modules_profiled, rerun_profiled = module_outcomes(profiled_output)
        if rerun_plain or rerun_profiled:
            print(f"re-run after a first failure: plain {rerun_plain}, "
                  f"profiled {rerun_profiled}", file=sys.stderr)
        missing = [m for m in tests_to_run() if not reported_for(m, modules_plain)]
        self.assertEqual(missing, [],
                         f"plain run did not report every module\n{plain_output[-3000:]}")
        module_diff = differences(modules_plain, modules_profiled)

        cases_plain = case_outcomes(plain_xml)
        cases_profiled = case_outcomes(profiled_xml)
        case_diff = differences(cases_plain, cases_profiled)

        self.assertFalse(
            module_diff or case_diff,
            f"outcomes differ under the profiler (plain, profiled):\n"
            f"modules: {module_diff}\ncases: {case_diff}\n"
            f"{failure_texts(profiled_xml, case_diff)}\n"
            f"--- profiled output (tail)\n{profiled_output[-3000:]}")
        self.assertEqual(profiled.returncode, plain.returncode, profiled.describe())
        print(f"{len(modules_plain)} modules, {len(cases_plain)} cases: same outcomes "
              f"({sum(o == 'passed' for o in cases_plain.values())} passed, "
              f"{sum(o == 'skipped' for o in cases_plain.values())} skipped)", file=sys.stderr)


if __name__ == "__main__":
    harness.main()
