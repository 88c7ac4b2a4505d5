"""Helpers with ``*args``, keyword-only parameters and ``**kwargs``, bound at one call.

A helper is inlined where it is called, with the values of that call: so its signature
can be bound as Python binds it, once per call, to a plain one. ``*args`` becomes a tuple
of the extra positional values, ``**kwargs`` a dict of the extra keywords (both known at
compile time, ``env.Tup`` and ``env.Dict``), keyword-only parameters take their keyword or
their default:

    def layer(x, *scales, shift=0.0, **opts): ...
    layer(x, a, b, gain=g)       # x=x, scales=(a, b), shift=0.0, opts={'gain': g}
"""
from __future__ import annotations

import ast
import copy
import dataclasses

from ..errors import Loc, SymdiffError


def has_star(tree: ast.FunctionDef) -> bool:
    a = tree.args
    return bool(a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs)


def bound(helper, args: list, keywords: dict, loc: Loc, kinds):
    """(the helper with a plain signature, the values of its parameters in order, how
    many of them stand where the call's positional arguments do). ``kinds`` are the
    lowering's constant, tuple and dict (``Const``, ``Tup``, ``Dict`` of ``env``)."""
    Const, Tup, Dict = kinds
    a = helper.tree.args
    positional = [x.arg for x in a.posonlyargs + a.args]
    only_position = {x.arg for x in a.posonlyargs}
    kwonly = [x.arg for x in a.kwonlyargs]
    defaults = dict(zip(positional[len(positional) - len(a.defaults):], a.defaults))
    defaults.update({x.arg: d for x, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
    call = f"call it as {helper.name}{_signature(helper.tree)}"
    values = dict(zip(positional, args))
    extra = list(args[len(positional):])
    if extra and a.vararg is None:
        raise SymdiffError(f"`{helper.name}` takes {len(positional)} positional arguments, "
                           f"got {len(args)}", loc, hint=call)
    more = {}
    for k, v in keywords.items():
        if k in values:
            raise SymdiffError(f"`{helper.name}` is given `{k}` twice", loc, hint=call)
        if k in kwonly or k in positional and k not in only_position:
            values[k] = v
        elif a.kwarg is not None:
            more[k] = v
        else:
            raise SymdiffError(f"`{helper.name}` has no parameter `{k}`", loc, hint=call)
    for p in positional + kwonly:
        if p not in values:
            if p not in defaults:
                raise SymdiffError(f"`{helper.name}` is missing its argument `{p}`", loc,
                                   hint=call)
            values[p] = Const(_default(helper, defaults[p]))
    names = positional + kwonly
    if a.vararg is not None:
        names.append(a.vararg.arg)
        values[a.vararg.arg] = Tup(tuple(extra), "tuple")
    if a.kwarg is not None:
        names.append(a.kwarg.arg)
        values[a.kwarg.arg] = Dict(tuple(more), tuple(more.values()))
    tree = copy.copy(helper.tree)
    tree.args = ast.arguments(posonlyargs=[], args=[ast.copy_location(ast.arg(n), helper.tree)
                                                    for n in names],
                              vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    return dataclasses.replace(helper, tree=tree), [values[n] for n in names], len(positional)


def _default(helper, node: ast.expr):
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise SymdiffError("default values must be literals", helper.loc(node),
                           hint="use a number, string, None or True/False as the "
                                "default") from None


def _signature(tree: ast.FunctionDef) -> str:
    copied = copy.copy(tree)
    copied.body, copied.decorator_list, copied.returns = [ast.Pass()], [], None
    text = ast.unparse(copied)
    return text[text.index("("):text.rindex(":")]
