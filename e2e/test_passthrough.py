"""The job's stdin, stdout, stderr, environment and signals are its own: `sciagraph run` is
transparent in a pipeline (design.md, "Command line")."""
import random
import signal
import subprocess

import harness
from harness import RunTestCase, env_with, run_sciagraph, sciagraph_bin, test_python

LIBM = "/usr/lib/x86_64-linux-gnu/libm.so.6"


class Streams(RunTestCase):
    def test_stdin_echoed_byte_identical(self):
        data = random.Random(7).randbytes(100 * 1024)
        result = self.profile("echo_stdin.py", input=data, options=["-q"])
        self.assertEqual(len(result.stdout), len(data))
        self.assertTrue(result.stdout == data, "stdout differs from stdin")

    def test_stdout_and_stderr_as_unprofiled(self):
        plain = self.plain("chatter.py")
        profiled = self.profile("chatter.py", options=["-q"])
        self.assertEqual(profiled.stdout, plain.stdout)
        self.assertEqual(profiled.stderr, plain.stderr)

    def test_closing_line_names_the_report(self):
        result = self.profile("exit_with.py", 0)
        self.assertEqual(result.stdout_text, "exiting with 0\n")
        self.assertIn(str(self.out()), result.stderr_text)

    def test_quiet_hides_the_closing_line(self):
        result = self.profile("exit_with.py", 0, options=["-q"])
        self.assertEqual(result.stdout_text, "exiting with 0\n")
        self.assertEqual(result.stderr_text, "")
        self.assertTrue((self.out() / "summary.json").exists())


class Environment(RunTestCase):
    def test_user_ld_preload_kept(self):
        result = self.profile("print_env.py", "LD_PRELOAD", options=["-q"],
                              env=env_with(LD_PRELOAD=LIBM))
        seen = result.stdout_text.strip().replace(":", " ").split()
        self.assertIn(LIBM, seen)
        self.assertTrue(any("sciagraph" in entry for entry in seen),
                        f"the core is not in the job's LD_PRELOAD: {seen}")

    def test_environment_otherwise_untouched(self):
        result = self.profile("print_env.py", "SCIAGRAPH_E2E_MARKER", options=["-q"],
                              env=env_with(SCIAGRAPH_E2E_MARKER="kept as is"))
        self.assertEqual(result.stdout_text, "kept as is\n")

    def test_working_directory_is_the_callers(self):
        command = [test_python(), "-c", "import os; print(os.getcwd())"]
        result = run_sciagraph(command, self.out(), options=["-q"], cwd=self.tmp)
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertEqual(result.stdout_text.strip(), str(self.tmp))

    def test_interpreter_starts_as_unprofiled(self):
        # The core adds nothing to the interpreter's start (its hook lives in C): the user's own
        # sitecustomize runs, and the job sees the modules and sys.path of an unprofiled start.
        user_site = self.tmp / "user-site"
        user_site.mkdir()
        (user_site / "sitecustomize.py").write_text("MARKER = 'the user site ran'\n")
        env = env_with(PYTHONPATH=str(user_site))
        plain = self.plain("interpreter_state.py", env=env)
        profiled = self.profile("interpreter_state.py", options=["-q"], env=env)
        self.assertIn("the user site ran", plain.stdout_text)
        self.assertEqual(profiled.stdout_text, plain.stdout_text)


class SignalForwarding(RunTestCase):
    def send_to_sciagraph(self, signum):
        """Starts sciagraph on a sleeping job, sends `signum` to sciagraph once the job says it
        is ready, returns sciagraph's exit status."""
        argv = [sciagraph_bin(), "run", "-q", "-o", str(self.out()), "--", test_python(),
                harness.program("sleep_ready.py"), "60"]
        with subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env_with()) as proc:
            try:
                line = proc.stdout.readline()
                self.assertEqual(line, b"ready\n", proc.stderr.read() if not line else line)
                proc.send_signal(signum)
                rest, err = proc.communicate(timeout=30)
            finally:
                if proc.poll() is None:
                    proc.kill()
            self.assertNotIn(b"woke up", rest)
            return proc.returncode, err

    def test_sigterm_reaches_the_job(self):
        status, err = self.send_to_sciagraph(signal.SIGTERM)
        self.assertEqual(status, 128 + signal.SIGTERM, err)
        self.assertTrue((self.out() / "summary.json").exists())

    def test_sigint_reaches_the_job(self):
        # Python turns SIGINT into KeyboardInterrupt and, uncaught, ends by the same signal.
        status, err = self.send_to_sciagraph(signal.SIGINT)
        self.assertEqual(status, 128 + signal.SIGINT, err)
        self.assertIn(b"KeyboardInterrupt", err)

    def test_sighup_reaches_the_job(self):
        status, err = self.send_to_sciagraph(signal.SIGHUP)
        self.assertEqual(status, 128 + signal.SIGHUP, err)


if __name__ == "__main__":
    harness.main()
