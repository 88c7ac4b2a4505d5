"""In-place writes: which arrays of a generated function nobody else can see, so that
``y[i] = v`` and ``dx += g`` may write into them instead of into a copy.

A write into a fresh array whose other reads only ask for its shape (or come earlier and
copy what they read) needs no copy; this keeps a loop that fills an array linear rather
than quadratic. Reads are counted per path: the two sides of a branch count as one.
"""
from __future__ import annotations

from ..ir import Function, If, Loop, Node, Var, blocks, flatten, uses, walk


def reads_on_a_path(fn: Function) -> dict[str, int]:
    """Reads of each name on any one path: the two sides of a branch count as one.

    Counts merge the smaller into the larger, so that a chain of ``elif`` branches (each
    nested in the one before) is counted in linear time."""
    def block(stmts) -> dict[str, int]:
        count: dict[str, int] = {}

        def add(name, k=1):
            count[name] = count.get(name, 0) + k
        for s in stmts:
            if isinstance(s, If):
                add_values = [v for v in (s.cond,) if isinstance(v, Var)]
                for v in add_values:
                    add(v.name)
                sides = []
                for body, values in ((s.then, s.then_values), (s.orelse, s.else_values)):
                    side = block(body)
                    for v in values:
                        if isinstance(v, Var):
                            side[v.name] = side.get(v.name, 0) + 1
                    sides.append(side)
                small, big = sorted(sides, key=len)
                for name, k in small.items():
                    big[name] = max(big.get(name, 0), k)
                count = _add_counts(count, big)
            elif isinstance(s, Loop):
                for v in s.bounds + s.inits + s.nexts + ((s.cond,) if s.cond else ()):
                    if isinstance(v, Var):
                        add(v.name)
                count = _add_counts(count, block(s.cond_body + s.body))
            else:
                for v in s.args:
                    if isinstance(v, Var):
                        add(v.name)
        return count
    total = block(fn.body)
    for v in flatten(fn.result):
        if isinstance(v, Var):
            total[v.name] = total.get(v.name, 0) + 1
    return total


def _add_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    """The sum of two counts, made by adding the smaller into the larger (which it reuses)."""
    if len(a) < len(b):
        a, b = b, a
    for name, k in b.items():
        a[name] = a.get(name, 0) + k
    return a


#: Operations whose result may share memory with an argument (views, aliases, restores).
SHARING = {"getitem", "reshape", "transpose", "expand_dims", "squeeze", "broadcast_to", "alias",
           "pop", "cast", "unbroadcast", "contiguous", "as_array"}


def fresh_arrays(fn: Function) -> set[str]:
    """Values that are arrays nobody else can see, so writing into them in place is safe."""
    fresh: set[str] = set()
    count = uses(fn)
    loops = []
    for s in walk(fn.body):
        if isinstance(s, Node) and s.op not in SHARING:
            fresh.add(s.out.name)
        elif isinstance(s, Loop):
            for c, init, out in zip(s.carried, s.inits, s.outs):
                if isinstance(init, Var) and init.name in fresh and count.get(init.name) == 1:
                    fresh.update((c.name, out.name))
                    loops.append((c, out, s))
    joins = {o.name: (t, e) for s in walk(fn.body) if isinstance(s, If)
             for o, t, e in zip(s.outs, s.then_values, s.else_values)}

    def kept(v, depth=0) -> bool:
        if not isinstance(v, Var) or v.name in fresh:
            return True
        return v.name in joins and depth < 50 and all(kept(w, depth + 1) for w in joins[v.name])

    changed = True
    while changed:          # a carried array is fresh only if every next value is (a swap
        changed = False     # ``a, b = b, a`` can carry an argument into it)
        for c, out, s in loops:
            if c.name in fresh and not kept(s.nexts[s.carried.index(c)]):
                fresh.difference_update((c.name, out.name))
                changed = True
    return fresh


#: Operations whose result never shares memory with their arguments.
COPYING = {"ew", "sum", "mean", "amax", "amin", "matmul", "outer", "compare", "shape", "dim",
           "ndim", "size", "np", "zeros_like", "copy"}


def writes_in_place(stmts, fresh: set[str], reads: dict[str, int],
                     shape_reads: dict[str, int], copied: set[str] | None = None) -> set[str]:
    """Writes into a fresh array whose other reads only ask for its shape, or come earlier
    in the same block and copy what they read (``a = y[i - 1]`` of a number, then
    ``y[i] = ...``): no copy needed, which keeps a loop that fills an array linear rather
    than quadratic.

    Given ``copied``, an earlier view into the array (``g_at = g[:, i, j]``, then ``g`` with
    zeros at ``[:, i, j]``) may become a copy of its few elements, added to ``copied``,
    so that the write needs no copy of the whole array."""
    safe: set[str] = set()
    for k, s in enumerate(stmts):
        if isinstance(s, (If, Loop)):
            for block in blocks(s):
                safe |= writes_in_place(block, fresh, reads, shape_reads, copied)
            continue
        if s.op not in ("setitem", "add_at") or not isinstance(s.args[0], Var):
            continue
        base = s.args[0].name
        earlier = sum(1 for t in stmts[:k] if isinstance(t, Node) and _copies(t)
                      for a in t.args if isinstance(a, Var) and a.name == base)
        views = [t.out.name for t in stmts[:k] if isinstance(t, Node) and t.op == "getitem"
                 and not t.param("item") and t.args[0] == s.args[0]
                 and sum(isinstance(a, Var) and a.name == base for a in t.args) == 1]
        if base not in fresh:
            continue
        if reads.get(base) == 1 + earlier + shape_reads.get(base, 0):
            safe.add(s.out.name)
        elif copied is not None and views and \
                reads.get(base) == 1 + earlier + len(views) + shape_reads.get(base, 0):
            safe.add(s.out.name)
            copied.update(views)
    return safe


def _copies(n: Node) -> bool:
    return (n.op in COPYING and n.op not in SHAPE_ONLY
            or n.op == "getitem" and n.param("item") is True)


#: Operations that read only the shape of their (first) argument.
SHAPE_ONLY = {"shape", "dim", "ndim", "size", "zeros_like", "check_floats"}


def shape_reads(fn: Function) -> dict[str, int]:
    """Reads that look only at a value's shape, which a write in place leaves alone."""
    count: dict[str, int] = {}
    for n in walk(fn.body):
        if isinstance(n, Node) and n.args and isinstance(n.args[0], Var) and \
                n.op in SHAPE_ONLY:
            count[n.args[0].name] = count.get(n.args[0].name, 0) + 1
        if isinstance(n, Node) and n.op in ("scatter", "scatter_add") and \
                isinstance(n.args[1], Var):
            count[n.args[1].name] = count.get(n.args[1].name, 0) + 1
    return count
