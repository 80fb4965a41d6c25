"""Do no harm: with any failpoint on (design.md, "Failpoints"), a job with threads, a forked child,
a raw fork and a subprocess prints exactly what it prints unprofiled and exits with the same
status, and sciagraph says on stderr that profiling stopped and why.

One test per name that `sciagraph debug failpoints` lists, plus `all`."""
import re
import subprocess

import harness
from harness import RunTestCase, env_with, sciagraph_bin

# One line that says profiling (or the profile) could not go on, and why: "profiling failed:
# ...", "profiling stopped (...)", "could not write the profile dump: ...".
PROFILING_STOPPED = re.compile(
    r"^.*profil.*\b(stop|fail|disabl|could not|cannot|unable)"
    r"|^.*\b(stop|fail|disabl|could not|cannot|unable).*profil",
    re.IGNORECASE | re.MULTILINE)


def failpoint_names():
    try:
        listed = subprocess.run([sciagraph_bin(), "debug", "failpoints"], capture_output=True,
                                text=True, timeout=30)
    except OSError as error:
        return None, str(error)
    names = [line.strip() for line in listed.stdout.splitlines() if line.strip()]
    if listed.returncode != 0 or not names:
        return None, f"`sciagraph debug failpoints` exit {listed.returncode}: {listed.stderr}"
    return names, ""


class Failpoints(RunTestCase):
    _unprofiled = None

    def unprofiled(self):
        if Failpoints._unprofiled is None:
            Failpoints._unprofiled = self.plain("fp_job.py")
            self.assertEqual(Failpoints._unprofiled.returncode, 5,
                             Failpoints._unprofiled.describe())
        return Failpoints._unprofiled

    # Failpoints that make the interpreter itself unsupported: by default sciagraph then refuses
    # to start the job (fail fast, tested below); do-no-harm applies under run-unprofiled.
    REFUSING = {"wrong-offsets"}

    def check_failpoint(self, name):
        expected = self.unprofiled()
        options = ["--on-unsupported", "run-unprofiled"] if name in self.REFUSING else []
        result = self.profile("fp_job.py", options=options, expect_status=None,
                              env=env_with(SCIAGRAPH_FAILPOINTS=name))
        context = f"failpoint {name}\n{result.describe()}"
        self.assertEqual(result.returncode, expected.returncode, context)
        self.assertEqual(result.stdout_text, expected.stdout_text, context)
        self.assertIn("job stderr line", result.stderr_text, context)
        self.assertRegex(result.stderr_text, PROFILING_STOPPED, context)
        # The launcher still writes what it can: a summary saying what failed.
        self.assertTrue((self.out() / "summary.json").is_file(), context)

    def test_listing_names_the_required_spots(self):
        names, why = failpoint_names()
        self.assertIsNotNone(names, why)
        # design.md: at least the startup checks, the allocation hook path, the stack capture,
        # the sampler thread, the dump writer, the fork handler. Matched by word, so the core
        # may name them as it likes.
        for word in ["startup", "alloc", "stack", "sampler", "dump", "fork"]:
            self.assertTrue(any(word in n for n in names), f"no failpoint about {word}: {names}")

    def test_all(self):
        self.check_failpoint("all")

    def test_wrong_offsets_refuse_the_job_before_its_code(self):
        # One offset of the interpreter's layout wrong (on 3.13+ the offsets the interpreter
        # publishes in _Py_DebugOffsets; built in before): the start-up check against the public
        # C API catches it, and the job never starts: exit 125, one line naming the field.
        result = self.profile("fp_job.py", expect_status=125,
                              env=env_with(SCIAGRAPH_FAILPOINTS="wrong-offsets"))
        self.assertEqual(result.stdout_text, "", result.describe())
        lines = [line for line in result.stderr_text.splitlines() if line.strip()]
        self.assertTrue(any("native_thread_id differs" in line and "run-unprofiled" in line
                            for line in lines), result.describe())
        self.assertNotIn("job stderr line", result.stderr_text, result.describe())


def _add_one_test_per_failpoint():
    names, why = failpoint_names()
    if names is None:
        def test_failpoint_names_listed(self):
            self.fail(why)
        Failpoints.test_failpoint_names_listed = test_failpoint_names_listed
        return
    for name in names:
        def test(self, name=name):
            self.check_failpoint(name)
        setattr(Failpoints, "test_" + re.sub(r"\W", "_", name), test)


_add_one_test_per_failpoint()

if __name__ == "__main__":
    harness.main()
