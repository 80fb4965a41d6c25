"""Prints what a job can see of its interpreter's start: the modules loaded, sys.path, and the
marker a sitecustomize of the user's own may have left."""
import sys

print("sitecustomize marker:", getattr(sys.modules.get("sitecustomize"), "MARKER", None))
print("modules:", sorted(sys.modules))
print("path:", sys.path)
