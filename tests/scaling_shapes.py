"""Generated functions of four shapes, to check that the compiler scales with their size.

- ``chain``: every statement reads the one before it (a deep dependency chain);
- ``independent``: every statement reads only the arguments, and the result adds them
  up in a running total (many short, unrelated lines);
- ``loop``: one ``for`` loop whose body is that many statements long;
- ``fan_out``: one value (the argument ``w``) read by every statement, so its gradient
  gathers one contribution per statement.

Every function takes ``(x, w)``, ``x`` a vector and ``w`` a scalar, and keeps its values
within [-1, 1] (tanh, sin, averages), so any size evaluates to finite numbers.
``source(shape, n)`` is the module text of a function named ``f``.
"""
from __future__ import annotations

SHAPES = ("chain", "independent", "loop", "fan_out")


def _chain(n: int) -> list[str]:
    lines, last = [], "x"
    for i in range(n):
        op = ("np.tanh({a})", "1.2 * {a}", "np.sin({a})")[i % 3]
        lines.append(f"    v{i} = {op.format(a=last)}")
        last = f"v{i}"
    lines.append(f"    return np.sum({last} * {last}) * w")
    return lines


def _independent(n: int) -> list[str]:
    lines = ["    total = x"]
    for i in range(n):
        lines.append(f"    total = total + np.sin({round(0.5 + (i % 7) / 10, 2)} * x)")
    lines.append("    return np.sum(total) * w")
    return lines


def _loop(n: int) -> list[str]:
    lines = ["    h = x", "    for k in range(2):"]
    for i in range(n):
        lines.append("        h = " + ("np.tanh(h)", "1.2 * h", "np.sin(h)")[i % 3])
    lines.append("    return np.sum(h * h) * w")
    return lines


def _fan_out(n: int) -> list[str]:
    lines = ["    h = x"]
    for i in range(n):
        lines.append("    h = " + ("np.tanh(h + w)", "h - 0.5 * w", "np.sin(h)")[i % 3])
    lines.append("    return np.sum(h * h)")
    return lines


_WRITERS = {"chain": _chain, "independent": _independent, "loop": _loop, "fan_out": _fan_out}


def source(shape: str, n: int) -> str:
    """Module text of ``def f(x, w)`` with ``n`` statements of the given shape."""
    body = _WRITERS[shape](n)
    return "import numpy as np\n\n\ndef f(x, w):\n" + "\n".join(body) + "\n"
