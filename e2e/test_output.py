"""What `sciagraph run` leaves in its output directory (design.md, "Output directory of run",
"Folded stacks"), and the configuration it records there: defaults < file < environment < CLI."""
import json
import re
import socket

import harness
from harness import MB, RunTestCase, env_with, run_sciagraph, test_python

OUTPUT_FILES = ["index.html", "memory-peak.svg", "time.svg", "memory-peak.folded",
                "time-cpu.folded", "time-wait.folded", "summary.json", "config.toml"]


def flatten(table, prefix=()):
    """{("time", "hz"): 100, ...} of a parsed TOML document."""
    for key, value in table.items():
        if isinstance(value, dict):
            yield from flatten(value, prefix + (key,))
        else:
            yield prefix + (key,), value


def toml_of(path, value):
    """A TOML document setting the dotted key `path` to integer `value`."""
    if len(path) == 1:
        return f"{path[0]} = {value}\n"
    return f"[{'.'.join(path[:-1])}]\n{path[-1]} = {value}\n"


class OutputDirectory(RunTestCase):
    def test_every_file_present(self):
        result = self.profile("small_job.py")
        for name in OUTPUT_FILES:
            path = self.out() / name
            self.assertTrue(path.is_file(), f"missing {name}")
        for name in ["index.html", "memory-peak.svg", "time.svg", "summary.json", "config.toml"]:
            self.assertGreater((self.out() / name).stat().st_size, 0, f"{name} is empty")
        summary = result.summary()
        root = harness.root_entry(summary)
        dump = self.out() / "raw" / f"{root['pid']}.sgdump"
        self.assertTrue(dump.is_file(), f"no raw dump {dump}")

    def test_summary_fields(self):
        result = self.profile("small_job.py")
        summary = result.summary()
        command = [test_python(), harness.program("small_job.py")]
        self.assertEqual(summary["command"], command)
        self.assertEqual(summary["exit_code"], 0)
        self.assertIsInstance(summary["peak_bytes"], int)
        self.assertGreaterEqual(summary["peak_bytes"], 30 * MB)
        self.assertLessEqual(summary["peak_bytes"], 30 * MB + harness.INTERPRETER_OVERHEAD_BYTES)
        self.assertGreater(summary["wall_seconds"], 0.5)
        self.assertGreater(summary["cpu_seconds"], 0.3)
        self.assertLessEqual(summary["cpu_seconds"], summary["wall_seconds"] * 2 + 0.5)
        root = harness.root_entry(summary)
        for key in ["pid", "ppid", "peak_bytes", "status", "dump", "time_samples",
                    "time_failed_reads", "sampler_cpu_seconds"]:
            self.assertIn(key, root, f"processes[] entry lacks {key}: {root}")
        self.assertEqual(root["peak_bytes"], summary["peak_bytes"])

    def test_folded_files_are_well_formed(self):
        result = self.profile("small_job.py")
        for name in ["memory-peak.folded", "time-cpu.folded", "time-wait.folded"]:
            folded = result.folded(name)  # parse_folded checks `stack value` on every line
            self.assertTrue(folded, f"{name} is empty")
            for stack in folded:
                for frame in harness.frames(stack):
                    self.assertTrue(frame, f"{name}: empty frame in {stack!r}")
                    self.assertIsNone(re.search(r" \d+$", frame),
                                      f"{name}: frame ends in a number: {frame!r}")
            py = [f for stack in folded for f in harness.python_frames(stack)]
            self.assertTrue(any(f[1].endswith("small_job.py") for f in py),
                            f"{name} has no frame of small_job.py:\n"
                            + harness.describe_folded(folded))
        memory = result.folded("memory-peak.folded")
        harness.assert_line_is(harness.program("small_job.py"), 6, "# ALLOC")
        harness.assert_within(harness.bytes_at_line(memory, "small_job.py", 6), 30 * MB, 0.03,
                              "bytes at allocate()")

    def test_report_is_self_contained(self):
        self.profile("small_job.py")
        html = (self.out() / "index.html").read_text(errors="replace")
        self.assertIsNone(re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?https?:", html),
                          "index.html loads something from the network")
        for svg in ["memory-peak.svg", "time.svg"]:
            text = (self.out() / svg).read_text(errors="replace")
            self.assertIn("<svg", text)

    def test_default_output_directory(self):
        command = [test_python(), harness.program("exit_with.py"), "0"]
        result = run_sciagraph(command, None, options=["-q"], cwd=self.tmp)
        self.assertEqual(result.returncode, 0, result.describe())
        runs = list((self.tmp / "sciagraph-result").iterdir())
        self.assertEqual(len(runs), 1, runs)
        self.assertRegex(runs[0].name, r"^\d{8}-\d{6}-\d+$")
        self.assertTrue((runs[0] / "summary.json").is_file())

    def test_output_template_gives_each_task_its_own_directory(self):
        """-o expands {host}, {pid}, {time} and {env:NAME}: two tasks of a cluster job, one
        line in the batch script, two directories."""
        template = str(self.tmp / "runs" / "{env:TASK_RANK}" / "{host}-{time}-{pid}")
        for rank in ["0", "1"]:
            command = [test_python(), harness.program("exit_with.py"), "0"]
            result = run_sciagraph(command, None, options=["-q", "-o", template],
                                   env=env_with(TASK_RANK=rank))
            self.assertEqual(result.returncode, 0, result.describe())
        host = socket.gethostname()
        for rank in ["0", "1"]:
            runs = list((self.tmp / "runs" / rank).iterdir())
            self.assertEqual(len(runs), 1, runs)
            self.assertRegex(runs[0].name, rf"^{re.escape(host)}-\d{{8}}-\d{{6}}-\d+$")
            self.assertTrue((runs[0] / "summary.json").is_file())
            config = harness.load_config(runs[0])
            self.assertEqual(config["output"], str(runs[0]), "config.toml keeps the expansion")

    def test_output_template_refused_before_the_job_starts(self):
        for template, why in [("{env:NO_SUCH_RANK_VAR}", "NO_SUCH_RANK_VAR is not set"),
                              ("{hostname}", "unknown placeholder {hostname}"),
                              ("{host", "a '{' without its '}'")]:
            command = [test_python(), harness.program("exit_with.py"), "0"]
            out = str(self.tmp / "refused" / template)
            result = run_sciagraph(command, None, options=["-o", out],
                                   env=env_with(NO_SUCH_RANK_VAR=None))
            self.assertEqual(result.returncode, 125, result.describe())
            lines = result.stderr_text.strip().splitlines()
            self.assertEqual(len(lines), 1, result.describe())
            self.assertIn(why, lines[0])
            self.assertFalse((self.tmp / "refused").exists(), "nothing created")


class SourceLines(RunTestCase):
    """Frames show the line of code they stand for (read from the source when the report is
    made) in index.html and the SVGs, never in the folded files; index.html folds the import
    machinery into one frame and carries the inverted tree."""

    ALLOC = 'return bytearray(30 * 1000 * 1000)  # ALLOC <30 MB> & "quoted"'
    IMPORTED = "TABLE = bytearray(20 * 1000 * 1000)  # IMPORT ALLOC"
    RELATIVE = "DATA = bytearray(25 * 1000 * 1000)  # RELATIVE ALLOC"

    def memory_graph(self):
        html = (self.out() / "index.html").read_text()
        data = re.search(r'<script type="application/json" id="sciagraph-data">(.*?)</script>',
                         html, re.S)
        self.assertIsNotNone(data, "index.html has no data")
        # The line's '<', '>' and '&' are \u escapes inside the <script> element.
        self.assertNotIn("<30 MB>", data.group(1))
        return json.loads(data.group(1))["graphs"][0]

    def svg_titles(self, name):
        import xml.dom.minidom
        dom = xml.dom.minidom.parse(str(self.out() / name))
        return [t.firstChild.data for t in dom.getElementsByTagName("title") if t.firstChild]

    def test_allocating_lines_in_report_and_svg_not_in_folded(self):
        # The relative file is run from the job's starting directory, which it then leaves.
        self.profile("source_lines_job.py", cwd=harness.PROGRAMS)
        graph = self.memory_graph()
        by_name = dict(zip(graph["names"], graph["source"]))
        for line in [self.ALLOC, self.IMPORTED, self.RELATIVE]:
            self.assertIn(line, graph["source"], f"index.html lacks {line!r}")
            self.assertTrue(any(f"\n{line}\n" in t for t in self.svg_titles("memory-peak.svg")),
                            f"memory-peak.svg has no title with {line!r}")
        self.assertEqual(by_name["<module> (source_lines_relative.py:3)"], self.RELATIVE)
        harness.assert_line_is(harness.program("source_lines_job.py"), 12, "# ALLOC")
        folded = (self.out() / "memory-peak.folded").read_text()
        self.assertIn("allocate (" + str(harness.program("source_lines_job.py")) + ":12)", folded)
        self.assertNotIn("ALLOC", folded)

    def test_import_machinery_folded_and_inverted_tree_in_report(self):
        self.profile("source_lines_job.py", cwd=harness.PROGRAMS)
        graph = self.memory_graph()
        names = graph["names"]
        folded_as = names[graph["import_frame_name"]]
        self.assertEqual(folded_as, "[import machinery]")
        imports = {names[i] for i in graph["import_frames"]}
        self.assertTrue(any("<frozen importlib._bootstrap>" in n for n in imports), imports)
        self.assertTrue(all("importlib" in n for n in imports), imports)
        top = {names[i] for i in graph["top_folded"]["name"]}
        self.assertFalse(top & imports, "the folded top table still lists import frames")
        inverted = graph["inverted"]
        self.assertEqual(inverted["total_value"][0], graph["total_value"][0])
        roots = {names[inverted["name"][i]]: inverted["total_value"][i]
                 for i, p in enumerate(inverted["parent"]) if i > 0 and p == 0}
        alloc = "allocate (" + str(harness.program("source_lines_job.py")) + ":12)"
        harness.assert_within(roots[alloc], 30 * MB, 0.03, "the allocating line at the root")


class Configuration(RunTestCase):
    def rate_key(self):
        """The config key of the time sampler's rate, as the launcher writes it (the test finds
        it rather than guessing the layout of config.toml)."""
        self.profile("exit_with.py", 0, options=["-q"], out_name="defaults")
        config = harness.load_config(self.out("defaults"))
        keys = [path for path, value in flatten(config)
                if "hz" in path[-1].lower() and isinstance(value, int)]
        self.assertEqual(len(keys), 1, f"expected one *hz* key in config.toml: {config}")
        return keys[0]

    def configured_rate(self, out_name, path):
        node = harness.load_config(self.out(out_name))
        for key in path:
            node = node[key]
        return node

    def test_precedence_file_env_cli(self):
        path = self.rate_key()
        env_name = "SCIAGRAPH_" + "_".join(path).upper()
        config_file = self.tmp / "sciagraph.toml"
        config_file.write_text(toml_of(path, 37))

        self.profile("exit_with.py", 0, options=["-q", "--config", str(config_file)],
                     out_name="file")
        self.assertEqual(self.configured_rate("file", path), 37, "file over defaults")

        self.profile("exit_with.py", 0, options=["-q", "--config", str(config_file)],
                     env=env_with(**{env_name: "53"}), out_name="env")
        self.assertEqual(self.configured_rate("env", path), 53, f"{env_name} over the file")

        self.profile("exit_with.py", 0,
                     options=["-q", "--config", str(config_file), "--time-hz", "71"],
                     env=env_with(**{env_name: "53"}), out_name="cli")
        self.assertEqual(self.configured_rate("cli", path), 71, "command line over environment")

    def test_mode_from_command_line(self):
        self.profile("exit_with.py", 0, options=["-q", "--mode", "memory"])
        values = dict(flatten(harness.load_config(self.out())))
        modes = [v for k, v in values.items() if k[-1] == "mode"]
        self.assertEqual(modes, ["memory"], values)

    def test_unknown_key_refused_with_125(self):
        config_file = self.tmp / "bad.toml"
        config_file.write_text("no_such_key_anywhere = 1\n")
        result = self.profile("exit_with.py", 0, options=["--config", str(config_file)],
                              expect_status=125)
        self.assertNotIn("exiting", result.stdout_text)
        self.assertIn("no_such_key_anywhere", result.stderr_text)
        self.assertIn(str(config_file), result.stderr_text)

    def test_wrong_type_refused_with_125(self):
        path = self.rate_key()
        config_file = self.tmp / "bad.toml"
        config_file.write_text(toml_of(path, '"fast"'))
        result = self.profile("exit_with.py", 0, options=["--config", str(config_file)],
                              expect_status=125)
        self.assertIn(path[-1], result.stderr_text)

    def test_bad_environment_value_refused_with_125(self):
        path = self.rate_key()
        env_name = "SCIAGRAPH_" + "_".join(path).upper()
        result = self.profile("exit_with.py", 0, env=env_with(**{env_name: "-5"}),
                              expect_status=125)
        self.assertIn(env_name, result.stderr_text)


if __name__ == "__main__":
    harness.main()
