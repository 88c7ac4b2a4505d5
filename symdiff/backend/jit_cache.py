"""Numba's disk cache for jitted gradients: a second process pays no compile.

``numba.njit(cache=True)`` keeps the machine code of a function by its source file and
argument types, and loads it back by importing the function's module. So the module of a
jitted gradient is written to a file named by a hash of its text, in ``SYMDIFF_CACHE_DIR``
(by default ``$XDG_CACHE_HOME/symdiff``, else ``~/.cache/symdiff``), and imported under a
module name made of that hash: the same source, in any later process, finds the same file,
the same module, and numba's compiled code beside it (in ``__pycache__``). A file is never
rewritten (numba would see a new date and compile again). Where the folder cannot be
written, ``load`` returns None and the module runs from memory, compiled every process.

    >>> namespace = load(text, "grad_f")
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    """Where jitted modules and numba's cache of them are kept."""
    if os.environ.get("SYMDIFF_CACHE_DIR"):
        return Path(os.environ["SYMDIFF_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "symdiff"


def load(text: str, stem: str) -> dict | None:
    """The namespace of the module ``text``, imported from its file in ``cache_dir()``
    (written once, atomically), or None where that is not possible."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
    name = f"symdiff_jit_{stem}_{digest}"
    if name in sys.modules:
        return vars(sys.modules[name])
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.py"
        if not path.is_file():
            handle, temporary = tempfile.mkstemp(suffix=".tmp", dir=folder)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, path)
    except OSError:
        return None
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module            # numba's cache imports it again by this name
    spec.loader.exec_module(module)
    return vars(module)


__all__ = ["cache_dir", "load"]
