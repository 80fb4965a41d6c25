"""`sciagraph run` exits as the job did (design.md, "run exit status"), and with 125/126/127 when
it cannot start the job, with one clear line on stderr."""
import signal
import stat

import harness
from harness import MB, RunTestCase, run_sciagraph, test_python


class JobStatus(RunTestCase):
    def test_success_is_0(self):
        self.profile("exit_with.py", 0, expect_status=0)

    def test_sys_exit_status_is_kept(self):
        result = self.profile("exit_with.py", 3, expect_status=3)
        self.assertEqual(result.stdout_text, "exiting with 3\n")

    def test_uncaught_exception_is_1(self):
        result = self.profile("raise_error.py", expect_status=1)
        self.assertIn("RuntimeError: deliberate failure", result.stderr_text)

    def test_job_killed_by_sigterm_is_143(self):
        self.profile("kill_self.py", "TERM", 0.2, expect_status=128 + signal.SIGTERM)

    def test_job_killed_by_sigkill_is_137_and_still_rendered(self):
        # The job holds 60 MB for 1.5 s, then SIGKILL: no exit handler runs, so what is rendered
        # comes from the dump the core keeps up to date while the job runs.
        result = self.profile("kill_self.py", "KILL", 1.5, expect_status=128 + signal.SIGKILL)
        summary = result.summary()
        self.assertEqual(summary["exit_code"], 137)
        root = harness.root_entry(summary)
        self.assertGreaterEqual(root["peak_bytes"], 60 * MB, summary)
        folded = result.folded("memory-peak.folded")
        hold_line = 10
        harness.assert_line_is(harness.program("kill_self.py"), hold_line, "# HOLD")
        harness.assert_within(harness.bytes_at_line(folded, "kill_self.py", hold_line), 60 * MB,
                              0.03, "bytes at hold() after SIGKILL")


class CannotStart(RunTestCase):
    def assert_one_clear_line(self, result, *words):
        lines = [line for line in result.stderr_text.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, f"expected one line on stderr:\n{result.stderr_text}")
        for word in words:
            self.assertIn(word, lines[0])

    def test_command_not_found_is_127(self):
        result = run_sciagraph(["/nonexistent/sciagraph-no-such-command"], self.out())
        self.assertEqual(result.returncode, 127, result.describe())
        self.assert_one_clear_line(result, "/nonexistent/sciagraph-no-such-command")

    def test_command_not_on_path_is_127(self):
        result = run_sciagraph(["sciagraph-no-such-command-on-path"], self.out())
        self.assertEqual(result.returncode, 127, result.describe())
        self.assert_one_clear_line(result, "sciagraph-no-such-command-on-path")

    def test_file_not_executable_is_126(self):
        script = self.tmp / "not-executable.py"
        script.write_text(f"#!{test_python()}\nprint('should not run')\n")
        script.chmod(stat.S_IRUSR | stat.S_IWUSR)
        # Root may execute any file with an x bit; this one has none at all.
        result = run_sciagraph([str(script)], self.out())
        self.assertEqual(result.returncode, 126, result.describe())
        self.assertNotIn("should not run", result.stdout_text)
        self.assert_one_clear_line(result, str(script))

    def test_directory_as_command_is_126(self):
        result = run_sciagraph([str(self.tmp)], self.out())
        self.assertEqual(result.returncode, 126, result.describe())

    def test_bad_option_is_125(self):
        result = run_sciagraph([test_python(), "-c", "print('ran')"], self.out(),
                               options=["--no-such-option"])
        self.assertEqual(result.returncode, 125, result.describe())
        self.assertNotIn("ran", result.stdout_text)
        self.assertIn("--no-such-option", result.stderr_text)

    def test_bad_mode_is_125(self):
        result = run_sciagraph([test_python(), "-c", "print('ran')"], self.out(),
                               options=["--mode", "everything"])
        self.assertEqual(result.returncode, 125, result.describe())
        self.assertNotIn("ran", result.stdout_text)

    def test_output_under_a_regular_file_is_125(self):
        # Tests run as root, so a read-only directory would not stop us: a path under a regular
        # file can never be created.
        blocker = self.tmp / "a-file"
        blocker.write_text("x")
        result = run_sciagraph([test_python(), "-c", "print('ran')"], blocker / "out")
        self.assertEqual(result.returncode, 125, result.describe())
        self.assertNotIn("ran", result.stdout_text)
        self.assert_one_clear_line(result, str(blocker / "out"))

    def test_output_under_proc_is_125(self):
        result = run_sciagraph([test_python(), "-c", "print('ran')"], "/proc/sciagraph-e2e-out")
        self.assertEqual(result.returncode, 125, result.describe())
        self.assertNotIn("ran", result.stdout_text)


if __name__ == "__main__":
    harness.main()
