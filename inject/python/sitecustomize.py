"""sciagraph's bootstrap, run by Python's `site` module before the job's own code.

`sciagraph run` puts this file's directory first on PYTHONPATH. It tells the preloaded core that
the interpreter is up, by importing the `_sciagraph` module (the core then checks the CPython
internals it reads against the public C API, with the GIL held, before any user code runs),
then hands over to the sitecustomize that
would have run without sciagraph, and takes its directory back off sys.path so the job sees the
path it would have seen. Without the preloaded core (LD_PRELOAD removed by the job) it does
nothing but chain.
"""


def _sciagraph_bootstrap():
    # _sciagraph is the preloaded library itself (see inject/python_module.cpp); importing it runs
    # the core's check of the interpreter with the GIL held. Without the preload (the job removed
    # LD_PRELOAD) the import would load the library as a plain module, so it is skipped.
    import os
    import sys

    if "libsciagraph_preload" not in os.environ.get("LD_PRELOAD", ""):
        return
    try:
        import _sciagraph  # noqa: F401
    except ImportError:
        pass
    finally:
        sys.modules.pop("_sciagraph", None)


def _sciagraph_chain():
    # The import system's own modules, loaded before `site` runs. importlib.machinery and
    # importlib.util would load 18 more (collections, functools, warnings...) that a plain start
    # never loads: the job would see them in sys.modules, pay their start-up time, and find its
    # heap laid out differently (which moves glibc's trimming, measurably on allocation-heavy
    # jobs).
    import os
    import sys

    bootstrap = sys.modules["_frozen_importlib"]
    external = sys.modules["_frozen_importlib_external"]
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = external.PathFinder.find_spec("sitecustomize", sys.path)
    if spec is None or spec.loader is None:
        return
    # The import system returns whatever sys.modules holds under our name once this module has
    # run, so the job sees the other sitecustomize as `sitecustomize`, as without sciagraph.
    module = bootstrap.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


_sciagraph_bootstrap()
_sciagraph_chain()
