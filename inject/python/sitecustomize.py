"""sciagraph's bootstrap, run by Python's `site` module before the job's own code.

`sciagraph run` puts this file's directory first on PYTHONPATH. It tells the preloaded core that
the interpreter is up (the core then checks the CPython internals it reads against the public C
API, with the GIL held, before any user code runs), then hands over to the sitecustomize that
would have run without sciagraph, and takes its directory back off sys.path so the job sees the
path it would have seen. Without the preloaded core (LD_PRELOAD removed by the job) it does
nothing but chain.
"""


def _sciagraph_bootstrap():
    try:
        import ctypes

        ready = ctypes.PyDLL(None).sciagraph_python_ready
    except (ImportError, OSError, AttributeError):
        return
    ready.restype = ctypes.c_int
    ready.argtypes = []
    ready()


def _sciagraph_chain():
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    del sys.modules["sitecustomize"]
    try:
        import sitecustomize  # noqa: F401  the one the job would have run
    except ImportError as error:
        if error.name != "sitecustomize":
            raise


_sciagraph_bootstrap()
_sciagraph_chain()
