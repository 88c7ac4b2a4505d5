"""Contractions: ``np.einsum`` with any subscripts, its VJP another ``np.einsum``.

    y = einsum("ij,jk->ik", a, b)      da = einsum("ik,jk->ij", g, b)
                                       db = einsum("ij,ik->jk", a, g)

The gradient of operand i is the einsum of the upstream gradient (with the output's
subscripts) and the other operands, written out to operand i's subscripts. Two cases need
one more operand, so the VJP stays one einsum:

- a letter repeated in operand i (``"ii->"``, the trace; ``"ii->i"``, the diagonal): its
  second occurrence is renamed and an identity ``np.eye(n)`` joins the two letters;
- a letter only operand i has (``"ij->i"``, a row sum): ``np.ones(n)`` carries it, so the
  gradient is broadcast along it.

An operand broadcast along ``...`` (or without ``...`` where others have it, as ``M`` in
``"...i,ij,...j->..."``) gets its gradient, written with ``...``, summed back to its shape. Implicit
output (``"ij,jk"``) is made explicit when lowering, as NumPy defines it: the letters that
appear once, in alphabetical order, after ``...``. einsum is linear in each operand: its
tangent is the sum over operands of the einsum with that operand's tangent in its place.
"""
from __future__ import annotations

import ast
import string

import numpy as np

from ..ir import Const, Node
from .arrays import sum_to
from .registry import Primitive, register

ELLIPSIS = "..."


def parse(subscripts: str, count: int) -> tuple[list[str], str] | str:
    """(operand subscripts, output subscripts) with the output explicit, or what is wrong."""
    text = subscripts.replace(" ", "")
    inputs, arrow, output = text.partition("->")
    operands = inputs.split(",")
    if len(operands) != count:
        return f"the subscripts name {len(operands)} operand(s), the call passes {count}"
    for s in operands + ([output] if arrow else []):
        letters = s.replace(ELLIPSIS, "", 1)
        if not all(c in string.ascii_letters for c in letters):
            return f"`{s}` is not a list of letters (with at most one `...`)"
    has_ellipsis = any(ELLIPSIS in s for s in operands)
    if not arrow:
        letters = "".join(s.replace(ELLIPSIS, "") for s in operands)
        output = (ELLIPSIS if has_ellipsis else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1))
    out_letters = output.replace(ELLIPSIS, "")
    if len(set(out_letters)) != len(out_letters):
        return f"the output `{output}` repeats a letter"
    if not set(out_letters) <= set("".join(operands)):
        return f"the output `{output}` has a letter no operand has"
    if has_ellipsis and ELLIPSIS not in output:
        return "an operand has `...` and the output does not"
    return operands, output


def _join(operands: list[str], output: str) -> str:
    return ",".join(operands) + "->" + output


def _axis_of(s: str, k: int) -> int:
    """The axis of x that letter position k of its subscripts ``s`` names (negative after
    ``...``, whose length is not known)."""
    if ELLIPSIS not in s:
        return k
    head, _, tail = s.partition(ELLIPSIS)
    return k if k < len(head) else -(len(head) + len(tail) - k)


def _letters(s: str) -> list[str]:
    return list(s.replace(ELLIPSIS, ""))


def vjp_einsum(em, g, n: Node, i: int):
    """einsum(g, other operands -> operand i's subscripts), with an eye for each repeated
    letter and ones for each letter only operand i has."""
    operands, output = n.param("subscripts").split("->")
    operands = operands.split(",")
    x, own = n.args[i], operands[i]
    unused = iter(c for c in string.ascii_letters if c not in n.param("subscripts"))
    letters, renamed, extra, extra_subs = _letters(own), [], [], []
    for k, c in enumerate(letters):
        if c in letters[:k]:                            # a diagonal: eye joins c and c'
            fresh = next(unused)
            renamed.append(fresh)
            size = em.tmp("dim", [x], axis=_axis_of(own, letters.index(c)))
            extra.append(em.tmp("np", [size], fn="eye", keywords=()))
            extra_subs.append(c + fresh)
        else:
            renamed.append(c)
    target = "".join(renamed)
    if ELLIPSIS in own:
        head = len(own.partition(ELLIPSIS)[0])
        target = target[:head] + ELLIPSIS + target[head:]
    elif ELLIPSIS in output:                    # x unbatched, others batched: sum over ...
        target = ELLIPSIS + target
    others = [s for j, s in enumerate(operands) if j != i]
    elsewhere = set(output + "".join(others) + "".join(extra_subs))
    for k, c in enumerate(letters):
        if c not in elsewhere and c not in letters[:k]:  # summed only in x: broadcast back
            size = em.tmp("dim", [x], axis=_axis_of(own, k))
            extra.append(em.tmp("np", [size], fn="ones", keywords=()))
            extra_subs.append(c)
            elsewhere.add(c)
    args = [g, *[a for j, a in enumerate(n.args) if j != i], *extra]
    subs = _join([output, *others, *extra_subs], target)
    if ELLIPSIS not in target:
        return em.out("einsum", args, subscripts=subs)
    full = em.tmp("einsum", args, subscripts=subs)
    return sum_to(em, full, x)                   # x broadcast along ...: sum back


def jvp_einsum(em, n: Node, ts):
    """Linear in each operand: the sum of the einsums with one tangent in place."""
    from . import tangents as T
    varied = [i for i, t in enumerate(ts) if t is not None]
    terms = []
    for i in varied:
        args = list(n.args)
        args[i] = ts[i]
        emit = em.out if len(varied) == 1 else em.tmp
        terms.append(emit("einsum", args, **dict(n.params)))
    return T.add(em, terms)


def _shape(n, shapes, values):
    try:
        return np.einsum(n.param("subscripts"), *[np.zeros(s) for s in shapes]).shape
    except ValueError:
        return None


def _print(n, p):
    return p.np("einsum", [ast.Constant(n.param("subscripts")), *p.a])


def lower_einsum(ctx, e, hint, name, args, keywords):
    """np.einsum("subscripts", *operands), the string form."""
    if keywords or not args or not (isinstance(args[0], Const) and isinstance(args[0].value, str)):
        raise ctx.fail("np.einsum takes a subscripts string and the operands", e,
                       "write np.einsum('ij,jk->ik', a, b), without keywords")
    parsed = parse(args[0].value, len(args) - 1)
    if isinstance(parsed, str):
        raise ctx.fail(f"np.einsum: {parsed}", e, "write the subscripts as NumPy defines them")
    operands, output = parsed
    return ctx.emit("einsum", [ctx.array(a, e) for a in args[1:]], hint,
                    subscripts=_join(operands, output))


register(Primitive(
    "einsum", "contractions", "sum over the repeated letters of the products of the operands",
    shape=_shape, vjp=vjp_einsum, jvp=jvp_einsum, printer=_print, gate="einsum contracts",
    params=(("subscripts", "str"),), spellings=("np.einsum",), lower=lower_einsum))
