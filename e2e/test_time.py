"""Time profile with known answers (issue: time profile). time-cpu.folded and time-wait.folded
hold microseconds per stack; the expected seconds, lines and tolerances are written per case."""
import json
import re

import harness
from harness import (RunTestCase, assert_within, program, value_at_line, value_in_function,
                     value_under_line)

US = 1_000_000
OWN_CATEGORY_TOLERANCE = 0.10   # a thread's time in its own category: within 10%
OTHER_CATEGORY_LIMIT = 0.05     # ...and under 5% of it in the other category


class TimeCases(RunTestCase):
    def times(self, result, pid=None):
        return result.folded("time-cpu.folded", pid), result.folded("time-wait.folded", pid)

    def check_category(self, own, other, value_of, seconds, what,
                       tolerance=OWN_CATEGORY_TOLERANCE):
        """value_of(folded) within `tolerance` of `seconds` in `own`, under 5% of it in `other`."""
        actual = value_of(own)
        try:
            assert_within(actual, seconds * US, tolerance, what)
        except AssertionError as error:
            raise AssertionError(f"{error}\nlargest stacks:\n{harness.describe_folded(own)}")
        self.assertLess(value_of(other), OTHER_CATEGORY_LIMIT * seconds * US,
                        f"{what}: too much in the other category\n"
                        + harness.describe_folded(other))

    def test_compute_versus_sleep(self):
        result = self.profile("time_cpu_vs_sleep.py")
        cpu, wait = self.times(result)
        name = "time_cpu_vs_sleep.py"
        harness.assert_line_is(program(name), 12, "# SPIN")
        harness.assert_line_is(program(name), 17, "# SLEEP")
        # spin() computes until it has used 2 s of CPU; on a busy machine it also waits for a
        # core, which counts as CPU (it wants to compute): expect its whole lifetime.
        spin_seconds = json.loads(result.stdout_text)["spin"]
        self.check_category(cpu, wait, lambda f: value_in_function(f, "spin", name),
                            spin_seconds, "CPU of spin()")
        self.check_category(wait, cpu, lambda f: value_in_function(f, "sleepy", name), 2.0,
                            "waiting of sleepy()")
        self.check_category(cpu, wait, lambda f: value_at_line(f, name, 12), spin_seconds,
                            "CPU at the spin line")
        self.check_category(wait, cpu, lambda f: value_at_line(f, name, 17), 2.0,
                            "waiting at the sleep line")

    def test_total_sampled_time_is_wall_times_threads(self):
        result = self.profile("time_cpu_vs_sleep.py")
        cpu, wait = self.times(result)
        lifetimes = json.loads(result.stdout_text)
        # The main thread lives as long as the job; the two others as long as they printed.
        expected = result.summary()["wall_seconds"] + lifetimes["spin"] + lifetimes["sleepy"]
        assert_within(harness.total(cpu) + harness.total(wait), round(expected * US), 0.05,
                      "CPU + waiting of all threads against wall x live threads")

    def test_nested_calls_exact_lines(self):
        name = "time_nested.py"
        path = program(name)
        for line, marker in [(15, "# HOT"), (21, "# CALL_LONG"), (22, "# CALL_SHORT"),
                             (26, "# CALL_MIDDLE"), (29, "# CALL_OUTER")]:
            harness.assert_line_is(path, line, marker)
        result = self.profile(name)
        runqueue = json.loads(result.stdout_text)
        cpu, wait = self.times(result)

        def under(call_line):
            # The Python frames of the stack end exactly with these, root first.
            tail = [("<module>", 29), ("outer", 26), ("middle", call_line), ("hot", 15)]

            def value(folded):
                total = 0
                for stack, v in folded.items():
                    py = [(fn, ln) for fn, f, ln in harness.python_frames(stack)
                          if f.endswith(name)]
                    if py[-len(tail):] == tail:
                        total += v
                return total
            return value

        # On a loaded machine a computing thread also waits for a core, counted as CPU.
        self.check_computing(cpu, under(21)(cpu), 1.0, runqueue["long"],
                             "CPU under middle():21 -> hot():15")
        self.check_computing(cpu, under(22)(cpu), 0.5, runqueue["short"],
                             "CPU under middle():22 -> hot():15")
        self.assertLess(under(21)(wait) + under(22)(wait), OTHER_CATEGORY_LIMIT * 1.5 * US,
                        "computing counted as waiting\n" + harness.describe_folded(wait))

    # Waiting is checked against the wall time the program itself measured: on a loaded machine
    # a 1.5 s CPU burst of the other side takes longer than 1.5 s of wall.
    def test_thread_blocked_on_a_lock(self):
        name = "time_lock.py"
        harness.assert_line_is(program(name), 20, "# BUSY")
        harness.assert_line_is(program(name), 28, "# BLOCKED")
        result = self.profile(name)
        reported = json.loads(result.stdout_text)
        cpu, wait = self.times(result)
        self.check_computing(cpu, value_at_line(cpu, name, 20), 1.5, reported["runqueue"],
                             "CPU of the lock holder")
        self.assertLess(value_at_line(wait, name, 20), OTHER_CATEGORY_LIMIT * 1.5 * US,
                        "the lock holder's computing counted as waiting\n"
                        + harness.describe_folded(wait))
        self.check_category(wait, cpu, lambda f: value_at_line(f, name, 28), reported["blocked"],
                            "waiting for the lock")

    def test_thread_blocked_on_a_pipe_read(self):
        name = "time_pipe.py"
        harness.assert_line_is(program(name), 14, "# PIPE_READ")
        harness.assert_line_is(program(name), 22, "# MAIN_SLEEP")
        result = self.profile(name)
        waited = json.loads(result.stdout_text)["reader"]
        cpu, wait = self.times(result)
        self.check_category(wait, cpu, lambda f: value_at_line(f, name, 14), waited,
                            "waiting on the pipe")
        self.check_category(wait, cpu, lambda f: value_at_line(f, name, 22), 1.5,
                            "main thread sleeping")

    def test_64_short_lived_threads(self):
        name = "time_short_threads.py"
        harness.assert_line_is(program(name), 14, "# SHORT")
        result = self.profile(name)
        runqueue = float(result.stdout_text.split()[1])
        cpu, wait = self.times(result)
        # 64 x 40 ms of CPU, plus the time the threads sat runnable (see check_computing). Wider
        # than the 10% of long threads: a thread may be seen up to one sampling interval (10 ms
        # at 100 Hz) late, out of 40 ms.
        actual = value_at_line(cpu, name, 14)
        low, high = 64 * 0.04 * US * 0.80, (64 * 0.04 + runqueue) * US * 1.20
        self.assertTrue(low <= actual <= high,
                        f"CPU of 64 short threads: got {actual:,.0f} us, expected 2.56 s plus up "
                        f"to {runqueue:.3f} s runnable, within 20%\n"
                        + harness.describe_folded(cpu))
        # Time spent runnable off a core can be counted as waiting for a few ticks where the
        # sampler's run-queue reads had backed off (core/sampler/tick.h, note_run_queue).
        self.assertLess(value_at_line(wait, name, 14),
                        (OTHER_CATEGORY_LIMIT * 64 * 0.04 + runqueue) * US,
                        "short threads' computing counted as waiting\n"
                        + harness.describe_folded(wait))

    def check_computing(self, folded, actual, cpu_seconds, runqueue_seconds, what):
        """A computing thread's time: its CPU, plus (where the sampler can read it) the time it
        sat runnable waiting for a core, which it counts as CPU too; on a loaded machine (CI runs
        two tests at once on 2 cores) that is 10-30% more. Within 10% of that range."""
        low = cpu_seconds * US * (1 - OWN_CATEGORY_TOLERANCE)
        high = (cpu_seconds + runqueue_seconds) * US * (1 + OWN_CATEGORY_TOLERANCE)
        self.assertTrue(low <= actual <= high,
                        f"{what}: got {actual:,.0f} us, expected {cpu_seconds} s of CPU plus up "
                        f"to {runqueue_seconds:.3f} s runnable, within 10%\n"
                        + harness.describe_folded(folded))

    def test_thread_pool(self):
        name = "time_pool.py"
        harness.assert_line_is(program(name), 14, "# POOL_TASK")
        result = self.profile(name)
        reported = json.loads(result.stdout_text)
        self.assertEqual(reported["cpu"], 2.0)
        cpu, wait = self.times(result)
        # 8 tasks x 0.25 s of CPU. Four workers share the GIL: the time each waits for it is
        # waiting, not CPU, so the CPU total is the CPU the tasks really used.
        self.check_computing(cpu, value_at_line(cpu, name, 14), 2.0, reported["runqueue"],
                             "CPU of the pool's tasks")

    def test_multiprocessing_child(self):
        name = "time_child.py"
        harness.assert_line_is(program(name), 13, "# CHILD_WORK")
        harness.assert_line_is(program(name), 22, "# JOIN")
        result = self.profile(name)
        match = re.search(r"runqueue ([\d.e-]+)\nchild (\d+) exit 0 joined ([\d.]+)",
                          result.stdout_text)
        self.assertIsNotNone(match, result.describe())
        pid = int(match.group(2))
        child_cpu, child_wait = self.times(result, pid)
        self.check_computing(child_cpu, value_at_line(child_cpu, name, 13), 1.5,
                             float(match.group(1)), "CPU of the child")
        self.assertLess(value_at_line(child_wait, name, 13), OTHER_CATEGORY_LIMIT * 1.5 * US,
                        "the child's computing counted as waiting\n"
                        + harness.describe_folded(child_wait))
        cpu, wait = self.times(result)
        # join() is Python code in multiprocessing: the line is a caller of the leaf-most frame.
        self.check_category(wait, cpu, lambda f: value_under_line(f, name, 22),
                            float(match.group(3)), "parent waiting in join()")

    def test_children_within_and_past_the_sampler_grace(self):
        # A child of the job reads nothing for 50 ms (core/sampler/time_sampler.cpp): one that
        # ends before still has its final profile, and one that lives on loses none of its time.
        name = "time_short_children.py"
        harness.assert_line_is(program(name), 16, "# GRACE_CHILD_WORK")
        result = self.profile(name)
        match = re.search(r"short (\d+)\nrunqueue ([\d.e-]+)\nchild (\d+) exit 0",
                          result.stdout_text)
        self.assertIsNotNone(match, result.describe())
        processes = {p["pid"]: p for p in result.summary()["processes"]}
        short = processes[int(match.group(1))]
        self.assertTrue(short["final"], short)
        self.assertEqual(short["ended"], "exit", short)
        self.assertIsNone(short["time_stopped_reason"], short)
        child_cpu, child_wait = self.times(result, int(match.group(3)))
        self.check_computing(child_cpu, value_at_line(child_cpu, name, 16), 0.3,
                             float(match.group(2)), "CPU of a fork child, its grace included")
        runqueue = float(match.group(2))
        self.assertLess(value_at_line(child_wait, name, 16),
                        (OTHER_CATEGORY_LIMIT * 0.3 + runqueue) * US,
                        "the child's computing counted as waiting\n"
                        + harness.describe_folded(child_wait))

    def test_one_thread_among_a_thousand_waiting(self):
        name = "time_among_many.py"
        harness.assert_line_is(program(name), 18, "# IDLE")
        harness.assert_line_is(program(name), 24, "# SPIN")
        harness.assert_line_is(program(name), 29, "# SLEEP")
        result = self.profile(name)
        reported = json.loads(result.stdout_text)
        cpu, wait = self.times(result)
        # The probe is read as often as ever while it computes; while it sleeps, rarely, its
        # waiting charged in bulk (core/sampler/tick.cpp).
        self.check_computing(cpu, value_at_line(cpu, name, 24), 1.5, reported["runqueue"],
                             "CPU of the probe among 1000 waiting threads")
        self.check_category(wait, cpu, lambda f: value_at_line(f, name, 29), 1.5,
                            "waiting of the probe among 1000 waiting threads")
        # The thousand threads' waiting, charged in bulk, is all there.
        assert_within(value_under_line(wait, name, 18), reported["idle_lifetimes"] * US, 0.05,
                      "waiting of the 1000 idle threads")
        # What it costs: the sampler read each of them 100 times a second before (measured
        # 2026-12-07, 1000 waiting + 8 computing: 36-40% of a core); now those that ran, and the
        # others 1, 3, 7... 256 ticks apart. Bounded at 8% here, and 16% in a debug build, so
        # that only the old cost fails, not a loaded CI machine.
        summary = result.summary()
        root = harness.root_entry(summary)
        debug_build = harness.marks_hit(summary, "fork_child") is not None
        budget = 0.16 if debug_build else 0.08
        self.assertLessEqual(root["sampler_cpu_seconds"], budget * summary["wall_seconds"], root)

    def test_sampler_reports_its_own_cost(self):
        result = self.profile("time_many_threads.py")
        summary = result.summary()
        root = harness.root_entry(summary)
        # 2 s at the default ~100 Hz: whether samples are counted per tick or per thread, at
        # least one every 20 ms.
        self.assertGreater(root["time_samples"], 2.0 * 50, root)
        self.assertGreaterEqual(root["time_failed_reads"], 0)
        self.assertLessEqual(root["time_failed_reads"], 0.01 * root["time_samples"], root)
        # The GIL's holder is found in _PyRuntime (core/python/gil.h): on a new interpreter
        # whose GIL state moved, threads taking turns at the GIL would cost the sampler more.
        self.assertEqual(root["time_gil_known"], 1, root)
        # The sampler's own CPU: at most 1% of a core at the default rate with 8 threads. A cost
        # of the optimised build: a debug build (it counts coverage marks) is only bounded at 3%.
        # Measured on the 2-core VMs here: 2026-11, 8 runs, 3.11: median 0.81%, 0.65-1.06%.
        # 2026-12-07, another VM of the same kind, quiet, 3 runs each: 3.11 1.16-1.37% (the
        # sampler of 2026-11 gave 1.17-1.37% there too), 3.14 1.32-1.42%, 3.15 1.43-1.49%
        # (deeper thread bootstrap stacks, larger frames and code headers to copy). The target
        # is 1%; the bound is 3% so that the slower VMs CI may get, busy with its own work, fail
        # only a real regression (the sampler's cost more than doubling), not the machine:
        # 2026-12-07, 3.15 under ctest -j2 beside other e2e modules: 2.04%, where the same build
        # measured 1.16-1.27% quiet (and the sampler before the CPU ledger 1.16-1.31%).
        debug_build = harness.marks_hit(summary, "fork_child") is not None
        budget = 0.04 if debug_build else 0.03
        self.assertLessEqual(root["sampler_cpu_seconds"], budget * summary["wall_seconds"], root)


if __name__ == "__main__":
    harness.main()
