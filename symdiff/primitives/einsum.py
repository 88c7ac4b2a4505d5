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
``"...i,ij,...j->..."``) gets its gradient, written with ``...``, summed back to its shape;
where no other operand has ``...`` (``"ii...->...i"``), the output's ``...`` is x's own and
nothing is summed. Implicit
output (``"ij,jk"``) is made explicit when lowering, as NumPy defines it: the letters that
appear once, in alphabetical order, after ``...``. einsum is linear in each operand: its
tangent is the sum over operands of the einsum with that operand's tangent in its place.

Numba has no einsum: for ``jit=True`` it is written as its definition, one loop per
letter (``...`` spelled out in letters once the operands' ranks are known):

    for i in range(a.shape[0]):
        for k in range(b.shape[1]):
            for j in range(a.shape[1]):
                out[i, k] += a[i, j] * b[j, k]
"""
from __future__ import annotations

import ast
import string

import numpy as np

from ..ir import Const, Node, Var
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
    if ELLIPSIS not in target or not any(ELLIPSIS in s for s in others):
        return em.out("einsum", args, subscripts=subs)   # ... is x's own: nothing broadcast
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
    if n.param("loops"):
        return _print_loops(n, p)
    return p.np("einsum", [ast.Constant(n.param("subscripts")), *p.a])


def _order(operands: list[str], output: str) -> list[str]:
    """The letters of the loops, outermost first: the output's, then the summed ones."""
    letters: list[str] = []
    for c in output + "".join(operands):
        if c not in letters:
            letters.append(c)
    return letters


def _ranks(n: Node, shapes) -> list | None:
    """Each operand's shape (a number's is ()), or None where one is not known."""
    found = []
    for a in n.args:
        shape = np.shape(a.value) if isinstance(a, Const) else shapes.get(a.name)
        if not isinstance(shape, tuple):
            return None
        found.append(shape)
    return found


def _spelled_out(n: Node, shapes) -> str | None:
    """The subscripts with ``...`` written as letters, or None where the operands' ranks
    are not known or ``...`` broadcasts a length-1 axis (the loops index it as it is)."""
    subscripts = n.param("subscripts")
    if ELLIPSIS not in subscripts:
        return subscripts
    found = _ranks(n, shapes)
    if found is None:
        return None
    inputs, output = subscripts.split("->")
    operands = inputs.split(",")
    parts = [shape[len(s.partition(ELLIPSIS)[0]):len(shape) - len(s.partition(ELLIPSIS)[2])]
             for s, shape in zip(operands, found) if ELLIPSIS in s]
    widest = max(parts, key=len)
    if any(part != widest[len(widest) - len(part):] for part in parts):
        return None
    unused = [c for c in string.ascii_letters if c not in subscripts][:len(widest)]
    if len(unused) < len(widest):
        return None

    def spell(s: str, width: int) -> str:
        return s.replace(ELLIPSIS, "".join(unused[len(widest) - width:]))
    spelled = [spell(s, len(part)) for s, part in zip(
        [s for s in operands if ELLIPSIS in s], parts)]
    it = iter(spelled)
    operands = [next(it) if ELLIPSIS in s else s for s in operands]
    return _join(operands, spell(output, len(widest)))


def _numba(n: Node, cx):
    """np.einsum as its loops (``loops``: one index name per letter, outermost first)."""
    names, shapes, _ = cx
    subscripts = _spelled_out(n, shapes)
    if subscripts is None:
        return None
    inputs, output = subscripts.split("->")
    loops = tuple(names.fresh(c).name for c in _order(inputs.split(","), output))
    return [n.with_params(subscripts=subscripts, loops=loops)]


def _print_loops(n, p) -> list:
    """out = zeros; for each letter: for i in range(size): out[...] += a[...] * b[...]."""
    inputs, output = n.param("subscripts").split("->")
    operands = inputs.split(",")
    index = dict(zip(_order(operands, output), n.param("loops")))

    def at(value, letters: str) -> ast.expr:
        if not letters:
            return value
        names = [ast.Name(index[c], ast.Load()) for c in letters]
        return ast.Subscript(value, names[0] if len(names) == 1 else ast.Tuple(names,
                                                                             ast.Load()),
                             ast.Load())

    def size(c: str) -> ast.expr:
        k = next(j for j, s in enumerate(operands) if c in s and isinstance(n.args[j], Var))
        shape = ast.Attribute(p.a[k], "shape", ast.Load())
        return ast.Subscript(shape, ast.Constant(operands[k].index(c)), ast.Load())

    out = ast.Name(n.out.name, ast.Load())
    start = p.np("zeros", [ast.Tuple([size(c) for c in output], ast.Load())]) if output \
        else ast.Constant(0.0)
    product = at(p.a[0], operands[0])
    for value, letters in zip(p.a[1:], operands[1:]):
        product = ast.BinOp(product, ast.Mult(), at(value, letters))
    target = at(out, output)
    body: list = [ast.AugAssign(ast.Name(n.out.name, ast.Store()) if not output else
                                ast.Subscript(target.value, target.slice, ast.Store()),
                                ast.Add(), product)]
    for c in reversed(list(index)):
        body = [ast.For(ast.Name(index[c], ast.Store()),
                        ast.Call(ast.Name("range", ast.Load()), [size(c)], []), body, [])]
    return [ast.Assign([p.target], start), *body]


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
    params=(("subscripts", "str"), ("loops", "names")), spellings=("np.einsum",),
    lower=lower_einsum, numba=_numba,
    numba_refuses=lambda n: "" if n.param("loops") else
    "np.einsum (numba has none; its loops need the ranks `...` stands for)"))
