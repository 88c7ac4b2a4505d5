"""What a loop of run-time length may do to a list, dict or object: change it, unread.

Such a loop's body is lowered once, as the body of a loop region: a container it changes
(``hs.append(h)``, ``cache[t] = c``, ``self.hist.append(h)``) holds one iteration's change
at compile time, whatever the number of iterations. So inside the loop nothing may read
it but the change itself, and after the loop its name stands for contents not known
(``LoopChanged``): it may be passed on (assigned, unpacked, returned from a helper) and
left unread, as a list of caches kept for a hand-written backward pass usually is, and
any read of it is refused where it is. A loop of constant length that uses containers is
unrolled instead (``lower_containers.unrolls``).

    caches = []
    for t in range(T):                 # T = x.shape[1]: not known at compile time
        h = np.tanh(x[:, t] @ Wx + h @ Wh)
        caches.append((h, x[:, t]))    # accepted while no line after the loop reads caches
"""
from __future__ import annotations

import ast

from ..errors import Loc, SymdiffError
from ..ir import Var, reads_all, walk
from .env import LoopChanged, Tup, kind_of
from .lower_containers import MUTATING, Site, is_container


def settle(site: Site, stmt: ast.stmt, env: dict, names: list, carried: list, inits: list,
           inner: dict, body: tuple) -> tuple[list, list, list, dict]:
    """The names, placeholders and initial values the loop carries, without the containers
    it makes afresh each iteration; and the ``LoopChanged`` each container it changed (or
    made) becomes after it."""
    line = site.src.loc(stmt).line
    made = carried_containers(names, carried, inner, body)
    kept = [i for i, n in enumerate(names) if n not in made]
    marks = changed_by_loop(site, stmt, {k: v for k, v in env.items() if k not in names},
                            inner)
    for n in made:
        value = inner[n]
        marks[n] = LoopChanged(n, value.kind if isinstance(value, LoopChanged) else
                               kind_of(value), line)
    return [names[i] for i in kept], [carried[i] for i in kept], [inits[i] for i in kept], \
        marks


def changed_by_loop(site: Site, stmt: ast.stmt, before: dict, after: dict) -> dict:
    """The containers this loop changes, each as ``LoopChanged``; refused where the loop
    reads one (``hs[-1]``, ``len(hs)``), which would see one iteration's change only."""
    line = site.src.loc(stmt).line
    changed = {name: LoopChanged(name, kind_of(value), line) for name, value in before.items()
               if isinstance(name, str) and is_container(value) and
               after.get(name) is not value and after.get(name) != value}
    read = _read_inside(stmt, changed)
    if read is not None:
        mark = changed[read.id]
        raise site.fail(f"`{read.id}` is {mark.kind} that this loop changes, and the loop's "
                        "length is not known at compile time: read inside the loop, it "
                        "would hold one iteration's change only", read, _hint(read.id))
    return changed


def carried_containers(names: list, carried: list, inner: dict, body: tuple) -> list:
    """Names the loop would carry that hold a container (or a ``LoopChanged``) at the end
    of its body and whose value from the previous iteration the body never reads (``cache
    = (x, h)`` rebuilt each time): not carried, they become ``LoopChanged`` after it."""
    read = {v.name for s in walk(body) for v in reads_all(s) if isinstance(v, Var)}
    read |= {inner[n].name for n in names if isinstance(inner.get(n), Var)}    # nexts
    return [n for n, p in zip(names, carried) if isinstance(n, str) and
            _container(inner.get(n)) and p.name not in read]


def _container(value) -> bool:
    return is_container(value) or isinstance(value, LoopChanged)


def passed(lower, env: dict, e: ast.expr, hint):
    """``e`` lowered where a ``LoopChanged`` may be passed on unread: ``caches`` or ``h,
    caches`` as the value of an assignment or a ``return``."""
    if isinstance(e, ast.Name) and isinstance(env.get(e.id), LoopChanged):
        return env[e.id]
    if isinstance(e, ast.Tuple) and any(isinstance(x, ast.Name) and
                                        isinstance(env.get(x.id), LoopChanged) for x in e.elts):
        return Tup(tuple(passed(lower, env, x, None) for x in e.elts))
    return lower(e) if hint is None else lower(e, hint)


def read_error(mark: LoopChanged, loc: Loc) -> SymdiffError:
    """A ``LoopChanged`` read after its loop (or returned as the function's value)."""
    return SymdiffError(f"`{mark.name}` is {mark.kind} that the loop at line {mark.line} "
                        "changes, and that loop's length is not known at compile time, so "
                        "what it holds here is not known", loc, hint=_hint(mark.name))


def _hint(name: str) -> str:
    return ("give the loop constant bounds (or loop over a list or dict), so that it is "
            f"unrolled, or keep the values in an array: {name} = np.zeros((n, ...)); "
            f"{name}[t] = ...; or leave `{name}` unread after the loop (kept for later, "
            "it can be returned beside the loss with has_aux=True)")


def _read_inside(stmt: ast.stmt, changed: dict) -> ast.Name | None:
    """The first use of a changed name in the loop that is not a change of it."""
    if not changed:
        return None
    parts = list(stmt.body) + ([stmt.test] if isinstance(stmt, ast.While) else [])
    parents = {id(c): p for part in parts for p in ast.walk(part)
               for c in ast.iter_child_nodes(p)}
    for part in parts:
        for node in ast.walk(part):
            if isinstance(node, ast.Name) and node.id in changed and \
                    not isinstance(node.ctx, ast.Store) and not _changes(node, parents):
                return node
    return None


def _changes(name: ast.Name, parents: dict) -> bool:
    """Whether ``name`` is the root of a change: ``name[k] = v``, ``name.a.b = v``,
    ``name["h"].append(v)`` as a statement, ``del name[k]``."""
    node = name
    while True:
        parent = parents.get(id(node))
        if isinstance(parent, (ast.Subscript, ast.Attribute)) and parent.value is node:
            if not isinstance(parent.ctx, ast.Load):
                above = parents.get(id(parent))
                return not isinstance(above, ast.AugAssign)      # ``name[k] += v`` reads
            if isinstance(parent, ast.Attribute) and parent.attr in MUTATING:
                call = parents.get(id(parent))
                return isinstance(call, ast.Call) and call.func is parent and \
                    isinstance(parents.get(id(call)), ast.Expr)
            node = parent
            continue
        return False
