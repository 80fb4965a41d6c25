"""`sciagraph report RUN --format pprof` (design.md, "Command line"): profile.pb.gz per process
and job.pb.gz for the job, read by `go tool pprof` (Debian's golang-go): each sample type's
total is its folded file's (bytes; microseconds × 1000), and `go tool pprof -top` reads every
sample type. Skipped, with the reason, where `go` is not on PATH."""
import re
import shutil
import subprocess
import time

import harness
from harness import RunTestCase

GO = shutil.which("go")
SKIP_REASON = "go not on PATH: install golang-go to check the pprof export with go tool pprof"

# The folded file each sample type is checked against, and what one of its units is in pprof's.
FOLDED_OF_TYPE = {"inuse_space": ("memory-peak.folded", 1),
                  "cpu": ("time-cpu.folded", 1000),
                  "wait": ("time-wait.folded", 1000)}
JOB_FOLDED_OF_TYPE = {"inuse_space": ("job-peak.folded", 1),
                      "cpu": ("job-time-cpu.folded", 1000),
                      "wait": ("job-time-wait.folded", 1000)}

SAMPLE_LINE = re.compile(r"^\s*(-?\d+(?:\s+-?\d+)*): ")


class Raw:
    """What `go tool pprof -raw` prints of a profile: its sample types and totals, its period."""

    def __init__(self, text):
        lines = text.splitlines()
        at = lines.index("Samples:")
        header = lines[at + 1].split()
        self.types = [t.split("/")[0] for t in header]
        self.units = [t.split("/")[1].replace("[dflt]", "") for t in header]
        defaults = [t.split("/")[0] for t in header if t.endswith("[dflt]")]
        self.default = defaults[0] if defaults else None
        self.totals = dict.fromkeys(self.types, 0)
        self.samples = 0
        for line in lines[at + 2:]:
            match = SAMPLE_LINE.match(line)
            if match is None:
                break
            self.samples += 1
            for name, value in zip(self.types, match.group(1).split()):
                self.totals[name] += int(value)
        self.period_type = next((line.split(None, 1)[1] for line in lines
                                 if line.startswith("PeriodType: ")), None)
        self.period = next((int(line.split()[1]) for line in lines if line.startswith("Period: ")),
                           None)


class PprofExport(RunTestCase):
    def setUp(self):
        super().setUp()
        if GO is None:
            self.skipTest(SKIP_REASON)

    def go_pprof(self, *args):
        """`go tool pprof ARGS` with a Go cache of its own (CI has no writable HOME)."""
        home = self.tmp / "gohome"
        home.mkdir(exist_ok=True)
        env = harness.env_with(HOME=str(home), GOCACHE=str(home / "cache"),
                               GOPATH=str(home / "path"), GOTOOLCHAIN="local", GOFLAGS=None)
        started = time.monotonic()
        done = subprocess.run([GO, "tool", "pprof", *map(str, args)], capture_output=True,
                              text=True, env=env, cwd=self.tmp, timeout=120)
        self.go_seconds = time.monotonic() - started
        self.assertEqual(done.returncode, 0, f"go tool pprof {args}: {done.stderr}")
        # A symbolised profile: pprof has no binary to look for, nothing to warn about.
        self.assertEqual(done.stderr, "", f"go tool pprof {args}")
        return done.stdout

    def report_pprof(self, run_dir):
        out = self.out("pprof")
        done = subprocess.run([harness.sciagraph_bin(), "report", str(run_dir), "--format",
                               "pprof", "-o", str(out)], capture_output=True, text=True,
                              timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        return out

    def check_against_folded(self, profile, folded_dir, folded_of_type, types):
        raw = Raw(self.go_pprof("-raw", profile))
        self.assertEqual(raw.types, types, f"{profile}: sample types")
        for name in types:
            folded_name, scale = folded_of_type[name]
            expected = harness.total(harness.parse_folded(folded_dir / folded_name)) * scale
            self.assertEqual(raw.totals[name], expected,
                             f"{profile}: {name} total against {folded_name}")
        for name in types:
            top = self.go_pprof("-top", f"-sample_index={name}", profile)
            self.assertIn(f"Type: {name}", top)
        return raw

    def test_process_profile_totals_equal_the_folded_files(self):
        result = self.profile("small_job.py")
        self.assertFalse((self.out() / "profile.pb.gz").exists(),
                         "sciagraph run writes pprof only when asked for")
        out = self.report_pprof(self.out())
        self.assertTrue((out / "profile.pb.gz").is_file())
        self.assertFalse((out / "index.html").exists(), "--format pprof alone wrote the page")
        raw = self.check_against_folded(out / "profile.pb.gz", self.out(), FOLDED_OF_TYPE,
                                        ["inuse_space", "cpu", "wait"])
        self.assertEqual(raw.default, "inuse_space")
        self.assertEqual(raw.period_type, "space bytes")
        self.assertEqual(raw.period, harness.root_entry(result.summary())
                         ["memory_sample_interval_bytes"])
        self.assertGreater(raw.totals["inuse_space"], 30 * harness.MB)
        # The allocating line by its function, as pprof names it (no demangling of `<module>`).
        top = self.go_pprof("-top", out / "profile.pb.gz")
        self.assertRegex(top, r"\ballocate\n")
        self.assertIn("<module>", top)
        self.assertNotIn("<unknown>", top)

    def test_time_only_run_is_a_cpu_profile(self):
        result = self.profile("small_job.py", options=["--mode", "time"])
        out = self.report_pprof(self.out())
        raw = self.check_against_folded(out / "profile.pb.gz", self.out(), FOLDED_OF_TYPE,
                                        ["cpu", "wait"])
        self.assertEqual(raw.default, "cpu")
        self.assertEqual(raw.period_type, "cpu nanoseconds")
        self.assertEqual(raw.period, 1_000_000_000 // harness.load_config(self.out())["time_hz"])
        self.assertGreater(raw.totals["cpu"], 0, result.describe())

    def test_child_and_job_profiles(self):
        result = self.profile("job_peak.py", "fork")
        match = re.search(r"child (\d+) exit 0 ", result.stdout_text)
        self.assertIsNotNone(match, result.describe())
        child = int(match.group(1))
        out = self.report_pprof(self.out())
        types = ["inuse_space", "cpu", "wait"]
        self.check_against_folded(out / "children" / str(child) / "profile.pb.gz",
                                  harness.process_dir(self.out(), child), FOLDED_OF_TYPE, types)
        job = self.check_against_folded(out / "job.pb.gz", self.out(), JOB_FOLDED_OF_TYPE, types)
        # The job's peak: the parent's 100 MB and the child's 200 MB, as sampled.
        self.assertGreater(job.totals["inuse_space"], 250 * harness.MB)
        top = self.go_pprof("-top", "-sample_index=inuse_space", out / "job.pb.gz")
        self.assertIn(f"[pid {child}]", top)


if __name__ == "__main__":
    harness.main()
