"""Prints the named environment variable (empty when unset)."""
import os
import sys

print(os.environ.get(sys.argv[1], ""))
