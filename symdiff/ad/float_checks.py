"""Writes of differentiated values into arrays whose dtype the program does not show.

NumPy truncates a float written into an array of integers (``idx[0] = 2.5 * x`` stores 2
into an integer ``idx``) and refuses ``idx += x``; either way no derivative passes the
write. Where the array is known to hold integers the rule refuses when compiling
(``primitives.arrays.refuse_integer_base``); where it is known to hold floats nothing is
needed (``ir.dtypes.float_array``). Otherwise (an argument that is not differentiated, an
``np.argsort`` result) ``ir.dtypes.request`` asks for a check, and the generated code
checks the array once, where it is made, and stops with the place of the write:

    idx            an argument                  checked on entry
    order          order = np.argsort(x)        checked after that line
    y (carried)    y = y * k in a loop          checked at the top of each iteration

The emitter's ``float_checks`` collects what the rules asked for (a name -> the array and
the write's place); ``insert`` puts the ``check_floats`` nodes into the finished body.
"""
from __future__ import annotations

from dataclasses import replace

from ..errors import SymdiffError
from ..ir import If, Loop
from ..ir import nodes
from ..ir.stmts import node


def known_floats(fn, wrt) -> frozenset:
    """The names known to hold floats on entry: the differentiated arguments (symdiff
    refuses integers there), tangent parameters, and the last parameter of a seeded
    vector-Jacobian product."""
    return frozenset([fn.params[i].name for i in wrt] + [t for t, _ in fn.tangents])


def links_of(body) -> dict[str, list]:
    """A loop's carried value and output -> its start and next values; a branch's output
    -> its two values (``float_array``'s ``links``)."""
    links: dict[str, list] = {}
    stack = list(body)
    while stack:
        s = stack.pop()
        if isinstance(s, If):
            for out, a, b in zip(s.outs, s.then_values, s.else_values):
                links[out.name] = [a, b]
            stack += list(s.then) + list(s.orelse)
        elif isinstance(s, Loop):
            for c, init, nxt, out in zip(s.carried, s.inits, s.nexts, s.outs):
                links[c.name] = links[out.name] = [init, nxt]
            stack += list(s.body) + list(s.cond_body)
    return links


def producers_of(body) -> dict:
    return {n.out.name: n for n in nodes(body)}


def insert(body: tuple, params, checks: dict, fresh) -> tuple:
    """``body`` with a ``check_floats`` node after the definition of each checked array
    (on entry for a parameter, at the top of the body for a loop's carried value)."""
    if not checks:
        return tuple(body)
    todo = dict(checks)
    def check(v, loc, message):
        return node(fresh("checked"), "check_floats", [v], loc, message=message)
    names = {p.name for p in params}
    first = [check(*todo.pop(name)) for name in list(todo) if name in names]
    out = tuple(first) + _block(body, todo, check)
    for v, loc, _ in todo.values():      # made where no check can follow (a loop's condition)
        raise SymdiffError(f"this writes a value that depends on the differentiated inputs "
                           f"into `{v.name}`, whose dtype symdiff cannot check here", loc,
                           hint=f"make it floats first: {v.name} = {v.name}.astype(float)")
    return out


def _block(stmts, todo: dict, check) -> tuple:
    out = []
    for s in stmts:
        if isinstance(s, If):
            s = replace(s, then=_block(s.then, todo, check), orelse=_block(s.orelse, todo, check))
            names = s.outs
        elif isinstance(s, Loop):
            top = tuple(check(*todo.pop(c.name)) for c in s.carried if c.name in todo)
            s = replace(s, body=top + _block(s.body, todo, check))
            names = s.outs
        else:
            names = (s.out,)
        out.append(s)
        out += [check(*todo.pop(v.name)) for v in names if v.name in todo]
    return tuple(out)
