"""Gradient checking: symdiff's analytic gradient against central differences.

    >>> symdiff.check_grad(loss, W, X, y, wrt="W")     # raises GradientCheckError on mismatch

For each differentiated argument, every element (or a random sample of ``max_elements``
of them for large arrays) is perturbed by +-eps in float64; the worst disagreement is
named in the error. An argument that is a dict, list, tuple or object is checked leaf by
leaf, each named by its path (``params['W1'][2, 3]``, ``check_trees``).
"""
from __future__ import annotations

import warnings
from typing import Callable

import numpy as np

from . import check_trees, pytrees
from .api import Gradient, resolve_wrt
from .errors import GradientCheckError


class KinkWarning(UserWarning):
    """An input sits on a kink (a tie in max, abs at 0, a branch boundary): the
    derivative is not defined there, so that element is not compared."""


def numerical_gradient(fn: Callable, args: tuple, i: int, eps: float = 1e-6,
                       elements=None, kinks: list | None = None) -> np.ndarray:
    """Central differences of fn wrt args[i], at the given flat element indices (all by default).

    Where the one-sided differences disagree, the function has a kink at the input: the
    element's flat index is appended to ``kinks`` (when given).
    """
    x = np.array(args[i], dtype=float)
    grad = np.full(x.shape, np.nan)
    flat, out = x.reshape(-1), grad.reshape(-1)
    at = float(fn(*args)) if kinks is not None else 0.0
    for k in (range(flat.size) if elements is None else elements):
        ahead, behind = _nudged(fn, args, i, x, k, eps)
        out[k] = (ahead - behind) / (2 * eps)
        if kinks is not None:
            gap = (ahead - at) / eps - (at - behind) / eps
            if abs(gap) > 1e-3 * (1.0 + abs(out[k])):
                ahead, behind = _nudged(fn, args, i, x, k, eps / 10)
                if abs((ahead - at) - (at - behind)) / (eps / 10) > 0.5 * abs(gap):
                    kinks.append(k)    # smooth curvature shrinks with the step; a kink does not
    return grad


def _nudged(fn, args, i, x, k, eps) -> tuple[float, float]:
    """f with element k of argument i moved by +eps and by -eps."""
    flat = x.reshape(-1)
    old, values = flat[k], []
    for step in (eps, -eps):
        flat[k] = old + step
        shifted = list(args)
        shifted[i] = x.copy() if x.ndim else float(x)
        values.append(float(fn(*shifted)))
    flat[k] = old
    return values[0], values[1]


def check_grad(fn: Callable, *args, wrt=0, eps: float = 1e-6, rtol: float = 1e-5,
               atol: float = 1e-7, max_elements: int = 200, seed: int = 0) -> dict[str, float]:
    """Compare symdiff's gradient with central differences, as ``jax.test_util.check_grads``.

    Args:
      fn: a function written with ``def`` whose output is a scalar.
      *args: the point to check at.
      wrt: a position, a parameter name, or a tuple of them (default: the first argument).
      eps: the step of the central differences (in float64).
      rtol, atol: an element passes when ``|symdiff - differences| <= atol + rtol *
        |differences|``.
      max_elements: larger arguments are checked on a random sample of this many elements.
      seed: the seed of that sample.

    Returns:
      The worst absolute difference per differentiated argument, by parameter name (per
      float leaf, by its path, for dicts, lists, tuples and objects: ``"params['W1']"``).
      Raises ``GradientCheckError`` naming the worst element when one fails; an element
      on a kink (a tie in max, abs at 0) is left out with a ``KinkWarning``.

    Example:
      >>> def f(x):
      ...     return np.sum(np.tanh(x))
      >>> report = symdiff.check_grad(f, np.array([0.1, -0.4]))
      >>> list(report), report["x"] < 1e-8
      (['x'], True)
    """
    g = Gradient(fn, wrt)
    rng = np.random.default_rng(seed)
    tolerances = (eps, rtol, atol, max_elements, rng)
    if pytrees.needs_structure(g, args, {}):     # dicts, lists, objects: leaf by leaf
        return {name: _compared(fn, name, got, of_leaf, value, *tolerances)
                for name, of_leaf, value, got in check_trees.leaves_to_check(fn, args, g)}
    args = g._bind(args)
    positions, _ = resolve_wrt(wrt, g.parameters, g._source())
    analytic = g(*args)
    analytic = analytic if isinstance(analytic, tuple) else (analytic,)
    report = {}
    for i, got in zip(positions, analytic):
        def of_argument(x, i=i):
            moved = list(args)
            moved[i] = x
            return fn(*moved)
        name = g.parameters[i]
        report[name] = _compared(fn, name, got, of_argument, args[i], *tolerances)
    return report


def _compared(fn, name: str, got, of_x, x, eps, rtol, atol, max_elements, rng) -> float:
    """The worst difference between ``got`` and central differences of ``of_x`` at ``x``
    (a GradientCheckError names the worst element when one fails)."""
    got = np.asarray(got, dtype=float)
    size = got.size
    elements = None if size <= max_elements else \
        np.sort(rng.choice(size, max_elements, replace=False))
    kinks: list[int] = []
    want = numerical_gradient(of_x, (x,), 0, eps, elements, kinks)
    picked = np.arange(size) if elements is None else elements
    if kinks:
        where = ", ".join(_element(name, k, got.shape) for k in kinks[:5])
        warnings.warn(f"{where} sit{'s' if len(kinks) == 1 else ''} on a kink of "
                      f"{fn.__name__} (one-sided differences disagree): not compared",
                      KinkWarning, stacklevel=3)
        picked = np.array([k for k in picked if k not in set(kinks)], dtype=int)
    diff = np.abs(got.reshape(-1)[picked] - want.reshape(-1)[picked])
    limit = atol + rtol * np.abs(want.reshape(-1)[picked])
    size = len(picked)
    worst = int(np.argmax(diff - limit)) if size else 0
    if size and not np.all(diff <= limit):
        k = int(picked[worst])
        where = f"[{', '.join(map(str, np.unravel_index(k, got.shape)))}]" if got.ndim else ""
        raise GradientCheckError(
            f"gradient check failed for d{fn.__name__}/d{name}{where}: symdiff "
            f"{got.reshape(-1)[k]:.10g}, central differences {want.reshape(-1)[k]:.10g} "
            f"(|difference| {diff[worst]:.3g} > {limit[worst]:.3g})",
            hint="if the input sits on a kink (a tie in max, abs at 0), move it off the kink")
    return float(diff.max()) if size else 0.0


def _element(name: str, k: int, shape) -> str:
    if not shape:
        return name
    return f"{name}[{', '.join(map(str, np.unravel_index(k, shape)))}]"
