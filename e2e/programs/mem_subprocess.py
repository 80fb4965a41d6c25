"""Starts a Python subprocess (exec) that has its own peak."""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
subprocess.run([sys.executable, os.path.join(here, "mem_exec_child.py")], check=True)
