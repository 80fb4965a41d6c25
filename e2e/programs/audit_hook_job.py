"""A job with its own audit hook (PEP 578): it must see its own events and nothing of the
profiler's, and the interpreter's hooks must behave as without the profiler. Prints what it saw."""
import sys

seen = []


def hook(event, args):
    if event in ("open", "compile", "sciagraph.probe"):
        seen.append(event)


sys.addaudithook(hook)
sys.audit("sciagraph.probe", 1)
with open(__file__) as source:
    compile(source.read(), __file__, "exec")
print(sorted(set(seen)))
block = bytearray(50 * 1000 * 1000)  # AUDIT_ALLOC: 50 MB
print(len(block))
