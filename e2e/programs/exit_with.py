"""Prints a line, then exits with the status given as argument."""
import sys

print("exiting with", sys.argv[1])
sys.exit(int(sys.argv[1]))
