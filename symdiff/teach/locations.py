"""Where a value comes from, as the reader knows the place: ``mlp.py:23``, or in a notebook
``cell [3], line 3`` (IPython compiles each cell into a file of its own, named
``/tmp/ipykernel_123/2814639746.py``, a name nobody wrote and nobody can open).

    >>> where(Loc("/work/mlp.py", 23, 4))
    'mlp.py:23'
"""
from __future__ import annotations

import os
import sys

from ..errors import Loc


def cell_number(file: str) -> int | None:
    """The execution count of the notebook cell compiled into ``file``, if IPython runs."""
    ipython = sys.modules.get("IPython")          # never imported here: only if running
    shell = ipython.get_ipython() if ipython is not None else None
    names = getattr(getattr(shell, "compile", None), "_filename_map", None)
    number = names.get(file) if isinstance(names, dict) else None
    return number if isinstance(number, int) else None


def where(loc: Loc | None) -> str:
    """``mlp.py:23``, or ``cell [3], line 3`` for code typed into a notebook cell."""
    if loc is None:
        return ""
    number = cell_number(loc.file)
    if number is not None:
        return f"cell [{number}], line {loc.line}"
    return f"{os.path.basename(loc.file)}:{loc.line}"


__all__ = ["where", "cell_number"]
