"""Run by source_lines_job.py as runpy.run_path("source_lines_relative.py"): its frames carry
this relative file name."""
DATA = bytearray(25 * 1000 * 1000)  # RELATIVE ALLOC
