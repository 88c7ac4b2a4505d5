"""scipy.linalg: solve_triangular, solve_sylvester, expm, logm and sqrtm as primitives (printed
as SciPy's calls, so the generated module imports scipy.linalg exactly when the user's
code called it); cho_factor, cho_solve, cholesky, solve, inv and det written with
primitives. Batched (``...``-leading) matrices where SciPy batches; X^T swaps the last two
axes.

    solve_triangular  x = op(M)^-1 b,  M = tril(A) (lower) or triu(A), with a unit
                      diagonal if unit_diagonal; op(M) = M (trans 0, 'N') or M^T (1, 2,
                      'T', 'C': the same for real A)
                      db = op(M)^-T g          (solve_triangular with the other trans)
                      dM = -db x^T, transposed when trans is 1
                      dA = the part of dM in the triangle SciPy reads (without the
                      diagonal if unit_diagonal): SciPy never reads the other triangle,
                      so its entries get a zero gradient
                      dx = op(M)^-1 (db - op(dM) x)
    solve_sylvester   X with A X + X B = Q     Y = solve_sylvester(A^T, B^T, G)
                      dQ = Y, dA = -Y X^T, dB = -X^T Y
                      dX = solve_sylvester(A, B, dQ - dA X - X dB)
    expm              E = exp(A)               dA = [expm([[A^T, G], [0, A^T]])]_12
                      (the Frechet derivative  dE = [expm([[A, dA], [0, A]])]_12
                      as the upper-right n x n block of the exponential of a 2n x 2n block
                      matrix, which is expm again: differentiated a second time the same way)
    logm              L = log(A), the principal logarithm, real for a real A with no
                      eigenvalue on the closed negative real axis (as SciPy returns it);
                      dA = [logm([[A^T, G], [0, A^T]])]_12, as for expm: the block
                      matrix has A's eigenvalues, so its logarithm is real too
    sqrtm             S = sqrtm(A), S S = A    S dS + dS S = dA:
                      dS = solve_sylvester(S, S, dA),  dA = solve_sylvester(S^T, S^T, G)
                      the principal square root of a real matrix with no eigenvalue on the
                      closed negative real axis (SPD, or well conditioned near one): SciPy
                      returns it real, and np.real(sqrtm(A)) is that same matrix
    cholesky          lower=True: np.linalg.cholesky(A) (reads A's lower triangle);
                      lower=False, SciPy's default: the UPPER factor U = chol(A^T)^T, U^T U
                      = A, reading A's upper triangle; the other triangle gets zero gradient
    cho_factor        (c, lower): c holds the factor in its triangle and, as LAPACK leaves
                      it, A's own entries in the other one (c = L + triu(A, 1) for lower,
                      U + tril(A, -1) for upper), so c's value and gradient are SciPy's
    cho_solve         cho_solve((c, lower), b) = A^-1 b with A = L L^T (two triangular
                      solves with c's lower triangle) or U^T U (with its upper one): the
                      gradient wrt c is zero outside the factor's triangle
    solve, inv, det   np.linalg's (the same numbers and rules)

Numba cannot call scipy.linalg: a jitted function using solve_triangular, solve_sylvester,
expm, logm or sqrtm runs in NumPy (with one warning), without a failed compile.
"""
from __future__ import annotations

import ast

import numpy as np

from ..ir import TMP, Const, Node
from . import arrays as A
from .compositions import only, option
from .registry import Composition, Primitive, compose, register

T = "...ij->...ji"
UPPER_RIGHT = (Ellipsis, ("slice", None, 1, None), ("slice", 1, None, None))


def _transpose(em, v):
    return em.tmp("einsum", [v], subscripts=T)


def _scipy_call(function: str):
    """The printer of ``scipy.linalg.<function>(args, keywords from the node)``."""
    def printer(n, p):
        from ..backend.codegen_math import global_name
        p.imports.add("scipy.linalg")
        target = ast.Attribute(ast.Attribute(ast.Name(global_name("scipy"), ast.Load()),
                                             "linalg", ast.Load()), function, ast.Load())
        keywords = [ast.keyword(k, ast.Constant(v)) for k, v in _keywords(n)]
        return ast.Call(target, list(p.a), keywords)
    return printer


def _keywords(n):
    if n.op != "solve_triangular":
        return []
    return [(k, n.param(k)) for k in ("lower", "trans", "unit_diagonal") if n.param(k)]


def _refused_by_numba(n) -> str:
    return f"scipy.linalg.{n.op}"


# ---------------------------------------------------------------- solve_triangular


def _triangle(em, v, lower: bool, unit: bool, out: bool = False):
    """The part of v that a triangular solve reads (strict when the diagonal is unit)."""
    k = (-1 if lower else 1) if unit else 0
    return (em.out if out else em.tmp)("tril" if lower else "triu", [v], k=k)


def _same_options(n: Node, **changed):
    options = {k: n.param(k) for k in ("lower", "trans", "unit_diagonal")}
    return {**options, **changed}


def vjp_solve_triangular(em, g, n: Node, i: int):
    a, b = n.args
    trans = n.param("trans")
    solve = em.out if i == 1 else em.tmp
    gb = solve("solve_triangular", [a, g], **_same_options(n, trans=1 - trans))
    if i == 1:
        return gb
    negative = em.ew_tmp(lambda v: -v, [gb])
    em.set_shape(negative, em.shape(b))
    product = Node(n.out, "matmul", (a, n.out), (), n.loc)   # M x = b: its matmul rule
    moved = A.vjp_matmul(em, negative, product, 0)           # -gb x^T, as a matmul's
    if trans:
        moved = _transpose(em, moved)
    return _triangle(em, moved, n.param("lower"), n.param("unit_diagonal"), out=True)


def jvp_solve_triangular(em, n: Node, ts):
    a, _ = n.args
    rhs = ts[1]
    if ts[0] is not None:
        part = _triangle(em, ts[0], n.param("lower"), n.param("unit_diagonal"))
        if n.param("trans"):
            part = _transpose(em, part)
        moved = em.tmp("matmul", [part, n.out])
        rhs = em.ew_tmp(lambda v: -v, [moved]) if rhs is None else \
            em.ew_tmp(lambda u, v: u - v, [rhs, moved])
    return em.out("solve_triangular", [a, rhs], **_same_options(n))


def _solve_shape(n, shapes, values):
    a, b = shapes
    if len(b) == 1:
        return tuple(b)
    return tuple(np.broadcast_shapes(tuple(a[:-2]), tuple(b[:-2]))) + tuple(b[-2:])


TRANS = {0: 0, 1: 1, 2: 1, "N": 0, "T": 1, "C": 1, "n": 0, "t": 1, "c": 1}


def lower_solve_triangular(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"lower", "trans", "unit_diagonal", "check_finite", "b"}, name)
    if len(args) > 5 or len(args) + ("b" in keywords) < 2:
        raise ctx.fail(f"{name} takes (a, b, trans, lower, unit_diagonal) here", e,
                       "write solve_triangular(a, b, lower=True)")
    a = ctx.array(args[0], e)
    b = ctx.array(keywords.get("b", args[1] if len(args) > 1 else None), e)
    trans = ctx.static(option(args, keywords, 2, "trans", 0), e, "trans")
    lower = ctx.static(option(args, keywords, 3, "lower", False), e, "lower")
    unit = ctx.static(option(args, keywords, 4, "unit_diagonal", False), e, "unit_diagonal")
    if isinstance(trans, bool) or trans not in TRANS:
        raise ctx.fail(f"trans must be 0, 1, 2, 'N', 'T' or 'C', not {trans!r}", e,
                       "write trans=0 (solve A x = b) or trans=1 (A^T x = b)")
    return ctx.emit("solve_triangular", [a, b], hint, lower=bool(lower), trans=TRANS[trans],
                    unit_diagonal=bool(unit))


# ---------------------------------------------------------------- solve_sylvester


def vjp_solve_sylvester(em, g, n: Node, i: int):
    a, b, _ = n.args
    x = n.out
    y = (em.out if i == 2 else em.tmp)("solve_sylvester",
                                       [_transpose(em, a), _transpose(em, b), g])
    if i == 2:
        return y
    product = em.tmp("einsum", [y, x], subscripts="...ik,...jk->...ij") if i == 0 else \
        em.tmp("einsum", [x, y], subscripts="...ki,...kj->...ij")
    return em.ew_out(lambda v: -v, [product])


def jvp_solve_sylvester(em, n: Node, ts):
    a, b, _ = n.args
    x = n.out
    rhs = ts[2]
    for tangent, left in ((ts[0], True), (ts[1], False)):
        if tangent is None:
            continue
        moved = em.tmp("matmul", [tangent, x] if left else [x, tangent])
        rhs = em.ew_tmp(lambda v: -v, [moved]) if rhs is None else \
            em.ew_tmp(lambda u, v: u - v, [rhs, moved])
    return em.out("solve_sylvester", [a, b, rhs])


# ---------------------------------------------------------------- expm, sqrtm


def frechet(em, op: str, m, direction):
    """The upper-right block of f([[m, direction], [0, m]]) (f = expm or logm, a matrix
    function of a power series with real coefficients): d f at m along ``direction``."""
    top = em.tmp("concatenate", [m, direction], axis=-1, sequence="list")
    zeros = em.tmp("np", [m], fn="zeros_like", keywords=())
    bottom = em.tmp("concatenate", [zeros, m], axis=-1, sequence="list")
    block = em.tmp("concatenate", [top, bottom], axis=-2, sequence="list")
    value = em.tmp(op, [block])
    size = em.tmp("dim", [m], axis=-1)
    return em.out("getitem", [value, size], index=UPPER_RIGHT)


def vjp_frechet(em, g, n: Node, i: int):
    """dA = [f([[A^T, G], [0, A^T]])]_12: the adjoint of d f at A is d f at A^T."""
    return frechet(em, n.op, _transpose(em, n.args[0]), g)


def jvp_frechet(em, n: Node, ts):
    return frechet(em, n.op, n.args[0], ts[0])


def vjp_sqrtm(em, g, n: Node, i: int):
    root = _transpose(em, n.out)
    return em.out("solve_sylvester", [root, root, g])


def jvp_sqrtm(em, n: Node, ts):
    return em.out("solve_sylvester", [n.out, n.out, ts[0]])


def _same(n, shapes, values):
    return shapes[0]


def _last(n, shapes, values):
    return tuple(np.broadcast_shapes(*(tuple(s) for s in shapes)))


def _lower_matrix_call(op: str, arity: int):
    def lower(ctx, e, hint, name, args, keywords):
        only(ctx, e, keywords, {"check_finite"} if op == "sqrtm" else set(), name)
        if len(args) != arity:
            raise ctx.fail(f"{name} takes {arity} matrices here", e,
                           "pass the matrices by position")
        return ctx.emit(op, [ctx.array(a, e) for a in args], hint)
    return lower


# ---------------------------------------------------------------- compositions


def _flag(ctx, e, args, keywords, position, name, default):
    value = ctx.static(option(args, keywords, position, name, default), e, name)
    if not isinstance(value, (bool, int)):
        raise ctx.fail(f"{name} must be True or False", e, f"write {name}=True")
    return bool(value)


def _factor(ctx, a, lower: bool, hint):
    """The Cholesky factor SciPy computes: L (reading A's lower triangle) or U = L(A^T)^T."""
    if lower:
        return ctx.emit("cholesky", [a], hint)
    transposed = ctx.emit("einsum", [a], TMP, subscripts=T)
    factor = ctx.emit("cholesky", [transposed], TMP)
    return ctx.emit("einsum", [factor], hint, subscripts=T)


def lower_cholesky(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"lower", "overwrite_a", "check_finite"}, name)
    lower = _flag(ctx, e, args, keywords, 1, "lower", False)
    return _factor(ctx, ctx.array(args[0], e), lower, hint)


def lower_cho_factor(ctx, e, hint, name, args, keywords):
    """(c, lower), c the factor with A's own entries in its other triangle, as SciPy's."""
    only(ctx, e, keywords, {"lower", "overwrite_a", "check_finite"}, name)
    lower = _flag(ctx, e, args, keywords, 1, "lower", False)
    a = ctx.array(args[0], e)
    factor = _factor(ctx, a, lower, TMP)
    rest = ctx.emit("triu" if lower else "tril", [a], TMP, k=1 if lower else -1)
    return ctx.tup((ctx.ew(lambda u, v: u + v, [factor, rest], hint), Const(lower)))


def lower_cho_solve(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"check_finite", "overwrite_b"}, name)
    pair = ctx.items(args[0]) if args else None
    if pair is None or len(pair) != 2 or len(args) != 2:
        raise ctx.fail(f"{name} takes ((c, lower), b)", e,
                       "pass what cho_factor returned, or the pair (c, lower) written out")
    c = ctx.array(pair[0], e)
    lower = ctx.static(pair[1], e, "the lower flag of (c, lower)")
    b = ctx.array(args[1], e)
    first, second = (0, 1) if lower else (1, 0)       # L L^T x = b, or U^T U x = b
    y = ctx.emit("solve_triangular", [c, b], TMP, lower=bool(lower), trans=first,
                 unit_diagonal=False)
    return ctx.emit("solve_triangular", [c, y], hint, lower=bool(lower), trans=second,
                    unit_diagonal=False)


def lower_solve(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"assume_a", "check_finite", "overwrite_a", "overwrite_b"}, name)
    assume = ctx.static(keywords.get("assume_a", Const("gen")), e, "assume_a")
    if assume not in ("gen", "general"):
        raise ctx.fail(f"{name} with assume_a={assume!r} reads one triangle of a", e,
                       "leave out assume_a (the same solution for a symmetric a), or "
                       "factor it with cho_factor and solve with cho_solve")
    if len(args) != 2:
        raise ctx.fail(f"{name} takes (a, b) here", e, "pass a and b by position")
    return ctx.emit("solve", [ctx.array(v, e) for v in args], hint)


def _lower_same(op: str):
    def lower(ctx, e, hint, name, args, keywords):
        only(ctx, e, keywords, {"check_finite", "overwrite_a"}, name)
        if len(args) != 1:
            raise ctx.fail(f"{name} takes one matrix", e)
        return ctx.emit(op, [ctx.array(args[0], e)], hint)
    return lower


register(
    Primitive("solve_triangular", "scipy_linalg", "x with op(tri(A)) x = b, reading only "
              "the triangle of A SciPy reads (the other gets zero gradient)",
              shape=_solve_shape, vjp=vjp_solve_triangular, jvp=jvp_solve_triangular,
              printer=_scipy_call("solve_triangular"),
              params=(("lower", "bool"), ("trans", "int"), ("unit_diagonal", "bool")),
              spellings=("scipy.linalg.solve_triangular",), lower=lower_solve_triangular,
              numba_refuses=_refused_by_numba),
    Primitive("solve_sylvester", "scipy_linalg", "X with A X + X B = Q", shape=_last,
              vjp=vjp_solve_sylvester, jvp=jvp_solve_sylvester,
              printer=_scipy_call("solve_sylvester"),
              spellings=("scipy.linalg.solve_sylvester",),
              lower=_lower_matrix_call("solve_sylvester", 3), numba_refuses=_refused_by_numba),
    Primitive("expm", "scipy_linalg", "exp(A) = sum A^k / k!; its derivative the upper-right "
              "block of expm([[A^T, G], [0, A^T]])", shape=_same, vjp=vjp_frechet,
              jvp=jvp_frechet, printer=_scipy_call("expm"), spellings=("scipy.linalg.expm",),
              lower=_lower_matrix_call("expm", 1), numba_refuses=_refused_by_numba),
    Primitive("logm", "scipy_linalg", "the principal L with expm(L) = A; its derivative the "
              "upper-right block of logm([[A^T, G], [0, A^T]])", shape=_same,
              vjp=vjp_frechet, jvp=jvp_frechet, printer=_scipy_call("logm"),
              spellings=("scipy.linalg.logm",), lower=_lower_matrix_call("logm", 1),
              numba_refuses=_refused_by_numba),
    Primitive("sqrtm", "scipy_linalg", "S with S S = A (the principal root); S dS + dS S = "
              "dA, solved with solve_sylvester", shape=_same, vjp=vjp_sqrtm, jvp=jvp_sqrtm,
              printer=_scipy_call("sqrtm"), spellings=("scipy.linalg.sqrtm",),
              lower=_lower_matrix_call("sqrtm", 1), numba_refuses=_refused_by_numba),
)

compose(
    Composition("scipy.linalg.cholesky", "U with U^T U = A (lower=False, the default), or "
                "L with L L^T = A", lower_cholesky, spellings=("scipy.linalg.cholesky",)),
    Composition("cho_factor", "(c, lower): the factor in c's triangle, A's entries in the "
                "other", lower_cho_factor, spellings=("scipy.linalg.cho_factor",)),
    Composition("cho_solve", "A^-1 b from A's Cholesky factor: two triangular solves",
                lower_cho_solve, spellings=("scipy.linalg.cho_solve",)),
    Composition("scipy.linalg.solve", "A^-1 b (np.linalg.solve)", lower_solve,
                spellings=("scipy.linalg.solve",)),
    Composition("scipy.linalg.inv", "A^-1 (np.linalg.inv)", _lower_same("inv"),
                spellings=("scipy.linalg.inv",)),
    Composition("scipy.linalg.det", "det(A) (np.linalg.det)", _lower_same("det"),
                spellings=("scipy.linalg.det",)),
    Composition("scipy.linalg.eigvalsh", "the eigenvalues of symmetric A, ascending, from "
                "its lower triangle (np.linalg.eigvalsh)", _lower_same("eigvalsh"),
                spellings=("scipy.linalg.eigvalsh",)),
)
