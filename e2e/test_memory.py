"""Peak memory with known answers (issue: memory core). Each case writes the bytes it expects and
the line that allocates them, with the tolerance next to them. Every case runs twice: in the
default (sampled) mode and with --exact.

Checks, per case:
  - peak_bytes in summary.json: at least the known allocation, at most that plus
    INTERPRETER_OVERHEAD_BYTES (what the interpreter itself holds: start-up, imports);
  - memory-peak.folded: the bytes whose leaf-most Python frame is the known line, within 3%
    (every stack holding >= 5% of the peak must be within 3% of its true bytes).
"""
import re

import harness
from harness import (MB, MiB, RunTestCase, assert_within, bytes_at_line, program, run_sciagraph,
                     test_python)

ATTRIBUTION_TOLERANCE = harness.ATTRIBUTION_TOLERANCE


class MemoryCases(RunTestCase):
    def check_peak(self, summary, expected):
        harness.assert_peak_near(summary["peak_bytes"], expected)

    def check_line(self, folded, name, line, marker, expected, tolerance=ATTRIBUTION_TOLERANCE,
                   value_of=bytes_at_line):
        harness.assert_bytes_at_line(folded, name, line, marker, expected, tolerance, value_of)

    def check_case(self, name, line, marker, expected, value_of=bytes_at_line):
        result = self.profile(name)
        self.check_peak(result.summary(), expected)
        folded = result.folded("memory-peak.folded")
        self.check_line(folded, name, line, marker, expected, value_of=value_of)
        # The folded file is the live set at the peak: its total is the peak, give or take the
        # sampling estimate of the interpreter's own small allocations.
        assert_within(harness.total(folded), result.summary()["peak_bytes"], 0.10,
                      "total of memory-peak.folded against peak_bytes")
        return result

    @harness.skip_unless_module("numpy")
    def test_numpy_array(self):
        # np.ones is Python code (numpy/core/numeric.py): the line is a caller of the leaf-most
        # Python frame, so count the stacks that pass through it.
        self.check_case("mem_numpy.py", 6, "# NUMPY", 200 * MB,
                        value_of=harness.bytes_under_line)

    def test_bytearray(self):
        self.check_case("mem_bytearray.py", 5, "# BYTEARRAY", 100 * MiB)

    def test_realloc_growth_and_a_punched_mapping(self):
        result = self.profile("mem_growth.py")
        summary = result.summary()
        self.check_peak(summary, 64 * MiB + 24 * MiB)
        folded = result.folded("memory-peak.folded")
        self.check_line(folded, "mem_growth.py", 13, "# GROW", 64 * MiB)
        self.check_line(folded, "mem_growth.py", 24, "# PUNCH", 24 * MiB)
        # Debug builds: the branches this case is for were reached.
        for mark in ("realloc_kept_sample", "munmap_split"):
            hit = harness.marks_hit(summary, mark)
            if hit is not None:
                self.assertGreater(hit, 0, f"coverage mark {mark} never hit")

    def test_anonymous_mmap(self):
        self.check_case("mem_mmap.py", 6, "# MMAP", 64 * MiB)

    def test_libc_malloc_through_ctypes(self):
        self.check_case("mem_ctypes_malloc.py", 11, "# MALLOC", 50 * MiB)

    def test_millions_of_small_objects(self):
        result = self.profile("mem_small_objects.py")
        folded = result.folded("memory-peak.folded")
        harness.assert_line_is(program("mem_small_objects.py"), 5, "# OBJECTS")
        at_line = bytes_at_line(folded, "mem_small_objects.py", 5)
        # 2 million (int, str, float) tuples in a list: about 170 bytes each with their objects.
        self.assertGreaterEqual(at_line, 250 * MB, harness.describe_folded(folded))
        self.assertGreaterEqual(at_line / harness.total(folded), 0.90,
                                "under 90% of the peak at the line that built the objects:\n"
                                + harness.describe_folded(folded))
        # What is attributed to the line was live at the peak: it cannot exceed the exact peak
        # (beyond the sampling estimate's error).
        self.assertLessEqual(at_line * (1 - ATTRIBUTION_TOLERANCE),
                             result.summary()["peak_bytes"],
                             f"{at_line:,} bytes attributed to the line, more than the peak")

    def test_threads_each_at_their_own_line(self):
        result = self.profile("mem_threads.py")
        self.check_peak(result.summary(), 150 * MB)
        folded = result.folded("memory-peak.folded")
        self.check_line(folded, "mem_threads.py", 11, "# THREAD_A", 30 * MB)
        self.check_line(folded, "mem_threads.py", 18, "# THREAD_B", 50 * MB)
        self.check_line(folded, "mem_threads.py", 25, "# THREAD_C", 70 * MB)

    def test_fork_child_has_its_own_peak(self):
        result = self.profile("mem_fork_child.py")
        match = re.search(r"child (\d+) exit 0", result.stdout_text)
        self.assertIsNotNone(match, result.describe())
        pid = int(match.group(1))
        summary = result.summary()
        child = harness.process_entry(summary, pid)
        self.assertGreaterEqual(child["peak_bytes"], 80 * MB)
        self.assertLessEqual(child["peak_bytes"], 80 * MB + harness.INTERPRETER_OVERHEAD_BYTES)
        # The child's 80 MB is its own, not the parent's.
        self.assertLess(harness.root_entry(summary)["peak_bytes"], 80 * MB)
        child_dir = harness.process_dir(self.out(), pid)
        for name in ["memory-peak.folded", "memory-peak.svg", "index.html"]:
            self.assertTrue((child_dir / name).is_file(), f"children/{pid}/{name} missing")
        folded = result.folded("memory-peak.folded", pid)
        self.check_line(folded, "mem_fork_child.py", 6, "# CHILD", 80 * MB)

    def test_exec_child_has_its_own_peak(self):
        result = self.profile("mem_subprocess.py")
        match = re.search(r"exec child (\d+) ", result.stdout_text)
        self.assertIsNotNone(match, result.describe())
        pid = int(match.group(1))
        child = harness.process_entry(result.summary(), pid)
        self.assertGreaterEqual(child["peak_bytes"], 40 * MB)
        self.assertLessEqual(child["peak_bytes"], 40 * MB + harness.INTERPRETER_OVERHEAD_BYTES)
        folded = result.folded("memory-peak.folded", pid)
        self.check_line(folded, "mem_exec_child.py", 6, "# EXEC_CHILD", 40 * MB)

    def test_only_what_is_live_at_the_peak(self):
        result = self.profile("mem_before_after_peak.py")
        self.check_peak(result.summary(), 150 * MB)
        folded = result.folded("memory-peak.folded")
        self.check_line(folded, "mem_before_after_peak.py", 10, "# PEAK", 150 * MB)
        for line, marker in [(6, "# BEFORE"), (14, "# AFTER")]:
            harness.assert_line_is(program("mem_before_after_peak.py"), line, marker)
            # Freed before the peak or allocated after it: nothing there at the peak.
            self.assertLess(bytes_at_line(folded, "mem_before_after_peak.py", line), 1 * MB,
                            f"{marker} shows at the peak:\n{harness.describe_folded(folded)}")

    def test_memory_error_caught_by_the_job(self):
        result = self.profile("mem_memory_error.py")
        self.assertEqual(result.stdout_text, f"caught MemoryError\n{30 * MB}\n")
        # The refused petabyte was never live.
        self.check_peak(result.summary(), 30 * MB)
        folded = result.folded("memory-peak.folded")
        self.check_line(folded, "mem_memory_error.py", 9, "# AFTERWARDS", 30 * MB)


class MemoryCasesExact(MemoryCases):
    """The same cases with every allocation's stack recorded (the accuracy reference)."""

    EXTRA_OPTIONS = ["--exact"]


class StartFlags(RunTestCase):
    """Every way Python starts keeps its stacks. -I and -E ignore PYTHON* variables, -s skips the
    user's site directory and -S never imports site: the core learns that the interpreter is ready
    from an audit hook of its own, so each gives the stacks a plain start gives."""

    def peak_stack(self, flags):
        out = self.out("out" + "".join(flags).replace("-", "_"))
        command = [test_python(), *flags, program("mem_bytearray.py")]
        result = run_sciagraph(command, out, options=["-q"])
        self.assertEqual(result.returncode, 0, result.describe())
        folded = result.folded("memory-peak.folded")
        stack, value = max(folded.items(), key=lambda item: item[1])
        cpu = result.folded("time-cpu.folded")
        self.assertTrue(any("mem_bytearray.py" in s for s in cpu),
                        f"no time sample in the job's code with {flags}: {list(cpu)[:5]}")
        return stack, value

    def test_same_stacks_whatever_the_start_flags(self):
        harness.assert_line_is(program("mem_bytearray.py"), 5, "# BYTEARRAY")
        plain_stack, plain_bytes = self.peak_stack([])
        self.assertTrue(plain_stack.endswith("allocate (%s:5)" % program("mem_bytearray.py")),
                        plain_stack)
        for flags in (["-I"], ["-E"], ["-s"], ["-S"], ["-E", "-s"], ["-I", "-S"]):
            with self.subTest(flags=flags):
                stack, value = self.peak_stack(flags)
                self.assertEqual(stack, plain_stack)
                assert_within(value, plain_bytes, ATTRIBUTION_TOLERANCE,
                              f"peak stack with {flags}")


if __name__ == "__main__":
    harness.main()
