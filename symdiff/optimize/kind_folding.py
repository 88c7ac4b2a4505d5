"""Kind tests folded where the kinds of the arguments are known (a specialization).

``isinstance(x, np.ndarray)``, ``np.isscalar(x)``, ``type(x) is float``, ``hasattr(x,
"shape")`` of a number or an array lower to ``kind_test`` nodes (``frontend.lower_kinds``);
``x.ndim`` and ``np.ndim(x)`` to ``ndim`` nodes, answered here where x's shape is known.
A specialization knows each argument's kind: a call of the gradient knows the type of
every argument (``argument_kinds.Shape``), ``symdiff compile`` the annotations
(``x: float``, ``x: np.ndarray``) and the ``--shapes`` of rank one or more. Here each test
becomes its answer, and so do the ``not`` and the comparisons of answers, and a branch on
an answer is replaced by the branch taken:

    if isinstance(x, np.ndarray):  return np.sum(x ** 2)     # x an array: this branch only
    return x

A value of one or more axes is an ndarray; a 0-d value is one only by its type, which is
known for an argument, and refused for a value computed inside, as is a test of an
argument whose kind is not known (naming what to declare).
"""
from __future__ import annotations

import builtins
import operator
from dataclasses import replace

import numpy as np

from ..errors import SymdiffError
from ..ir import Const, Function, If, Node, Var, map_blocks, rename_reads, walk

_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
            ">": operator.gt, ">=": operator.ge}


def fold(fn: Function, shapes: dict, kinds: dict) -> Function:
    """``fn`` with its kind tests answered; ``shapes``: the known shapes (of arguments and
    values), ``kinds``: argument name -> its Python type, where known."""
    if not any(isinstance(s, Node) and s.op in ("kind_test", "ndim") for s in walk(fn.body)):
        return fn
    params = {p.name for p in fn.params}
    rename: dict = {}
    body = _block(fn.body, rename, shapes, kinds, params)
    result = tuple(_sub(v, rename) for v in fn.result)
    return replace(fn, body=body, result=result)


def _sub(v, rename):
    while isinstance(v, Var) and v.name in rename:
        v = rename[v.name]
    return v


def _block(stmts, rename, shapes, kinds, params) -> tuple:
    out = []
    for s in stmts:
        s = rename_reads(s, {k: _sub(Var(k), rename) for k in _reads(s) if k in rename})
        if isinstance(s, Node):
            value = _value(s, shapes, kinds, params)
            if value is not None:
                rename[s.out.name] = Const(value)
                continue
            out.append(s)
            continue
        if isinstance(s, If) and isinstance(s.cond, Const):
            taken = s.then if s.cond.value else s.orelse
            out += _block(taken, rename, shapes, kinds, params)
            for o, v in zip(s.outs, s.then_values if s.cond.value else s.else_values):
                rename[o.name] = _sub(v, rename)
            continue
        out.append(map_blocks(s, lambda b: _block(b, rename, shapes, kinds, params)))
    return tuple(out)


def _reads(s) -> list:
    from ..ir import reads_here
    return [v.name for v in reads_here(s) if isinstance(v, Var)]


def _value(n: Node, shapes, kinds, params):
    """The answer of a kind test, an ``ndim`` of a known shape, or ``not`` / a comparison
    of answers, else None."""
    if n.op == "kind_test":
        return answer(n, shapes, kinds, params)
    if n.op == "ndim" and isinstance(n.args[0], Var) and shapes.get(n.args[0].name) is not None:
        return len(shapes[n.args[0].name])
    consts = [a.value for a in n.args if isinstance(a, Const) and a.name is None]
    if len(consts) != len(n.args) or not all(isinstance(c, (bool, int)) for c in consts):
        return None
    if n.op == "not":
        return not consts[0]
    if n.op == "compare" and n.param("symbol") in _COMPARE:
        return bool(_COMPARE[n.param("symbol")](*consts))
    return None


def _type(qualified: str) -> type:
    module, _, name = qualified.partition(".")
    return getattr(builtins if module == "builtins" else np, name)


def answer(n: Node, shapes: dict, kinds: dict, params) -> bool:
    """``n``'s test on the kind of its argument, or a located refusal."""
    x = n.args[0]
    kind = _kind_of(n, x, shapes, kinds, params)
    test, types = n.param("test"), tuple(map(_type, n.param("types") or ()))
    if test == "isinstance":
        return issubclass(kind, types)
    if test == "type":
        return kind in types
    if test == "isscalar":
        return kind is not np.ndarray and issubclass(kind, (int, float, complex, bool,
                                                           np.generic))
    if test == "hasattr":
        return hasattr(kind, n.param("attr"))
    raise AssertionError(test)


def _kind_of(n: Node, x, shapes, kinds, params) -> type:
    if isinstance(x, Const):
        return type(x.value)
    shape = shapes.get(x.name)
    if x.name in params and kinds.get(x.name) is not None:
        return kinds[x.name]
    if shape is not None and len(shape) >= 1:
        return np.ndarray
    if x.name in params:
        raise SymdiffError(f"`{x.name}` may be a number or an array here: symdiff decides "
                           "this test when the kind of the argument is known", n.loc,
                           hint=f"annotate the parameter (`{x.name}: float` or `{x.name}: "
                                f"np.ndarray`), or give its shape (--shapes \"{x.name}=(3,)\");"
                                " a call of the gradient knows it")
    raise SymdiffError("this test asks whether a value computed here is an array or a "
                       "number, which symdiff cannot tell for a single number (NumPy gives "
                       "a scalar or a 0-d array depending on how it was made)", n.loc,
                       hint="test an argument of the function, or use np.ndim(v) == 0")


class Shape(tuple):
    """An argument's shape that also says its Python type (``kind``): what a call of the
    gradient knows of each argument (a float and a 0-d array have the same shape)."""

    kind: type

    def __new__(cls, shape, kind: type):
        made = super().__new__(cls, shape)
        made.kind = kind
        return made


_ANNOTATED = {"float": float, "int": int, "bool": bool, "ndarray": np.ndarray}


def annotated_kinds(src) -> dict:
    """Parameters annotated ``float``, ``int``, ``bool`` or ``np.ndarray``: their kind."""
    kinds = {}
    for a in src.tree.args.args:
        note = a.annotation
        name = note.id if hasattr(note, "id") else getattr(note, "attr", None)
        if name in _ANNOTATED and (name != "ndarray" or hasattr(note, "value")):
            kinds[a.arg] = _ANNOTATED[name]
    return kinds


def specialized(fn: Function, src, given: dict) -> Function:
    """``fold`` with what this specialization knows: the shapes given and inferred, the
    kinds of the arguments given (``Shape``) and annotated."""
    if not any(isinstance(s, Node) and s.op in ("kind_test", "ndim") for s in walk(fn.body)):
        return fn
    from ..ir.shapes import infer_shapes
    try:
        shapes = {**infer_shapes(fn, given, False), **given}
    except SymdiffError:           # a branch not taken may not fit these shapes
        shapes = dict(given)
    kinds = {**annotated_kinds(src), **{k: v.kind for k, v in given.items()
                                        if isinstance(v, Shape)}}
    return fold(fn, shapes, kinds)


def refuse_listed(fn: Function, listed: list) -> None:
    """Refuses a kind test of an argument passed as a list of numbers: the gradient takes
    it as an array, and the test would answer for the array, not for the list."""
    for s in walk(fn.body):
        if isinstance(s, Node) and s.op == "kind_test" and isinstance(s.args[0], Var) \
                and s.args[0].name in listed:
            name = s.args[0].name
            raise SymdiffError(f"`{name}` is passed as a list, which the gradient takes as "
                               "an array, so this test would not see the list", s.loc,
                               hint=f"pass np.asarray({name}) (the test then sees an array)")
