"""`sciagraph report --diff BEFORE AFTER -o D` (design.md, "Command line"): the same job at two
sizes, compared; inputs of different kinds and missing inputs refused in one line with their
own status; the diff page loads in a headless browser."""
import re
import subprocess
from pathlib import Path

import harness
from harness import MiB, RunTestCase, env_with, sciagraph_bin

PROGRAM = "mem_sized.py"
LINE = 7  # allocate(): the bytearray

# ExitStatus of report/errors.h, as the README's table of `report` statuses gives them.
MISSING_INPUT = 2
MISMATCH = 7

HTML_CHECK = Path(__file__).resolve().parent.parent / "tests" / "report" / "html_check.sh"


def report(*args):
    return subprocess.run([sciagraph_bin(), "report", *map(str, args)], capture_output=True,
                          env=env_with(), timeout=120, stdin=subprocess.DEVNULL)


def diff_lines(path):
    """{stack: (before, after)} of a `stack before after` file."""
    lines = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        head, before, after = line.rsplit(" ", 2)
        if not (before.isdigit() and after.isdigit()):
            raise AssertionError(f"{path}:{number}: not `stack before after`: {line!r}")
        lines[head] = (int(before), int(after))
    return lines


def at_line(lines, filename, line):
    """(before, after) summed over stacks whose leaf-most Python frame is filename:line."""
    before = after = 0
    for stack, (b, a) in lines.items():
        py = harness.python_frames(stack)
        if py and Path(py[-1][1]).name == filename and py[-1][2] == line:
            before += b
            after += a
    return before, after


class DiffCases(RunTestCase):
    def two_runs(self, before_options=("--mode", "memory"), after_options=("--mode", "memory")):
        self.profile(PROGRAM, 20, options=before_options, out_name="run1")
        self.profile(PROGRAM, 60, options=after_options, out_name="run2")
        return self.out("run1"), self.out("run2")

    def assert_one_line(self, result):
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        self.assertEqual(len(lines), 1, f"stderr is not one line: {lines}")
        return lines[0]

    def test_grown_line_has_both_sizes(self):
        harness.assert_line_is(harness.program(PROGRAM), LINE, "SIZED")
        run1, run2 = self.two_runs()
        d = self.out("d")
        result = report("--diff", run1, run2, "-o", d)
        self.assertEqual(result.returncode, 0, result.stderr.decode(errors="replace"))
        self.assertTrue((d / "index.html").is_file())
        # Memory-only runs: no time to compare.
        self.assertFalse((d / "time.diff.folded").exists())
        lines = diff_lines(d / "memory-peak.diff.folded")
        before, after = at_line(lines, PROGRAM, LINE)
        # Allocations of 256 KiB and more are recorded with their exact size.
        harness.assert_within(before, 20 * MiB, 0.01, "before at the line")
        harness.assert_within(after, 60 * MiB, 0.01, "after at the line")
        # Every line has both columns; a stack only one side has is 0 on the other.
        self.assertTrue(all(b or a for b, a in lines.values()))
        html = (d / "index.html").read_text(encoding="utf-8")
        self.assertIsNone(re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?https?:", html),
                          "the diff page loads something from the network")

        # The same comparison the other way round: the line shrank.
        back = self.out("back")
        result = report("--diff", run2, run1, "-o", back)
        self.assertEqual(result.returncode, 0, result.stderr.decode(errors="replace"))
        self.assertEqual(at_line(diff_lines(back / "memory-peak.diff.folded"), PROGRAM, LINE),
                         (after, before))

        # The diff page in a real headless browser: loads with no console error, search, zoom.
        check = subprocess.run(["sh", str(HTML_CHECK), str(d / "index.html")],
                               capture_output=True, timeout=240)
        if check.returncode == 77:
            self.skipTest("chromium is not installed")
        self.assertEqual(check.returncode, 0,
                         check.stdout.decode(errors="replace") +
                         check.stderr.decode(errors="replace"))

    def test_memory_against_time_is_refused(self):
        run1, run2 = self.two_runs(after_options=("--mode", "time"))
        d = self.out("d")
        result = report("--diff", run1, run2, "-o", d)
        self.assertEqual(result.returncode, MISMATCH, result.stderr.decode(errors="replace"))
        line = self.assert_one_line(result)
        self.assertIn("memory only", line)
        self.assertIn("time only", line)
        self.assertFalse(d.exists())

    def test_missing_input_is_refused(self):
        self.profile(PROGRAM, 20, options=("--mode", "memory"), out_name="run1")
        result = report("--diff", self.out("run1"), self.out("nowhere"), "-o", self.out("d"))
        self.assertEqual(result.returncode, MISSING_INPUT)
        self.assertIn("nowhere", self.assert_one_line(result))


if __name__ == "__main__":
    harness.main()
