"""Tensor products: np.tensordot (np.inner is one) and np.kron. Bilinear: the tangent is
the product rule, and each VJP contracts the upstream gradient with the other factor.

    y = tensordot(a, b, axes)     da = tensordot(g, b, (y's axes from b, b's free axes)),
                                       its axes put back in a's order (np.transpose)
                                  db = tensordot(a, g, (a's free axes, y's axes from a)), alike
    y = inner(a, b)               tensordot(a, b, axes=(-1, -1)), printed np.inner
    y = kron(a, b)                g seen as (a0, b0, a1, b1, ...): da = g contracted with b
                                  over the b axes, db alike (a helper, any ranks)

When the ranks are not known at compile time (shape-generic code), the tensordot VJP is
a helper doing the same at run time.
"""
from __future__ import annotations

import numpy as np

from ..ir import Const
from . import tangents as T
from .registry import NOT_YET, Composition, Primitive, compose, register


def contracted(axes, ra: int, rb: int) -> tuple[list, list]:
    """np.tensordot's axes as two lists of non-negative axes of a and of b."""
    if isinstance(axes, int):
        return list(range(ra - axes, ra)), list(range(axes))
    first, second = (tuple(np.atleast_1d(v).tolist()) for v in axes)
    return [k % ra for k in first], [k % rb for k in second]


def _inverse(order: list) -> tuple | None:
    return None if order == sorted(order) else tuple(int(k) for k in np.argsort(order))


def vjp_tensordot(em, g, n, i: int):
    a, b = n.args
    ra, rb = em.ndim(a), em.ndim(b)
    if ra is None or rb is None:
        return em.out("tensordot_vjp", [g, a, b], axes=n.param("axes"), left=i == 0)
    axa, axb = contracted(n.param("axes"), ra, rb)
    free_a = [k for k in range(ra) if k not in axa]
    free_b = [k for k in range(rb) if k not in axb]
    if i == 0:
        pair = (tuple(range(len(free_a), len(free_a) + len(free_b))), tuple(free_b))
        order = free_a + [axa[axb.index(k)] for k in sorted(axb)]
        args = [g, b]
    else:
        pair = (tuple(free_a), tuple(range(len(free_a))))
        order = [axb[axa.index(k)] for k in sorted(axa)] + free_b
        args = [a, g]
    inverse = _inverse(order)
    if inverse is None:
        return em.out("tensordot", args, axes=pair)
    part = em.tmp("tensordot", args, axes=pair)
    return em.out("transpose", [part], axes=inverse)


def _tensordot_shape(n, shapes, values):
    a, b = (np.zeros(s) for s in shapes)
    return np.tensordot(a, b, axes=n.param("axes")).shape


def _print_tensordot(n, p):
    if n.param("inner"):
        return p.np("inner", p.a)
    return p.np("tensordot", p.a, [("axes", p.literal(n.param("axes")))])


def _lower_tensordot(ctx, e, hint, name, args, keywords):
    if set(keywords) - {"axes"} or len(args) + len(keywords) not in (2, 3) or len(args) < 2:
        raise ctx.fail("np.tensordot takes two arrays and axes here", e,
                       "write np.tensordot(a, b, axes=2) or axes=([1, 0], [0, 1])")
    a, b = (ctx.array(v, e) for v in args[:2])
    given = keywords.get("axes", args[2] if len(args) > 2 else Const(2))
    axes = ctx.static(given, e, "axes")
    if not isinstance(axes, int) or isinstance(axes, bool):
        if not (isinstance(axes, tuple) and len(axes) == 2):
            raise ctx.fail("np.tensordot's axes are a count or a pair of lists of axes", e)
        axes = tuple(v if isinstance(v, tuple) else (v,) for v in axes)
    return ctx.emit("tensordot", [a, b], hint, axes=axes, inner=False)


def _lower_inner(ctx, e, hint, name, args, keywords):
    if keywords or len(args) != 2:
        raise ctx.fail("np.inner takes two arrays", e)
    a, b = (ctx.array(v, e) for v in args)
    return ctx.emit("tensordot", [a, b], hint, axes=((-1,), (-1,)), inner=True)


def _lower_kron(ctx, e, hint, name, args, keywords):
    if keywords or len(args) != 2:
        raise ctx.fail("np.kron takes two arrays", e)
    return ctx.emit("kron", [ctx.array(v, e) for v in args], hint)


def _print_vjp_helper(n, p):
    return p.helper(n.op, p.a + [p.literal(v) for k, v in n.params
                                 if k in ("axes", "left")])


def _vjp_helper_jvp(em, n, ts):
    """Linear in g and in the other factor (b for the left gradient, a for the right)."""
    return T.bilinear(0, 2 if n.param("left") else 1)(em, n, ts)


def vjp_kron(em, g, n, i: int):
    return em.out("kron_vjp", [g, *n.args], left=i == 0)


TENSORDOT_VJP = '''def tensordot_vjp(g, a, b, axes, left):
    """Gradient of np.tensordot(a, b, axes) with respect to a (left) or b, any ranks."""
    ra, rb = np.ndim(a), np.ndim(b)
    if isinstance(axes, int):
        axa, axb = list(range(ra - axes, ra)), list(range(axes))
    else:
        axa = [k % ra for k in np.atleast_1d(axes[0])]
        axb = [k % rb for k in np.atleast_1d(axes[1])]
    free_a = [k for k in range(ra) if k not in axa]
    free_b = [k for k in range(rb) if k not in axb]
    if left:
        part = np.tensordot(g, b, axes=(list(range(len(free_a), np.ndim(g))), free_b))
        order = free_a + [axa[axb.index(k)] for k in sorted(axb)]
    else:
        part = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
        order = [axb[axa.index(k)] for k in sorted(axa)] + free_b
    return np.transpose(part, np.argsort(order))
'''

KRON_VJP = '''def kron_vjp(g, a, b, left):
    """Gradient of np.kron(a, b) with respect to a (left) or b: g seen as
    (a0, b0, a1, b1, ...), contracted with the other factor."""
    nd = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (nd - np.ndim(a)) + np.shape(a)
    sb = (1,) * (nd - np.ndim(b)) + np.shape(b)
    g = np.reshape(g, [d for pair in zip(sa, sb) for d in pair])
    own = list(range(0 if not left else 1, 2 * nd, 2))
    other = np.reshape(b, sb) if left else np.reshape(a, sa)
    part = np.tensordot(g, other, axes=(own, list(range(nd))))
    return np.reshape(part, np.shape(a) if left else np.shape(b))
'''

register(
    Primitive("tensordot", "products", "sum over the paired axes of a[...] b[...]",
              shape=_tensordot_shape, vjp=vjp_tensordot, jvp=T.bilinear(0, 1),
              printer=_print_tensordot, gate="tensordot contracts",
              params=(("axes", "any"), ("inner", "bool")), spellings=("np.tensordot",),
              lower=_lower_tensordot,
              numba_refuses=lambda n: "np.tensordot (numba has none; np.einsum compiles)"),
    Primitive("kron", "products", "a[i] b[j] at i * len(b) + j, along every axis",
              shape=lambda n, s, v: np.kron(np.zeros(s[0]), np.zeros(s[1])).shape,
              vjp=vjp_kron, jvp=T.bilinear(0, 1), printer=lambda n, p: p.np("kron", p.a),
              spellings=("np.kron",), lower=_lower_kron),
    Primitive("tensordot_vjp", "internal", "d tensordot(a, b)/da (or /db) applied to g",
              shape=lambda n, s, v: s[1] if n.param("left") else s[2], vjp=NOT_YET,
              jvp=_vjp_helper_jvp, printer=_print_vjp_helper, helper="tensordot_vjp",
              helper_source=TENSORDOT_VJP, params=(("axes", "any"), ("left", "bool"))),
    Primitive("kron_vjp", "internal", "d kron(a, b)/da (or /db) applied to g",
              shape=lambda n, s, v: s[1] if n.param("left") else s[2], vjp=NOT_YET,
              jvp=_vjp_helper_jvp, printer=_print_vjp_helper, helper="kron_vjp",
              helper_source=KRON_VJP, params=(("left", "bool"),)),
)
compose(Composition("inner", "tensordot(a, b, axes=(-1, -1))", _lower_inner,
                    spellings=("np.inner",)))
