"""Order statistics: np.quantile with linear interpolation, and the functions that are
quantiles (median, percentile, and their nan- spellings), over one axis or all.

    y = quantile(x, q, axis)    the sorted x (NaN left out for nanquantile), read at the
                                virtual index h = (n - 1) q between its elements lo and
                                lo + 1: y = (1 - f) x_(lo) + f x_(lo+1), f = h - lo
    dx = w * g,  dy = sum(w * t, axis), w = quantile_weights(x): 1 - f and f at the two
                                elements read, 0 elsewhere (a step function of x: its own
                                derivative is 0, so the Hessian is 0 away from ties)

Conventions: the median of an even number of elements gives 1/2 to each middle element;
at ties the weight goes to the element a stable sort puts at that rank (of tied elements,
in x's order), as JAX's sort-based quantile does. ``method`` other than 'linear' is
refused. A list (or tuple, or np.array written out) of constant q is one quantile per q,
stacked along a new first axis as NumPy gives them: ``np.percentile(v, [25, 75])`` is
``np.stack([np.percentile(v, 25), np.percentile(v, 75)])``.
"""
from __future__ import annotations

from ..ir import TMP, Const, Node
from . import arrays as A
from .compositions import only, option
from .reductions import reduction_shape
from .registry import NO_DERIVATIVE, Primitive, register

QUANTILE_WEIGHTS = '''def quantile_weights(x, q, axis, skip_nan):
    """w with np.quantile(x, q, axis) == sum(w * x, axis) (linear interpolation): 1 - f
    and f at the two elements of x a stable sort puts at ranks lo and lo + 1 (NaN sorted
    last, and left out of the count when skip_nan), 0 elsewhere."""
    x = np.asarray(x, dtype=float)
    moved = x.reshape(-1) if axis is None else np.moveaxis(x, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    order = np.argsort(rows, axis=-1, kind="stable")
    count = np.sum(~np.isnan(rows), axis=-1) if skip_nan else np.full(len(rows), rows.shape[-1])
    h = np.maximum(count - 1, 0) * q
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(count - 1, 0))
    r = np.arange(len(rows))
    w = np.zeros_like(rows)
    np.add.at(w, (r, order[r, lo]), 1.0 - (h - lo))
    np.add.at(w, (r, order[r, hi]), h - lo)
    w = w.reshape(moved.shape)
    return w.reshape(x.shape) if axis is None else np.moveaxis(w, -1, axis)
'''


def _fraction(n: Node) -> float:
    """q as a fraction of 1 (a percentile's q is out of 100; a median's is 1/2)."""
    scale = SPELLED[n.param("spelling")][0]
    return 0.5 if scale is None else n.param("q") / scale


def _weights(em, n: Node):
    return em.tmp("quantile_weights", [n.args[0]], q=_fraction(n), axis=n.param("axis"),
                  nan=SPELLED[n.param("spelling")][1])


def _vjp(em, g, n: Node, i: int):
    return em.ew_out(lambda w, u: w * u, [_weights(em, n), A._expand_back(em, g, n)])


def _jvp(em, n: Node, ts):
    part = em.ew_tmp(lambda w, t: w * t, [_weights(em, n), ts[0]])
    return em.out("sum", [part], axis=n.param("axis"), keepdims=n.param("keepdims"))


#: spelling -> (the fraction q is given in, NaN left out)
SPELLED = {"quantile": (1, False), "nanquantile": (1, True), "percentile": (100, False),
           "nanpercentile": (100, True), "median": (None, False), "nanmedian": (None, True)}


def _lower(ctx, e, hint, name, args, keywords):
    scale = SPELLED[name][0]
    position = 1 if scale is None else 2
    only(ctx, e, keywords, {"axis", "keepdims"} | ({"q", "method"} if scale else set()),
         f"np.{name}")
    x = ctx.array(args[0], e)
    q = 0.5
    if scale is not None:
        q = ctx.static(_written_out(ctx, option(args, keywords, 1, "q", None)), e, "q")
        method = ctx.static(keywords.get("method", Const("linear")), e, "method")
        if method != "linear":
            raise ctx.fail(f"np.{name} with method={method!r} is not supported", e,
                           "use the default method='linear'")
        qs = q if isinstance(q, tuple) and q else (q,)
        if not all(_fraction_of(v, scale) for v in qs):
            raise ctx.fail(f"np.{name} takes a constant q between 0 and {scale} (or a list "
                           "of such) here", e, f"write q as a number or a list of numbers, "
                           f"e.g. np.{name}(x, [{scale / 4:g}, {3 * scale / 4:g}])")
    axis = ctx.static(option(args, keywords, position, "axis", None), e, "axis")
    if axis is not None and not isinstance(axis, int) or isinstance(axis, bool):
        raise ctx.fail(f"np.{name} is supported over one axis or all of them", e,
                       "move the axes together first with np.reshape")
    keepdims = bool(ctx.static(keywords.get("keepdims", Const(False)), e, "keepdims"))
    if not isinstance(q, tuple):
        return ctx.emit("quantile", [x], hint, q=q, axis=axis, keepdims=keepdims,
                        spelling=name)
    parts = [ctx.emit("quantile", [x], TMP, q=v, axis=axis, keepdims=keepdims, spelling=name)
             for v in q]                        # NumPy puts the axis of q first
    return ctx.emit("stack", parts, hint, axis=0)


def _written_out(ctx, q):
    """q given as ``np.array([0.25, 0.75])`` of constants: those constants (a tuple, as a
    list of q gives them); any other q as it is."""
    made = next((n for n in reversed(ctx.b.body) if n.out == q), None) \
        if not isinstance(q, Const) else None
    if made is not None and made.op == "np" and made.param("fn") in ("array", "asarray") \
            and not made.param("keywords") and len(made.args) == 1 \
            and isinstance(made.args[0], Const) and made.args[0].name is None:
        return Const(made.args[0].value)
    return q


def _fraction_of(q, scale) -> bool:
    """Whether q is a number between 0 and ``scale``."""
    return not isinstance(q, bool) and isinstance(q, (int, float)) and 0 <= q / scale <= 1


def _print(n, p):
    kws = [("axis", n.param("axis"))] if n.param("axis") is not None else []
    kws += [("keepdims", True)] if n.param("keepdims") else []
    q = [] if SPELLED[n.param("spelling")][0] is None else [p.literal(n.param("q"))]
    return p.np(n.param("spelling"), p.a + q, kws)


register(
    Primitive("quantile", "reductions", "(1 - f) x_(lo) + f x_(lo+1) of the sorted x",
              shape=reduction_shape, partial_shapes=True, vjp=_vjp, jvp=_jvp, printer=_print,
              params=(("q", "number"), ("axis", "axis"), ("keepdims", "bool"),
                      ("spelling", "str")), reduction=True, lower=_lower,
              spellings=tuple(f"np.{s}" for s in SPELLED)),
    Primitive("quantile_weights", "internal", "the weights linear interpolation gives x's "
              "elements", shape=lambda n, s, v: s[0], vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE,
              params=(("q", "number"), ("axis", "axis"), ("nan", "bool")),
              printer=lambda n, p: p.helper("quantile_weights", p.a + [
                  p.literal(n.param(k)) for k in ("q", "axis", "nan")]),
              helper="quantile_weights", helper_source=QUANTILE_WEIGHTS),
)
