"""Comprehensions over the rows of an array, lowered as loops.

An array's length is known only when the function runs, so a comprehension over it is not
unrolled (as one over a list is) but becomes the loop a user would write by hand, over
``range(len(x))``, reading row ``x[k]`` (the first axis) each iteration. Its consumer says
what the loop keeps:

    sum(np.sum(r**2) for r in x)        total = 0; for k in range(len(x)):
                                                        r = x[k]; total = total + np.sum(r**2)
    np.array([np.sum(r) for r in x])    stacked: the first row's value fixes the shape,
    np.stack([r * w for r in x])        then stacked[k] = ... for the other rows

``map(f, xs)`` is read as ``[f(item) for item in xs]`` (``mapped``), so it is unrolled over
a list and becomes a loop over an array's rows in ``sum(map(f, x))``; NumPy does not
iterate a map object (``np.array(map(...))`` is an object array), so a NumPy call given
one is refused.

A condition (``if c``) is kept in a summing loop; a stacking one is refused, since the
number of rows it keeps is known only at run time. The comprehension's names do not
leak out of it, as in Python.
"""
from __future__ import annotations

import ast
import copy

import numpy as np

from ..ir import Const, Var
from .callees import callee
from .parse import builtin_name

NOT_MINE = object()

#: Consumers of a comprehension that are lowered as loops, by their qualified name.
SUMMING = {"builtin.sum"}
STACKING = {"numpy.array", "numpy.asarray", "numpy.stack"}


def consumed(site, e: ast.expr, hint: str):
    """``sum(... for r in x)``, ``np.array([... for r in x])``, ``np.stack(...)`` with ``x``
    an array: the loop's value; NOT_MINE for every other expression."""
    e, comp = _comprehension_argument(site, e)
    if comp is None:
        return NOT_MINE
    gen = comp.generators[0]
    rows = site.lower(gen.iter)
    if not _is_array(rows):                        # a list or range: unrolled as before
        return site.lower(_with_iter(site, e, comp, rows), hint)
    name = callee(site.src, site.env, e.func)
    if name in SUMMING:
        return _summed(site, e, comp, rows)
    return _stacked(site, e, comp, rows)


def mapped(site, e: ast.expr) -> ast.ListComp | None:
    """``map(f, xs)`` as ``[f(item) for item in xs]`` (``map(f, xs, ys)`` over
    ``zip(xs, ys)``), or None when ``e`` is no call of the builtin map."""
    if not (isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "map"
            and e.func.id not in site.env and e.func.id not in site.src.scope.functions
            and len(e.args) >= 2 and not e.keywords
            and not any(isinstance(a, ast.Starred) for a in e.args)):
        return None
    w = _Writer(site, e)
    items = [w.fresh("item") for _ in e.args[1:]]
    w.made.clear()                        # the comprehension's own names: it unbinds them
    sequence = e.args[1] if len(items) == 1 else w.name_call("zip", *e.args[1:])
    target = w.store(items[0]) if len(items) == 1 else \
        w.at(ast.Tuple([w.store(n) for n in items], ast.Store()))
    element = w.call(e.args[0], *[w.load(n) for n in items])
    return w.at(ast.ListComp(element, [ast.comprehension(target, sequence, [], 0)]))


def _comprehension_argument(site, e: ast.expr):
    """(the call, its comprehension) for ``sum(<comprehension>)`` and the stacking calls,
    ``map(...)`` read as a comprehension; (e, None) for every other expression."""
    if not isinstance(e, ast.Call):
        return e, None
    name = callee(site.src, site.env, e.func)
    mapping = next((a for a in [*e.args, *(k.value for k in e.keywords)]
                    if mapped(site, a) is not None), None)
    if mapping is not None and (name or "").startswith("numpy."):
        raise site.fail(f"np.{name[6:]} does not iterate a map object as it does a list",
                        mapping, "make it a list: list(map(f, xs))")
    comp = mapped(site, e.args[0]) if e.args and name in SUMMING else None
    if comp is not None:
        e = ast.copy_location(ast.Call(e.func, [comp, *e.args[1:]], e.keywords), e)
    if not (e.args and isinstance(e.args[0], (ast.ListComp, ast.GeneratorExp))):
        return e, None
    comp = e.args[0]
    if len(comp.generators) != 1 or comp.generators[0].is_async:
        return e, None
    it = comp.generators[0].iter
    if isinstance(it, ast.Name) and it.id.startswith("<"):   # already lowered once, below
        return e, None
    if name in SUMMING and len(e.args) <= 2 and not e.keywords or \
            name in STACKING and len(e.args) == 1 and not e.keywords:
        return e, comp
    return e, None


def _is_array(value) -> bool:
    if isinstance(value, Var):
        return True
    return isinstance(value, Const) and isinstance(value.value, np.ndarray) and \
        value.value.ndim >= 1


def _with_iter(site, e: ast.Call, comp, rows) -> ast.Call:
    """``e`` with the comprehension's iterable replaced by its value, lowered already."""
    gen = comp.generators[0]
    name = ast.copy_location(ast.Name(site.hidden(rows, gen.iter), ast.Load()),
                             gen.iter)
    new_gen = copy.copy(gen)
    new_gen.iter = name
    new_comp = ast.copy_location(type(comp)(comp.elt, [new_gen]), comp)
    return ast.copy_location(ast.Call(e.func, [new_comp, *e.args[1:]], e.keywords), e)


# ---------------------------------------------------------------- the loops


class _Writer:
    """Statements located at the comprehension, in names no user's code reads."""

    def __init__(self, site, comp):
        self.site, self.comp = site, comp
        self.taken = set(site.env) | {n.id for n in ast.walk(site.src.tree)
                                      if isinstance(n, ast.Name)}
        self.made: list[str] = []

    def fresh(self, base: str) -> str:
        name, k = base, 1
        while name in self.taken:
            name, k = f"{base}_{k}", k + 1
        self.taken.add(name)
        self.made.append(name)
        return name

    def at(self, node):
        return ast.fix_missing_locations(ast.copy_location(node, self.comp))

    def load(self, name: str) -> ast.Name:
        return self.at(ast.Name(name, ast.Load()))

    def store(self, name: str) -> ast.Name:
        return self.at(ast.Name(name, ast.Store()))

    def assign(self, target, value) -> ast.Assign:
        return self.at(ast.Assign([target], value))

    def call(self, func: ast.expr, *args, **keywords) -> ast.Call:
        return self.at(ast.Call(func, list(args),
                                [ast.keyword(k, v) for k, v in keywords.items()]))

    def name_call(self, func: str, *args) -> ast.Call:
        """A call of the builtin ``func`` (``range``, ``len``, ``zip``)."""
        return self.call(self.at(builtin_name(func)), *args)

    def row(self, rows: str, index: ast.expr) -> ast.Assign:
        target = copy.deepcopy(self.comp.generators[0].target)
        return self.assign(target, self.at(ast.Subscript(self.load(rows), index, ast.Load())))

    def loop(self, index: str, bounds: list, body: list) -> ast.For:
        return self.at(ast.For(self.store(index), self.name_call("range", *bounds), body, []))

    def run(self, stmts: list, result: str):
        """Lower ``stmts``; the value of ``result`` after them. The comprehension's targets
        and the names made here are then unbound again (or bound as they were)."""
        site, env = self.site, self.site.env
        targets = [n.id for n in ast.walk(self.comp.generators[0].target)
                   if isinstance(n, ast.Name)]
        before = {n: env[n] for n in targets if n in env}
        for stmt in stmts:
            site.statement(stmt)
        value = env[result]
        for name in targets + self.made:
            env.pop(name, None)
        env.update(before)
        return value


def _summed(site, e: ast.Call, comp, rows):
    """``total = start; for k in range(len(x)): r = x[k]; if c: total = total + elt``."""
    w = _Writer(site, comp)
    data = site.hidden(rows, comp.generators[0].iter)
    start = site.lower(e.args[1]) if len(e.args) == 2 else Const(0.0)   # one type in the loop
    total, index = w.fresh("total"), w.fresh("k")
    site.env[total] = start
    add = w.assign(w.store(total), w.at(ast.BinOp(w.load(total), ast.Add(), comp.elt)))
    body = [add]
    conditions = comp.generators[0].ifs
    if conditions:
        test = conditions[0] if len(conditions) == 1 else \
            w.at(ast.BoolOp(ast.And(), list(conditions)))
        body = [w.at(ast.If(test, body, []))]
    length = w.name_call("len", w.load(data))
    loop = w.loop(index, [length], [w.row(data, w.load(index)), *body])
    return w.run([loop], total)


def _stacked(site, e: ast.Call, comp, rows):
    """``first = elt(x[0])``; an array of ``len(x)`` rows shaped like it; ``first`` in row
    0 and ``elt(x[k])`` in row k. ``x`` must have a row: NumPy's ``np.array([])`` has no
    shape to give an empty comprehension's rows."""
    gen = comp.generators[0]
    word = "list comprehension" if isinstance(comp, ast.ListComp) else "generator expression"
    if gen.ifs:
        raise site.fail(f"a {word} over an array with a condition, stacked into an array, has "
                        "a number of rows known only at run time", gen.ifs[0],
                        "select the rows first (x[mask]), or use np.where(c, value, 0)")
    numpy = sorted(site.src.scope.numpy)
    if not numpy:
        raise site.fail(f"stacking a {word} over an array needs numpy imported as a module",
                        e, "import numpy as np")
    w = _Writer(site, comp)
    data = site.hidden(rows, gen.iter)
    count, first, out, index = w.fresh("n"), w.fresh("first"), w.fresh("stacked"), w.fresh("k")

    def np_call(fn, *args, **keywords):
        attribute = w.at(ast.Attribute(w.load(numpy[0]), fn, ast.Load()))
        return w.call(attribute, *args, **keywords)

    def constant(value):
        return w.at(ast.Constant(value))

    # zeros of shape (n,) + np.shape(first): the outer product of zeros(n) and first
    outer = np_call("einsum", constant("i,...->i..."), np_call("zeros", w.load(count)),
                    w.load(first))
    row_k = w.at(ast.Subscript(w.load(out), w.load(index), ast.Store()))
    stmts = [
        w.assign(w.store(count), w.name_call("len", w.load(data))),
        w.row(data, constant(0)),
        w.assign(w.store(first), copy.deepcopy(comp.elt)),
        w.assign(w.store(out), np_call("zeros_like", outer)),
        w.assign(w.at(ast.Subscript(w.load(out), constant(0), ast.Store())), w.load(first)),
        w.loop(index, [constant(1), w.load(count)],
               [w.row(data, w.load(index)), w.assign(row_k, comp.elt)]),
    ]
    return w.run(stmts, out)

