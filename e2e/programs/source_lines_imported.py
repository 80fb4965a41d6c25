"""Imported by source_lines_job.py: allocates while being imported."""
TABLE = bytearray(20 * 1000 * 1000)  # IMPORT ALLOC
