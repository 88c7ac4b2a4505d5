"""Operator expressions for the fuzzer (``programs(operators=True)`` in fuzz_programs.py).

Each ``*_form`` draws one expression through the generator ``g`` (its ``pick``, ``chance``,
``vec_expr``, ``scal_expr`` and ``features``):

- remainders ``a % b``, ``np.mod``, ``np.remainder``, ``np.fmod`` by a positive divisor
  (a constant or ``1.0 + e ** 2``), differentiable in both operands away from the jumps;
- ``a or b`` / ``a and b`` on scalars (the value of an operand, not a bool);
- ``astype(float)``, ``astype('float64')``, ``astype(np.float64)``;
- ``np.full``, ``np.full_like``, ``np.linspace``, ``np.ones(3) * s`` with drawn values;
- ``np.linalg.norm`` of vectors (``ord`` 1, 2, inf, -inf) and of a (3, 3) matrix (``ord``
  1, -1, inf, -inf, 'fro', and ``axis=`` with a vector ``ord``);
- powers ``b ** p`` and ``np.power(b, p)`` with a positive base and a drawn exponent;
- ``where`` traps: ``np.where(c, f(v), g(v))`` whose untaken branch is singular (square
  root and logarithm of negatives, division by an exact zero).

``OperatorProbe`` holds what ``run_probed`` needs to keep inputs away from their switches:
the distance of a remainder from its jumps, of a truth-tested operand from 0, and of a norm
from its kinks (zero entries, ties between the largest sums, a zero norm).
"""
from __future__ import annotations

import numpy as np

DIVISORS = ("1.5", "0.7", "2.0")
POSITIVE = ("(1.0 + ({0}) ** 2)", "np.exp(np.tanh({0}))", "(2.0 + np.cos({0}))")
VECTOR_ORDS = ("1", "2", "np.inf", "-np.inf", "ord=1", "ord=np.inf")
MATRIX_ORDS = ("1", "-1", "np.inf", "-np.inf", "'fro'", "ord='fro'", "ord=1")
REMAINDERS = ("({a} % {b})", "np.mod({a}, {b})", "np.remainder({a}, {b})", "np.fmod({a}, {b})")
ASTYPES = ("({0}).astype(float)", "({0}).astype('float64')", "({0}).astype(np.float64)")


def divisor(g, env, d: int, scalar: bool) -> str:
    if g.chance():
        return g.pick(DIVISORS)
    return g.pick(POSITIVE).format(g.expr(env, d, scalar or g.chance()))


def exponent(g, env, d: int, scalar: bool) -> str:
    return g.pick(["{0}", "np.tanh({0})", "(0.5 * {0})"]).format(g.expr(env, d, scalar))


def matrix(g, env) -> str:
    """A (3, 3) matrix of full rank in general, built from the arrays in scope."""
    a, b = g.pick(env.vec), g.pick(env.vec)
    return f"({a}[:, None] * {b}[None, :] + np.tanh({b}[:, None] - {a}[None, :]))"


def scal_form(g, env, d: int) -> str:
    form = g.pick(["mod", "boolop", "norm", "matrix_norm", "power"])
    g.features.add(form if form != "matrix_norm" else "norm")
    if form == "mod":
        return g.pick(REMAINDERS).format(a=g.scal_expr(env, d), b=divisor(g, env, d, True))
    if form == "boolop":
        op = g.pick(["or", "and"])
        return f"({g.scal_expr(env, d)} {op} {g.scal_expr(env, d)})"
    if form == "norm":
        return f"np.linalg.norm({g.vec_expr(env, d)}, {g.pick(VECTOR_ORDS)})"
    if form == "matrix_norm":
        return f"np.linalg.norm({matrix(g, env)}, {g.pick(MATRIX_ORDS)})"
    base = g.pick(POSITIVE).format(g.scal_expr(env, d))
    p = exponent(g, env, d, True)
    return f"({base} ** {p})" if g.chance() else f"np.power({base}, {p})"


def vec_form(g, env, d: int) -> str:
    form = g.pick(["mod", "astype", "full", "axis_norm", "power", "where", "where"])
    g.features.add(form if form != "axis_norm" else "norm")
    if form == "mod":
        return g.pick(REMAINDERS).format(a=g.vec_expr(env, d),
                                         b=divisor(g, env, d, g.chance()))
    if form == "astype":
        return g.pick(ASTYPES).format(g.vec_expr(env, d))
    if form == "full":
        s, t = g.scal_expr(env, d), g.scal_expr(env, d)
        return g.pick(["np.full(3, {s})", "np.full((3,), {s})", "np.full_like({v}, {s})",
                       "np.linspace({s}, {t}, 3)", "(np.ones(3) * {s})"]).format(
            s=s, t=t, v=g.pick(env.vec))
    if form == "axis_norm":
        ord_ = g.pick(["", "1, ", "2, ", "np.inf, ", "ord=-np.inf, "])
        return f"np.linalg.norm({matrix(g, env)}, {ord_}axis={g.pick(['0', '1'])})"
    if form == "power":
        base = g.pick(POSITIVE).format(g.vec_expr(env, d))
        p = exponent(g, env, d, g.chance())
        return f"({base} ** {p})" if g.chance() else f"np.power({base}, {p})"
    return where_trap(g, env, d)


def where_trap(g, env, d: int) -> str:
    """``np.where`` whose untaken branch is NaN or infinite (its derivative too)."""
    v, u = g.pick(env.vec), g.vec_expr(env, d)
    t = g.pick(["0.0", "0.5"])
    form = g.pick(["np.where({v} > {t}, np.sqrt({v} - {t}), 0.0)",
                   "np.where({v} > {t}, np.sqrt({v} - {t}) * {u}, {u})",
                   "np.where({v} > {t}, np.log({v} - {t}), {u})",
                   "np.where({v} > {t}, {u} / np.maximum({v} - {t}, 0.0), {u})",
                   "np.where({v} < {t}, {u}, np.log(np.maximum({v} - {t}, 0.0)))",
                   "np.where({v} <= {t}, np.sin({u}), {u} / np.sqrt({v} - {t}))"])
    return form.format(v=v, u=u, t=t)


def _gap(values: np.ndarray, largest: bool) -> np.ndarray:
    """The distance between the two largest (or smallest) values along the last axis."""
    if values.shape[-1] < 2:
        return np.array([np.inf])
    s = np.sort(values, axis=-1)
    return s[..., -1] - s[..., -2] if largest else s[..., 1] - s[..., 0]


class OperatorProbe:
    """Mixed into fuzz_programs._Probe (which provides ``note``)."""

    def remainder(self, fn, a, b):
        r = fn(a, b)
        size = np.abs(np.asarray(b, dtype=float))
        self.note(np.minimum(np.abs(r), size - np.abs(r)))
        return r

    def truth(self, value):
        if not isinstance(value, (bool, np.bool_)):
            self.note(value)
        return value

    def norm(self, a, ord=None, axis=None):  # noqa: A002 - np.linalg.norm's own name
        a = np.asarray(a, dtype=float)
        value = np.linalg.norm(a, ord, axis)
        if ord is not None and ord != "fro" and ord != 2:
            self.note(a)                                  # |a_ij| kinks at zero
        if a.ndim == 1 or axis is not None:
            rows = np.abs(a if a.ndim == 1 else np.moveaxis(a, axis, -1))
            if ord in (np.inf, -np.inf):
                self.note(_gap(rows, ord > 0))
        elif ord in (1, -1):
            self.note(_gap(np.abs(a).sum(axis=0), ord > 0))
        elif ord in (np.inf, -np.inf):
            self.note(_gap(np.abs(a).sum(axis=1), ord > 0))
        if ord in (None, 2, "fro"):
            self.note(value)                              # a zero norm
        return value


def probe_call(name: str) -> str | None:
    """The probe method a call of ``name`` goes through, or None."""
    if name in ("np.mod", "np.remainder", "np.fmod"):
        return "_probe.remainder"
    if name == "np.linalg.norm":
        return "_probe.norm"
    return None
