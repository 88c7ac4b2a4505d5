"""Deep programs: the compiler's stages recurse over expressions and nested blocks.

Python itself accepts expressions nested about 200 levels deep, `elif` chains of any
length (nested ``If`` nodes in its AST) and sums of a few thousand terms; the stages that
walk such trees recurse once a level, a few frames each. ``deep`` runs a stage as usual
and, only if it runs out of recursion depth, once more in a thread with a large stack and
a high recursion limit. A program deeper still is refused with a located error, never
a ``RecursionError``.

    >>> gradient_ir = deep(gradient_ir)
"""
from __future__ import annotations

import functools
import sys
import threading

from ..errors import SymdiffError

#: The stack of the retrying thread, and its recursion limit (a frame takes well under
#: STACK / LIMIT bytes of C stack).
STACK = 512 * 1024 * 1024
LIMIT = 120_000

_state = threading.local()


def deep(stage):
    """``stage``, retried with a deep stack when it runs out of recursion depth."""
    @functools.wraps(stage)
    def run(*args, **kwargs):
        if getattr(_state, "deep", False):
            return stage(*args, **kwargs)
        try:
            return stage(*args, **kwargs)
        except RecursionError:
            pass
        return _in_deep_thread(stage, args, kwargs)
    return run


def _in_deep_thread(stage, args, kwargs):
    outcome: dict = {}

    def work():
        _state.deep = True
        try:
            outcome["value"] = stage(*args, **kwargs)
        except RecursionError:
            outcome["error"] = _too_deep(args)
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            outcome["error"] = exc

    old_stack, old_limit = threading.stack_size(), sys.getrecursionlimit()
    threading.stack_size(STACK)
    sys.setrecursionlimit(max(old_limit, LIMIT))
    try:
        thread = threading.Thread(target=work, name="symdiff-deep", daemon=True)
        thread.start()
    finally:
        threading.stack_size(old_stack)
    try:
        thread.join()
    finally:
        sys.setrecursionlimit(old_limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _too_deep(args) -> SymdiffError:
    """The refusal, located at the function being compiled when one is among ``args``."""
    from ..frontend.parse import FunctionSource
    src = next((a for a in args if isinstance(a, FunctionSource)), None)
    if src is None:
        src = next((a.src for a in args if isinstance(getattr(a, "src", None), FunctionSource)),
                   None)
    return SymdiffError("this function is nested too deeply to compile",
                        src.loc(src.tree) if src is not None else None,
                        hint="split deeply nested expressions or blocks into several "
                             "statements or helper functions")
