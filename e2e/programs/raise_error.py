"""Dies of an uncaught exception: Python exits with status 1."""


def fail():
    raise RuntimeError("deliberate failure")


print("about to fail", flush=True)
fail()
