"""``check_grad`` on arguments with structure: dicts, lists, tuples and objects.

Every float leaf of each differentiated argument (``params['W1']``, ``layers[0][1]``, an
attribute of a bound method's object, ``self.params['W2']``) is checked against central
differences; a failure names the leaf by its path and the element inside it:

    gradient check failed for dloss/dparams['W1'][2, 3]: symdiff ..., central differences ...
"""
from __future__ import annotations

import copy
import functools
import types

from . import pytrees


def leaves_to_check(fn, args, gradient) -> list[tuple]:
    """(shown path, the function of that leaf alone, the leaf's value, its gradient) for
    every float leaf of what ``gradient`` (a ``Gradient`` of ``fn``) differentiates."""
    call = pytrees.bind_call(fn, args, {})
    wanted, several = pytrees.targets(gradient, call)
    analytic = gradient(*args)
    analytic = analytic if several else (analytic,)
    out = []
    for path, got in zip(wanted, analytic):
        root = call.args[call.params.index(path[0])]
        start = _walk(root, path[1:])
        _, found = pytrees.flatten(start, ())
        for rest, value in found:
            if not pytrees._differentiable(value):
                continue
            full = path + rest
            out.append((_shown(root, full), _alone(fn, call, args, full), value,
                        _walk(got, rest)))
    return out


def _walk(tree, path: tuple):
    for step in path:
        tree = tree[step] if isinstance(tree, (dict, list, tuple)) else getattr(tree, step)
    return tree


def _shown(root, path: tuple) -> str:
    """``params['W1']``, ``layers[0][1]``, ``self.params['W2']``."""
    text, value = str(path[0]), root
    for step in path[1:]:
        if isinstance(value, (dict, list, tuple)):
            text += f"[{step!r}]"
            value = value[step]
        else:
            text += f".{step}"
            value = getattr(value, step)
    return text


def _replaced(tree, path: tuple, value):
    """``tree`` with the leaf at ``path`` replaced (copies on the way; the user's values
    are not changed)."""
    if not path:
        return value
    step, rest = path[0], path[1:]
    if isinstance(tree, dict):
        return {**tree, step: _replaced(tree[step], rest, value)}
    if isinstance(tree, (list, tuple)):
        items = list(tree)
        items[step] = _replaced(tree[step], rest, value)
        return items if isinstance(tree, list) else type(tree)(items) \
            if type(tree) is tuple else type(tree)(*items)
    new = copy.copy(tree)
    setattr(new, step, _replaced(getattr(tree, step), rest, value))
    return new


def _alone(fn, call, args, path: tuple):
    """``fn`` as a function of the leaf at ``path`` alone, the rest held at ``args``."""
    name = path[0]
    if call.first is not None and name == call.params[0]:
        def of_leaf(x):
            method = types.MethodType(call.base, _replaced(call.first, path[1:], x))
            if isinstance(fn, functools.partial):
                return functools.partial(method, *fn.args, **fn.keywords)(*args)
            return method(*args)
        return of_leaf
    i = call.visible.index(name)

    def of_leaf(x):
        moved = list(args)
        moved[i] = _replaced(args[i], path[1:], x)
        return fn(*moved)
    return of_leaf

