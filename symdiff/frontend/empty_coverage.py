"""Coverage of np.empty: whether every element is written before any element is read.

    out = np.empty(n)              the statements after the call are walked in order, up
    for i in range(n):             to the first read of ``out``; each write adds a box
        out[i] = x[i] ** 2         (an interval [lo, hi) per axis) to what is proven
    return np.sum(out)             written; a loop over range(a, b) turns [i, i + 1) into
                                   [a, b); an ``if`` keeps what both branches write;
                                   in ``for i in range(a, n)``, ``out[i - 1]`` is read
                                   from [a - 1, i): written before the loop or by the
                                   earlier iterations, when the body writes out[i]

Bounds are linear in names (``n``, ``x.shape[0]``, ``len(x)``). The array is covered when
a chain of intervals leads from 0 to the extent of the first axis and, on each link, the
boxes on it cover the remaining axes. NumPy maps the bounds of a slice through one
function (negative from the end, then clipped), so a chain covers whatever the values are.
It walks the desugared function: a ``break`` or ``continue`` has become an ``if``, so a
write after one is conditional and covers nothing.

    >>> verdict(tree, call, "empty")     # None when proven, else what is left unset
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

#: Uses of an array that read its shape, not its elements.
METADATA = {"shape", "ndim", "size", "dtype"}

#: A linear form: (constant, ((atom, coefficient), ...)) with atoms sorted.
ZERO = (0, ())


def _form(const: int = 0, atoms: dict | None = None):
    return const, tuple(sorted((a, c) for a, c in (atoms or {}).items() if c))


def _add(f, g, sign: int = 1):
    atoms = dict(f[1])
    for a, c in g[1]:
        atoms[a] = atoms.get(a, 0) + sign * c
    return _form(f[0] + sign * g[0], atoms)


def _scale(f, k: int):
    return _form(f[0] * k, {a: c * k for a, c in f[1]})


def _atom(name: str):
    return _form(0, {name: 1})


def _show(f) -> str:
    parts = [(a if c == 1 else f"{c} * {a}") for a, c in f[1]]
    text = " + ".join(parts) if parts else ""
    if f[0] or not text:
        text = f"{text} {'-' if f[0] < 0 else '+'} {abs(f[0])}" if text else str(f[0])
    return text.replace("+ -", "- ")


class _Read(Exception):
    """The array is read (or rebound where symdiff does not follow it) before it is covered."""

    def __init__(self, note: str):
        self.note = note


@dataclass
class _Walk:
    """What the walk knows: the array's name and extents, names it may trust, notes."""

    name: str
    extents: tuple | None          # linear forms per axis, or None: like ``like``
    like: str | None               # np.empty_like(x) / np.empty(x.shape): x
    unstable: set                  # names assigned after the call: their values change
    line: object                   # node -> line number
    loops: dict = field(default_factory=dict)   # active loop variable -> it is >= 0
    starts: dict = field(default_factory=dict)  # loop variable -> the start of its range
    lenient: bool = False          # collecting a loop body's writes: reads not checked
    notes: list = field(default_factory=list)

    def ext(self, k: int):
        if self.extents is not None:
            return self.extents[k] if k < len(self.extents) else None
        return _atom(f"{self.like}.shape[{k}]" if self.like else f"<extent {k}>")

    def form(self, e: ast.expr):
        """``e`` as a linear form, or None when it is not one symdiff may trust."""
        if isinstance(e, ast.Constant) and type(e.value) is int:
            return _form(e.value)
        if isinstance(e, ast.Name):
            if e.id == self.name or e.id in self.unstable and e.id not in self.loops:
                return None
            return _atom(e.id)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
            f = self.form(e.operand)
            return None if f is None else _scale(f, -1)
        if isinstance(e, ast.BinOp) and isinstance(e.op, (ast.Add, ast.Sub, ast.Mult)):
            a, b = self.form(e.left), self.form(e.right)
            if a is None or b is None:
                return None
            if isinstance(e.op, ast.Mult):
                k = a[0] if not a[1] else b[0] if not b[1] else None
                return None if k is None else _scale(b if not a[1] else a, k)
            return _add(a, b, 1 if isinstance(e.op, ast.Add) else -1)
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "len" \
                and len(e.args) == 1 and not e.keywords:
            return self.size(e.args[0], 0)
        if isinstance(e, ast.Subscript) and isinstance(e.value, ast.Attribute) and \
                e.value.attr == "shape" and isinstance(e.slice, ast.Constant) and \
                type(e.slice.value) is int:
            return self.size(e.value.value, e.slice.value)
        return None

    def size(self, x: ast.expr, k: int):
        """``x.shape[k]``: the array's own extent, or an atom for a trusted name."""
        if not isinstance(x, ast.Name):
            return None
        if x.id == self.name:
            return self.ext(k) if k >= 0 else None
        return None if x.id in self.unstable else _atom(f"{x.id}.shape[{k}]")

    def sizes(self) -> set:
        """Names that are a whole extent (``np.empty(n)``: n >= 0, or NumPy raises)."""
        return {f[1][0][0] for f in self.extents or () if f[0] == 0 and len(f[1]) == 1
                and f[1][0][1] == 1}

    def nonneg(self, f) -> bool:
        """Whether the form is provably >= 0: sizes, extents, loop indices from 0 up."""
        if f is None or f[0] < 0 or any(c < 0 for _, c in f[1]):
            return False
        return all(".shape[" in a or a.startswith("<") or a in self.sizes() or self.loops.get(a)
                   for a, _ in f[1])

    def integral(self, f) -> bool:
        """Whether the form is an integer (not possibly an index array)."""
        sizes = {a for f in self.extents or () for a, _ in f[1]}
        return all(".shape[" in a or a.startswith("<") or a in sizes or a in self.loops
                   for a, _ in f[1])

    def previous(self, v):
        """``out[i - 1]`` in a loop over range(a, n): within [a - 1, i), which the element
        before the loop and the earlier iterations may cover (i >= a)."""
        for i, start in self.starts.items():
            low = _add(start, _form(-1))
            if v == _add(_atom(i), _form(-1)) and self.nonneg(low):
                return low, _atom(i)
        return None

    def region(self, index: ast.expr, reading: bool = False):
        """The box ``out[index]`` selects (trailing axes whole), or None."""
        items = list(index.elts) if isinstance(index, ast.Tuple) else [index]
        if items and isinstance(items[-1], ast.Constant) and items[-1].value is Ellipsis:
            items = items[:-1]
        box = []
        for k, it in enumerate(items):
            if isinstance(it, ast.Slice):
                if it.step is not None and not (isinstance(it.step, ast.Constant) and
                                                it.step.value == 1):
                    return None
                lo = ZERO if it.lower is None else self.form(it.lower)
                hi = self.ext(k) if it.upper is None else self.form(it.upper)
                if lo is None or hi is None or (it.upper is None and self.ext(k) is None):
                    return None
                box.append((lo, hi))
                continue
            v = self.form(it)
            if v is None or not self.integral(v):
                return None
            previous = self.previous(v) if reading else None
            if previous is not None:
                box.append(previous)
            elif reading and not self.nonneg(v):
                return None
            else:
                box.append((v, _add(v, _form(1))))
        return tuple(box)


def covers(w: _Walk, boxes: list, target: tuple, k: int = 0) -> bool:
    """Whether the union of ``boxes`` holds ``target`` (axes past a box's end are whole)."""
    if any(len(b) <= k for b in boxes):
        return True
    if not boxes:
        return False
    whole = (ZERO, w.ext(k))
    goal = target[k] if k < len(target) else whole
    wide = [b for b in boxes if b[k] == whole]
    links = list(dict.fromkeys([goal] + [b[k] for b in boxes if b[k] != whole]))
    seen, todo = set(), [goal[0]]
    while todo:
        u = todo.pop()
        if u == goal[1]:
            return True
        if u in seen:
            continue
        seen.add(u)
        for lo, hi in links:
            if lo == u and hi not in seen and \
                    covers(w, wide + [b for b in boxes if b[k] == (lo, hi)], target, k + 1):
                todo.append(hi)
    return False


def _stores(stmts) -> set:
    """Every name a statement list assigns (loop variables included), or reshapes."""
    out = set()
    for s in stmts:
        for n in ast.walk(s):
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
                out.add(n.id)
            elif isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and (
                    isinstance(n.ctx, ast.Store) or n.attr == "resize"):
                out.add(n.value.id)        # x.shape = ..., x.resize(...): a new shape
            elif isinstance(n, (ast.FunctionDef, ast.ClassDef)):
                out.add(n.name)
    return out


def _check_reads(w: _Walk, node: ast.AST, boxes: list, parents: dict) -> None:
    """Refuse a read of the array's elements that the boxes do not hold."""
    if w.lenient:
        return
    for n in ast.walk(node):
        if not (isinstance(n, ast.Name) and n.id == w.name):
            continue
        if isinstance(n.ctx, ast.Store):
            raise _Read(f"`{w.name}` is assigned at line {w.line(n)} inside a statement "
                        "symdiff does not follow")
        up = parents.get(id(n))
        if isinstance(up, ast.Attribute) and up.attr in METADATA:
            continue
        if isinstance(up, ast.Call) and isinstance(up.func, ast.Name) and \
                up.func.id == "len" and up.args == [n]:
            continue
        target = ()
        if isinstance(up, ast.Subscript) and up.value is n:
            if isinstance(up.ctx, ast.Store) and not isinstance(parents.get(id(up)),
                                                                ast.AugAssign):
                continue                   # a write, counted (or not) by its statement
            target = w.region(up.slice, reading=True)
            target = () if target is None else target
        if not covers(w, boxes, target):
            raise _Read(f"`{w.name}` is read at line {w.line(n)} before every element it "
                        "reads is written")


def _block(w: _Walk, stmts: list, boxes: list, parents: dict) -> list:
    """The boxes proven written after ``stmts``; () is a box covering everything."""
    boxes = list(boxes)
    for s in stmts:
        if covers(w, boxes, ()):
            return boxes + [()]
        boxes = _statement(w, s, boxes, parents)
    return boxes


def _statement(w: _Walk, s: ast.stmt, boxes: list, parents: dict) -> list:
    if isinstance(s, ast.Assign):
        _check_reads(w, s.value, boxes, parents)
        for t in s.targets:
            if isinstance(t, ast.Name) and t.id == w.name:
                return boxes + [()]        # rebound: the array is never read again
            if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and \
                    t.value.id == w.name:
                _check_reads(w, t.slice, boxes, parents)
                box = w.region(t.slice)
                if box is None:
                    w.notes.append(f"the write at line {w.line(t)} is not one symdiff can "
                                   f"place: write {w.name}[i], {w.name}[i, :], "
                                   f"{w.name}[:k] or {w.name}[k:]")
                else:
                    boxes = boxes + [box]
            else:
                _check_reads(w, t, boxes, parents)
        return boxes
    if isinstance(s, ast.If):
        _check_reads(w, s.test, boxes, parents)
        one, two = _block(w, s.body, boxes, parents), _block(w, s.orelse, boxes, parents)
        both = [b for b in one[len(boxes):] if b in two[len(boxes):]]
        if len(both) < len(one) - len(boxes):
            w.notes.append(f"a write under the `if` at line {w.line(s)} is not made by the "
                           "other branch")
        return boxes + both
    if isinstance(s, ast.For) and _range(s) is not None:
        return _loop(w, s, boxes, parents)
    if isinstance(s, ast.Return):
        if s.value is not None:
            _check_reads(w, s.value, boxes, parents)
        return boxes + [()]
    if isinstance(s, ast.While) and w.name in {n.id for n in ast.walk(s)
                                               if isinstance(n, ast.Name)}:
        w.notes.append(f"writes inside the `while` loop at line {w.line(s)} are not counted: "
                       "write them in a `for i in range(n)` loop")
    _check_reads(w, s, boxes, parents)
    return boxes


def _range(s: ast.For):
    """``for i in range(a, b)`` (step 1, no else): (i, a, b), else None."""
    it = s.iter
    if s.orelse or not isinstance(s.target, ast.Name) or not isinstance(it, ast.Call) or \
            not isinstance(it.func, ast.Name) or it.func.id != "range" or it.keywords or \
            not 1 <= len(it.args) <= 3:
        return None
    if len(it.args) == 3 and not (isinstance(it.args[2], ast.Constant) and
                                  it.args[2].value == 1):
        return None
    args = it.args[:2]
    return s.target.id, (ast.Constant(0) if len(args) == 1 else args[0]), args[-1]


def _loop(w: _Walk, s: ast.For, boxes: list, parents: dict) -> list:
    """The boxes a ``for i in range(a, b)`` loop writes: [i, i + 1) becomes [a, b)."""
    i, a_expr, b_expr = _range(s)
    _check_reads(w, s.iter, boxes, parents)
    a, b = w.form(a_expr), w.form(b_expr)
    trusted = i not in _stores(s.body) and a is not None and b is not None
    w.loops[i] = w.nonneg(a)
    try:
        earlier = _earlier(w, s, boxes, parents) if trusted and w.nonneg(a) else []
        if earlier:
            w.starts[i] = a
        inner = _block(w, s.body, boxes + earlier, parents)
    finally:
        w.loops.pop(i)
        w.starts.pop(i, None)
    out = list(boxes)
    for box in inner[len(boxes) + len(earlier):] if trusted else ():
        k = _indexed_axis(box, i)
        if k is None:
            if box and not any(a_ == i for iv in box for f in iv for a_, _ in f[1]) and \
                    not a[1] and not b[1] and a[0] < b[0]:
                out.append(box)            # made by every iteration of a loop that runs
            continue
        _note_range(w, s, k, a, b)
        # range(a, n - 1) over an axis of n: n - 1 < 0 only when n = 0, where it is empty
        last = w.ext(k) is not None and b == _add(w.ext(k), _form(-1))
        if w.nonneg(a) and (w.nonneg(b) or last):
            out.append(box[:k] + ((a, b),) + box[k + 1:])
    return out


def _indexed_axis(box: tuple, i: str):
    """The one axis on which ``box`` is [i, i + 1) (i not elsewhere), or None."""
    axes = [k for k, iv in enumerate(box) if any(a_ == i for f in iv for a_, _ in f[1])]
    if len(axes) != 1 or box[axes[0]] != (_atom(i), _add(_atom(i), _form(1))):
        return None
    return axes[0]


def _earlier(w: _Walk, s: ast.For, boxes: list, parents: dict) -> list:
    """What the iterations before i wrote: [a, i) where the body writes [i, i + 1) (the
    body's writes collected without checking its reads, then checked with these)."""
    lenient, w.lenient = w.lenient, True
    try:
        dry = _block(w, s.body, boxes, parents)
    finally:
        w.lenient = lenient
    i, a = s.target.id, w.form(_range(s)[1])
    out = []
    for box in dry[len(boxes):]:
        k = _indexed_axis(box, i)
        if k is not None:
            out.append(box[:k] + ((a, _atom(i)),) + box[k + 1:])
    return out


def _note_range(w: _Walk, s: ast.For, k: int, a, b) -> None:
    """Say which part of axis k a loop leaves unset, if any."""
    end = w.ext(k)
    what = "element" if w.extents is not None and len(w.extents) == 1 else \
        "row" if k == 0 else f"element of axis {k}"
    if end is None or a == ZERO and b == end:
        return
    text = f"range({ast.unparse(s.iter)[6:-1]})"
    if a == ZERO and b == _add(end, _form(-1)):
        w.notes.append(f"the loop over {text} at line {w.line(s)} leaves the last {what} unset")
    elif a == _form(1) and b == end:
        w.notes.append(f"the loop over {text} at line {w.line(s)} leaves the first {what} unset")
    else:
        w.notes.append(f"the loop over {text} at line {w.line(s)} covers [{_show(a)}, "
                       f"{_show(b)}) of axis {k}, not [0, {_show(end)})")


def _shape(w: _Walk, call: ast.Call, fn: str) -> None:
    """The extents of ``np.empty(shape)`` / ``np.empty_like(x)``, in the walk's terms."""
    first = call.args[0] if call.args else next(
        (k.value for k in call.keywords if k.arg in ("shape", "prototype")), None)
    if fn == "empty_like" or isinstance(first, ast.Attribute) and first.attr == "shape":
        x = first if fn == "empty_like" else first.value
        w.like = x.id if isinstance(x, ast.Name) and x.id not in w.unstable else None
        return
    items = first.elts if isinstance(first, (ast.Tuple, ast.List)) else [first]
    forms = [None if it is None else w.form(it) for it in items]
    w.extents = tuple(f if f is not None else _atom(f"<extent {k}>")
                      for k, f in enumerate(forms))


def _enclosing(tree: ast.AST, call: ast.Call):
    """The statement list and position of ``name = <call>``, or None."""
    for node in ast.walk(tree):
        for attr in ("body", "orelse"):
            stmts = getattr(node, attr, None)
            if not isinstance(stmts, list):
                continue
            for k, s in enumerate(stmts):
                if isinstance(s, ast.Assign) and s.value is call and len(s.targets) == 1 \
                        and isinstance(s.targets[0], ast.Name):
                    return stmts, k
    return None


def verdict(tree: ast.AST, call: ast.Call, fn: str, line=lambda n: n.lineno) -> str | None:
    """None when every element of ``name = np.<fn>(...)`` is proven written before one is
    read; otherwise what is not covered."""
    place = _enclosing(tree, call)
    if place is None:
        return f"assign np.{fn}(...) to a name and write every element before using it"
    stmts, at = place
    rest = stmts[at + 1:]
    w = _Walk(stmts[at].targets[0].id, None, None, _stores(rest), line)
    _shape(w, call, fn)
    parents = {id(c): p for s in rest for p in ast.walk(s) for c in ast.iter_child_nodes(p)}
    try:
        boxes = _block(w, rest, [], parents)
    except _Read as read:
        return "; ".join(dict.fromkeys(w.notes + [read.note]))
    if covers(w, boxes, ()):
        return None
    return "; ".join(dict.fromkeys(w.notes)) or "the writes after it do not cover every element"
