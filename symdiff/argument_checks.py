"""What a gradient's call refuses in its arguments, and the checks its generated code
makes when it runs: arguments differentiated with respect to must hold floats
(``_check_float``), no argument may hold complex numbers (``_complex``), a list argument
is read as NumPy reads it (``_from_list``), and a run-time check's ``ValueError``
(``check_ndim``) becomes a located error (``_run_time_check``)."""
from __future__ import annotations

import linecache
import os
import re

import numpy as np

from .errors import Loc, SymdiffError


def _check_float(fn_name: str, name: str, value) -> None:
    if type(value) is float:
        return
    kind = np.asarray(value).dtype.kind if not isinstance(value, (bool, int)) else "i"
    what = f"cannot differentiate {fn_name} with respect to `{name}`"
    if isinstance(value, bool) or kind == "b":
        raise SymdiffError(f"{what}: it is boolean",
                           hint="gradients exist only for float arguments")
    if kind == "c":
        raise SymdiffError(f"{what}: it is complex (symdiff differentiates real functions)",
                           hint=f"pass the real and imaginary parts of `{name}` as two float "
                                "arguments")
    if kind in "iu":
        raise SymdiffError(f"{what}: it holds integers (labels or indices have no gradient)",
                           hint=f"pass `{name}` as floats (e.g. 2.0 or x.astype(float)) if it "
                                "is a real number, or leave it out of wrt")
    if kind != "f":
        raise SymdiffError(f"{what}: it is not a number",
                           hint="pass a float or a float array")


def _complex(value) -> bool:
    """Whether a value (or a tuple of them) holds a complex number."""
    kind = type(value)
    if kind is np.ndarray:
        return value.dtype.kind == "c"
    if kind is float:
        return False
    if isinstance(value, tuple):
        return any(map(_complex, value))
    return isinstance(value, (complex, np.complexfloating)) or \
        isinstance(value, np.ndarray) and value.dtype.kind == "c"


def _run_time_check(exc: ValueError) -> SymdiffError | None:
    """A check the generated code makes when it runs (``check_ndim``: the rank of
    ``np.gradient(f)``'s ``f``, a number where ``y += v`` needs one), whose message ends
    with the place it checks, ``(file:line)``: a located SymdiffError; None for other
    errors."""
    found = re.fullmatch(r"(?s)(.*) \((.+):(\d+)\)", str(exc))
    if found is None or not os.path.exists(found.group(2)):
        return None
    message, file, line = found.group(1), found.group(2), int(found.group(3))
    text = linecache.getline(file, line).rstrip("\n")
    col = len(text) - len(text.lstrip())
    head, _, hint = message.partition("; ")
    return SymdiffError(head, Loc(file, line, col, text), hint=hint)


class ArgumentError(SymdiffError, TypeError):
    """Arguments that do not fit the function's parameters, worded as Python words it."""


def _from_list(fn_name: str, name: str, value: list, src):
    """A list argument as NumPy reads it: floats an array of floats, integers an integer
    array (indices stay indices); ragged lists and lists of other things are refused."""
    problem = ""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        problem = "is a ragged list (its rows have different lengths)"
    else:
        if array.dtype.kind not in "biuf":
            problem = f"is a list of {_kinds(value)}, not of numbers"
    if problem:
        raise ArgumentError(f"argument `{name}` of {fn_name}() {problem}", src.loc(src.tree),
                            hint=f"pass `{name}` as a NumPy array of numbers "
                                 "(or as separate arguments)")
    return array


def _kinds(value: list) -> str:
    kinds = sorted({type(v).__name__ for v in value})
    return " and ".join(kinds) + (" values" if kinds else "")
