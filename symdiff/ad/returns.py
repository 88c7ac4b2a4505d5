"""The arrays a generated function returns are its own: never the caller's arguments.

The gradient of ``np.dot(x, w)`` with respect to w is x; returned as is, ``dw *= lr``
would scale the caller's data. A returned value that may be an argument, a view of one,
or another returned array gets a copy, and only then: a fresh array is returned as is,
and so is a number (numbers cannot be changed in place).
"""
from __future__ import annotations

from dataclasses import replace

from ..ir import BACKWARD, Function, If, Loop, Node, Var, node, walk

#: Operations whose result may be (a view of) their first argument.
PASSING = {"getitem", "reshape", "transpose", "expand_dims", "squeeze", "broadcast_to", "alias",
           "cast", "unbroadcast", "pop"}


def own_results(fn: Function, shapes: dict, skip: int = 0) -> Function:
    """``fn`` returning copies of the results (after the first ``skip``) that may share
    memory with an argument or with an earlier result."""
    makers = _makers(fn)
    params = {p.name for p in fn.params}
    body, seen, taken = list(fn.body), set(), {s.name for s in _all_names(fn)}

    def own(v, position):
        if not isinstance(v, Var) or position < skip:
            if isinstance(v, Var):
                seen.add(v.name)
            return v
        scalar = shapes.get(v.name) == ()
        shared = v.name in seen or _reaches(v, params, makers, set())
        seen.add(v.name)
        if scalar or not shared:
            return v
        out = _fresh(v.name, taken)
        if shapes.get(v.name) is not None:
            made = node(out, "copy", [v], fn.loc, "a copy: never return the caller's array")
        else:
            made = node(out, "np", [v], fn.loc, "a copy: never return the caller's array",
                        fn="positive", keywords=())
        body.append(replace(made, role=BACKWARD))
        return out

    counter = iter(range(10 ** 6))

    def walk_result(item):
        if isinstance(item, tuple):
            return tuple(walk_result(x) for x in item)
        return own(item, next(counter))

    result = walk_result(fn.result)
    if result == fn.result:
        return fn
    return replace(fn, body=tuple(body), result=result)


def _reaches(v: Var, params: set, makers: dict, visiting: set) -> bool:
    if v.name in params:
        return True
    if v.name in visiting:
        return False
    visiting.add(v.name)
    made = makers.get(v.name)
    if made is None:
        return False
    if isinstance(made, Node):
        return made.op in PASSING and bool(made.args) and isinstance(made.args[0], Var) and \
            _reaches(made.args[0], params, makers, visiting)
    stmt, k = made
    if isinstance(stmt, If):
        sources = [stmt.then_values[k], stmt.else_values[k]]
    else:
        sources = [stmt.inits[k], stmt.nexts[k]]
    return any(isinstance(s, Var) and _reaches(s, params, makers, visiting) for s in sources)


def _makers(fn: Function) -> dict:
    """Each name's defining node, or (region, position) for region outputs and carried values."""
    found: dict = {}
    for s in walk(fn.body):
        if isinstance(s, Node):
            found[s.out.name] = s
        elif isinstance(s, If):
            found.update({o.name: (s, k) for k, o in enumerate(s.outs)})
        elif isinstance(s, Loop):
            found.update({o.name: (s, k) for k, o in enumerate(s.outs)})
            found.update({c.name: (s, k) for k, c in enumerate(s.carried)})
    return found


def _all_names(fn: Function):
    return [Var(n) for n in fn.names()]


def _fresh(hint: str, taken: set) -> Var:
    name, k = hint, 0
    while name in taken:
        k += 1
        name = f"{hint}_{k}"
    taken.add(name)
    return Var(name)
