"""Shared helpers of the end-to-end tests: run real Python programs under `sciagraph run` and read
what it leaves behind.

Standard library only (unittest): the suite runs with /usr/bin/python3 on a fresh Debian 12
machine, where nothing else may be installed. CTest sets:
  SCIAGRAPH_BIN          the sciagraph executable under test
  SCIAGRAPH_TEST_PYTHON  the interpreter the jobs run with (the harness itself may run elsewhere)
  SCIAGRAPH_TEST_PYTHON_IN_JOB
                         the same interpreter's path as the job itself sees it, when another:
                         CPython 3.13-3.15 run inside a Debian unstable root
                         (scripts/python-root.sh), started through a wrapper that chroots
                         (ROOT/.sciagraph/bin/python3.X) and seen from inside as /usr/bin/python3.X
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import unittest
from pathlib import Path

E2E_DIR = Path(__file__).resolve().parent
PROGRAMS = E2E_DIR / "programs"

# One run of a job must never hang the suite; the slowest jobs here take a few seconds.
DEFAULT_TIMEOUT_S = 120

MB = 1000 * 1000
MiB = 1024 * 1024

# Generous allowance for what the interpreter itself holds at a peak (start-up, imports, numpy's
# own tables): peak_bytes must be at least the known allocation and at most this much above it.
INTERPRETER_OVERHEAD_BYTES = 40 * MB

# `function (filename:line)`, as design.md fixes it for Python frames in folded stacks.
PY_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*):(?P<line>\d+)\)$")


def sciagraph_bin():
    path = os.environ.get("SCIAGRAPH_BIN")
    if not path:
        # Run by hand from a source tree: the usual build directory.
        path = str(E2E_DIR.parent / "build" / "bin" / "sciagraph")
    return path


def test_python():
    return os.environ.get("SCIAGRAPH_TEST_PYTHON") or "/usr/bin/python3"


def test_python_in_job():
    """The job interpreter's path as the job sees it: what a job that starts it again by path
    must use (inside the root the wrapper's path does not exist)."""
    return os.environ.get("SCIAGRAPH_TEST_PYTHON_IN_JOB") or test_python()


def in_python_root():
    """True when the jobs run inside the Debian unstable root (a chroot), not on the host."""
    return test_python_in_job() != test_python()


def program(name):
    return str(PROGRAMS / name)


_numpy_cache = {}


def python_has_module(module, python=None):
    python = python or test_python()
    key = (python, module)
    if key not in _numpy_cache:
        probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True)
        _numpy_cache[key] = probe.returncode == 0
    return _numpy_cache[key]


def skip_unless_module(module):
    """unittest skip decorator: the job needs `module` in the test interpreter (pyenv's has no
    numpy; Debian's has numpy and pandas)."""
    return unittest.skipUnless(python_has_module(module),
                               f"{test_python()} has no {module}")


class Result:
    def __init__(self, completed, out_dir):
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.out_dir = Path(out_dir) if out_dir else None

    @property
    def stdout_text(self):
        return self.stdout.decode(errors="replace")

    @property
    def stderr_text(self):
        return self.stderr.decode(errors="replace")

    def describe(self):
        """A few lines to print when an assertion on this run fails."""
        return (f"exit {self.returncode}\n--- stdout (tail)\n{self.stdout_text[-2000:]}"
                f"\n--- stderr (tail)\n{self.stderr_text[-3000:]}")

    # What `run` leaves in the output directory.
    def summary(self):
        return load_summary(self.out_dir)

    def folded(self, name, pid=None):
        return parse_folded(self.file(name, pid))

    def file(self, name, pid=None):
        return process_dir(self.out_dir, pid) / name


def _stdin(input):
    # No input given: the job reads an empty stdin rather than the terminal or CTest's.
    return {} if input is not None else {"stdin": subprocess.DEVNULL}


def run_plain(command, *, input=None, env=None, cwd=None, timeout=DEFAULT_TIMEOUT_S):
    completed = subprocess.run(command, input=input, capture_output=True,
                               env=env if env is not None else env_with(), cwd=cwd,
                               timeout=timeout, **_stdin(input))
    return Result(completed, None)


def run_sciagraph(command, out_dir, *, options=(), input=None, env=None, cwd=None,
                  timeout=DEFAULT_TIMEOUT_S, output_option=True):
    """`sciagraph run -o OUT_DIR OPTIONS -- COMMAND`. `out_dir` None: no -o at all."""
    argv = [sciagraph_bin(), "run"]
    if out_dir is not None and output_option:
        argv += ["-o", str(out_dir)]
    argv += list(options) + ["--"] + list(command)
    completed = subprocess.run(argv, input=input, capture_output=True,
                               env=env if env is not None else env_with(), cwd=cwd,
                               timeout=timeout, **_stdin(input))
    return Result(completed, out_dir)


def env_with(**changes):
    """os.environ with `changes` applied; a value of None removes the variable."""
    env = dict(os.environ)
    # A failpoint or option left in the caller's environment (or the harness's own SCIAGRAPH_BIN)
    # would change every run: each run starts from none.
    for key in list(env):
        if key.startswith("SCIAGRAPH_"):
            del env[key]
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


# --- output directory ----------------------------------------------------------------------------

def load_summary(out_dir):
    with open(Path(out_dir) / "summary.json") as f:
        summary = json.load(f)
    assert_no_invariant_violated(summary)
    return summary


def assert_no_invariant_violated(summary):
    """Debug builds of the core count failed invariants (a total below zero, a stack freeing
    more than it holds) instead of crashing the job; every e2e run must have none."""
    for entry in summary.get("processes", []):
        marks = entry.get("coverage_marks") or {}
        if marks.get("invariant_violated", 0):
            raise AssertionError(f"process {entry.get('pid')} broke a core invariant "
                                 f"{marks['invariant_violated']} times: {marks}")


def marks_hit(summary, name):
    """How often the core reached the named branch, over every process; None in a release
    build, which counts no marks."""
    entries = [e.get("coverage_marks") or {} for e in summary.get("processes", [])]
    if not any(entries):
        return None
    return sum(int(m.get(name, 0)) for m in entries)


def load_config(out_dir):
    with open(Path(out_dir) / "config.toml", "rb") as f:
        return tomllib.load(f)


def process_dir(out_dir, pid=None):
    """The root's directory, or children/<pid>/ for another process (design.md's layout)."""
    out_dir = Path(out_dir)
    if pid is None:
        return out_dir
    return out_dir / "children" / str(pid)


def process_entry(summary, pid):
    for entry in summary.get("processes", []):
        if int(entry.get("pid", -1)) == int(pid):
            return entry
    raise AssertionError(f"summary.json has no process {pid}: "
                         f"{[p.get('pid') for p in summary.get('processes', [])]}")


def root_entry(summary):
    """The root process's entry: the one whose ppid is not another profiled process."""
    pids = {int(p["pid"]) for p in summary.get("processes", [])}
    roots = [p for p in summary.get("processes", []) if int(p.get("ppid", -1)) not in pids]
    if len(roots) != 1:
        raise AssertionError(f"expected one root process in summary.json, got {roots}")
    return roots[0]


# --- folded stacks -------------------------------------------------------------------------------

def parse_folded(path):
    """{stack: value} of a folded file; the stack is the text before the last space."""
    stacks = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            stack, sep, value = line.rpartition(" ")
            if not sep or not value.isdigit():
                raise AssertionError(f"{path}:{number}: not `stack value`: {line!r}")
            stacks[stack] = stacks.get(stack, 0) + int(value)
    return stacks


def frames(stack):
    return stack.split(";")


def python_frames(stack):
    """[(function, file, line)] of a stack's Python frames, root first."""
    result = []
    for frame in frames(stack):
        match = PY_FRAME.match(frame)
        if match:
            result.append((match["function"], match["file"], int(match["line"])))
    return result


def _same_file(frame_file, filename):
    # Programs are given by absolute path; accept a frame that names the file by base name too.
    return frame_file == filename or os.path.basename(frame_file) == os.path.basename(filename)


def total(folded):
    return sum(folded.values())


def bytes_at_line(folded, filename, line):
    """Sum over stacks whose leaf-most Python frame is at filename:line (what that line itself
    allocated, or spent)."""
    result = 0
    for stack, value in folded.items():
        py = python_frames(stack)
        if py and _same_file(py[-1][1], filename) and py[-1][2] == line:
            result += value
    return result


value_at_line = bytes_at_line  # the same, for microseconds in time-*.folded


def bytes_under_line(folded, filename, line):
    """Sum over stacks with any Python frame at filename:line (the line and what it called)."""
    result = 0
    for stack, value in folded.items():
        if any(_same_file(f, filename) and ln == line for _, f, ln in python_frames(stack)):
            result += value
    return result


value_under_line = bytes_under_line


def value_in_function(folded, function, filename=None):
    """Sum over stacks with a Python frame of `function` (in `filename` when given)."""
    result = 0
    for stack, value in folded.items():
        if any(fn == function and (filename is None or _same_file(f, filename))
               for fn, f, _ in python_frames(stack)):
            result += value
    return result


# `<short command> [pid N]`, the process frame at the root of each stack of job-peak.folded.
PROCESS_FRAME = re.compile(r"^(?P<command>.+) \[pid (?P<pid>\d+)\]$")


def by_process(folded):
    """{pid: {stack below the process frame: value}} from job-peak.folded."""
    result = {}
    for stack, value in folded.items():
        first, _, rest = stack.partition(";")
        match = PROCESS_FRAME.match(first)
        if match is None:
            raise AssertionError(f"a job stack without its process frame: {stack[:200]}")
        result.setdefault(int(match.group("pid")), {})[rest] = value
    return result


def describe_folded(folded, top=8):
    """The largest stacks, for a failure message."""
    ranked = sorted(folded.items(), key=lambda kv: -kv[1])[:top]
    return "\n".join(f"  {value:>14,}  {stack[-220:]}" for stack, value in ranked)


# --- assertions ----------------------------------------------------------------------------------

# A stack's bytes at the peak against the known answer: within 3% (the accuracy the README
# promises for stacks holding >= 5% of the peak).
ATTRIBUTION_TOLERANCE = 0.03


def assert_peak_near(peak, expected, what="peak_bytes"):
    """A peak total: at least the known allocation, at most that plus what the interpreter itself
    holds (INTERPRETER_OVERHEAD_BYTES)."""
    if peak is None:
        raise AssertionError(f"{what} unknown")
    if peak < expected:
        raise AssertionError(f"{what} below the known {expected:,}")
    if peak > expected + INTERPRETER_OVERHEAD_BYTES:
        raise AssertionError(f"{what} {peak:,} far above the known {expected:,}")


def assert_bytes_at_line(folded, name, line, marker, expected, tolerance=ATTRIBUTION_TOLERANCE,
                         value_of=None):
    """The bytes at `name`:`line` (which must carry `marker`) within `tolerance` of `expected`;
    on failure, the largest stacks."""
    assert_line_is(program(name), line, marker)
    value_of = value_of or bytes_at_line
    try:
        assert_within(value_of(folded, name, line), expected, tolerance, f"bytes at {name}:{line}")
    except AssertionError as error:
        raise AssertionError(f"{error}\nlargest stacks:\n{describe_folded(folded)}")


def assert_within(actual, expected, rel_tol, msg=""):
    """|actual - expected| <= rel_tol * expected."""
    if abs(actual - expected) > rel_tol * abs(expected):
        raise AssertionError(
            f"{msg}: got {actual:,}, expected {expected:,} within {rel_tol:.0%} "
            f"(off by {(actual - expected) / expected:+.1%})")


# CPython 3.12+ warns on os.fork() in a multi-threaded process, naming the pid:
# "DeprecationWarning: This process (pid=1234) is multi-threaded, use of fork() may lead to...".
FORK_WARNING_PID = re.compile(r"(This process \(pid=)\d+(\) is multi-threaded)")


def comparable_stderr(text):
    """A job's stderr with what differs from run to run of the same job taken out (the pid in
    CPython's fork warning), to compare a profiled run with an unprofiled one."""
    return FORK_WARNING_PID.sub(r"\1N\2", text)


def assert_line_is(path, line, marker):
    """The test's expected line numbers are written in the test; this catches a program edited
    under them: the line must carry its marker comment."""
    text = Path(path).read_text().splitlines()
    if line > len(text) or marker not in text[line - 1]:
        found = [i + 1 for i, t in enumerate(text) if marker in t]
        raise AssertionError(f"{path}:{line} should carry {marker!r} (found at {found})")


class RunTestCase(unittest.TestCase):
    """A test with its own scratch directory and helpers to run a program both ways."""

    maxDiff = 4000
    # Options every run of this class adds (e.g. ["--exact"] for the exact-mode variants).
    EXTRA_OPTIONS = []

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="sciagraph-e2e-"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def out(self, name="out"):
        return self.tmp / name

    def profile(self, program_name, *args, options=(), expect_status=0, **kwargs):
        """Runs programs/<program_name> under sciagraph; checks the exit status."""
        out_dir = self.out(kwargs.pop("out_name", "out"))
        command = [test_python(), program(program_name)] + [str(a) for a in args]
        result = run_sciagraph(command, out_dir, options=list(self.EXTRA_OPTIONS) + list(options),
                               **kwargs)
        if expect_status is not None:
            self.assertEqual(result.returncode, expect_status, result.describe())
        return result

    def plain(self, program_name, *args, **kwargs):
        return run_plain([test_python(), program(program_name)] + [str(a) for a in args],
                         **kwargs)


def main():
    inside = f" ({test_python_in_job()} inside the root)" if in_python_root() else ""
    print(f"sciagraph: {sciagraph_bin()}\njob interpreter: {test_python()}{inside}",
          file=sys.stderr)
    unittest.main(verbosity=2)
