"""Frames shown with their line of code (index.html, memory-peak.svg): an allocation in this
file on a line with characters to escape, one at import time of a module (under importlib's
frames), and one in a file run by a relative name from the job's starting directory, which the
job then leaves, so only the `cwd` the core records at start finds it."""
import os
import runpy

import source_lines_imported  # noqa: F401  (allocates at import)


def allocate():
    return bytearray(30 * 1000 * 1000)  # ALLOC <30 MB> & "quoted"


def main():
    block = allocate()
    relative = runpy.run_path("source_lines_relative.py")  # the job's cwd: e2e/programs
    os.chdir("/")
    print("done", len(block), len(relative["DATA"]), len(source_lines_imported.TABLE))


if __name__ == "__main__":
    main()
