"""Covariances, correlations and integrals written with primitives (no rules of their own:
the primitives they are written with carry their derivatives):

    cov(m, y, bias, ddof)     X = atleast_2d(m) (rows are variables; y's rows join them),
                              Xc = X - mean(X, axis=1); squeeze(Xc @ Xc.T / (N - ddof)),
                              N the observations, ddof 1 unless bias=True or given
    corrcoef(m, y)            c / sqrt(outer(diag(c), diag(c))), c = cov(m, y)
    trapezoid(y, x, dx, axis) sum((y[1:] + y[:-1]) / 2 * d, axis), d = diff(x) or dx
                              (x= along the last axis)

rowvar=False reads the columns of each 2-D argument as its variables (X = m.T). NumPy
keeps a single row (or a vector) as one variable there, which the program's ranks do not
show where the call is lowered: the generated code checks that m (and y) are 2-D with more
than one row, a located stop otherwise (np.cov(v) is the variance of a vector v).
aweights= and fweights= are refused.
"""
from __future__ import annotations

import sympy

from ..ir import TMP
from .compositions import none, only, option
from .differences import _slice
from .registry import Composition, compose


def _rows(ctx, e, value, rowvar: bool, name: str):
    """The variables as rows: atleast_2d(m), or m.T with rowvar=False."""
    x = ctx.array(value, e)
    if rowvar:
        return ctx.emit("atleast", [x], TMP, ndim=2)
    ctx.emit("check_ndim", [x], TMP, ndim=2, several_rows=True,
             message=f"np.{name}(m, rowvar=False) takes 2-D arrays of more than one row here; "
             f"for a single variable (a vector, one row) write np.{name}(m)")
    return ctx.emit("transpose", [x], TMP, axes=None)


def _covariance(ctx, e, args, keywords, name):
    only(ctx, e, keywords, {"y", "rowvar", "bias", "ddof"} - ({"bias", "ddof"}
                                                            if name == "corrcoef" else set()),
         f"np.{name}")
    rowvar = ctx.static(option(args, keywords, 2, "rowvar", True), e, "rowvar")
    rows = [_rows(ctx, e, args[0], bool(rowvar), name)]
    y = option(args, keywords, 1, "y", None)
    if not none(y):
        rows.append(_rows(ctx, e, y, bool(rowvar), name))
    x = rows[0] if len(rows) == 1 else ctx.emit("concatenate", rows, TMP, axis=0)
    bias = ctx.static(option(args, keywords, 3, "bias", False), e, "bias")
    ddof = ctx.static(option(args, keywords, 4, "ddof", None), e, "ddof")
    if ddof is None:
        ddof = 0 if bias else 1
    if isinstance(ddof, bool) or not isinstance(ddof, int):
        raise ctx.fail("ddof must be an integer", e, "write ddof=0 or ddof=1")
    centre = ctx.emit("mean", [x], TMP, axis=1, keepdims=True)
    centred = ctx.ew(lambda a, m: a - m, [x, centre], TMP)
    product = ctx.emit("matmul", [centred, ctx.emit("transpose", [centred], TMP, axes=None)],
                       TMP)
    count = ctx.emit("dim", [x], TMP, axis=1)
    return ctx.ew(lambda p, n: p / (n - ddof), [product, count], TMP)


def cov(ctx, e, hint, name, args, keywords):
    c = _covariance(ctx, e, args, keywords, "cov")
    return ctx.emit("squeeze", [c], hint, axis=None)


def corrcoef(ctx, e, hint, name, args, keywords):
    c = _covariance(ctx, e, args, keywords, "corrcoef")
    d = ctx.emit("einsum", [c], TMP, subscripts="ii->i")
    scale = ctx.emit("outer", [d, d], TMP)
    r = ctx.ew(lambda a, s: a / sympy.sqrt(s), [c, scale], TMP)
    return ctx.emit("squeeze", [r], hint, axis=None)


def trapezoid(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"x", "dx", "axis"}, f"np.{name}")
    y = ctx.array(args[0], e)
    x, dx = option(args, keywords, 1, "x", None), option(args, keywords, 2, "dx", 1.0)
    axis = ctx.static(option(args, keywords, 3, "axis", -1), e, "axis")
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ctx.fail(f"np.{name} takes one integer axis", e, "write axis=-1 or axis=0")
    ends = [_slice(ctx, y, axis, s, t) for s, t in ((1, None), (None, -1))]
    mids = ctx.ew(lambda a, b: (a + b) / 2, ends, TMP)
    if none(x):
        step = ctx.array(dx, e)
    elif axis != -1:
        raise ctx.fail(f"np.{name} with sample points x= integrates along the last axis here",
                       e, f"move the axis last first: np.{name}(np.moveaxis(y, {axis}, -1), x)")
    else:
        x = ctx.array(x, e)
        step = ctx.ew(lambda a, b: a - b, [_slice(ctx, x, -1, 1, None),
                                           _slice(ctx, x, -1, None, -1)], TMP)
    return ctx.emit("sum", [ctx.ew(lambda m, d: m * d, [mids, step], TMP)], hint, axis=axis,
                    keepdims=False)


compose(
    Composition("cov", "(X - mean) @ (X - mean).T / (N - ddof)", cov, spellings=("np.cov",)),
    Composition("corrcoef", "cov / sqrt(outer(var, var))", corrcoef,
                spellings=("np.corrcoef",)),
    Composition("trapezoid", "sum((y[1:] + y[:-1]) / 2 * diff(x))", trapezoid,
                spellings=("np.trapezoid",)),
)
