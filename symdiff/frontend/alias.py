"""NumPy's memory model during lowering: which names share storage, and writes through them.

A slice, ``.T``, ``transpose``, ``x[None]``, a row ``X[i]``, a plain ``y = x`` and an array
handed to a helper share memory with their base; an in-place write through one of them
changes the others. Lowering keeps every value in SSA form, so a write is a new version:
a write through a view becomes a write into its base (``y = setitem(y, idx, p * 3)``), and
every name that shares the storage gets a fresh version read from the new base.

The facts live in the lowering environment beside the names, so that branches, loops and
helpers copy and merge them as they do names:

    (REF, name)     a ``Ref``: the storage a name lives in and the view steps from its root;
                    a name without one owns the storage of its value alone (sid ``v:<var>``)
    (ROOT, sid)     the current version of a storage once it has been written through
    (EXTERNAL,)     the storages a helper's caller can see (its arguments)

Where sharing depends on what cannot be known here (a view of unknown kind, ``reshape`` of
data that may not be contiguous, names that share memory on one path only), a write that
would need it is refused, and a name whose value a write may have changed becomes ``Stale``:
reading it is a located error naming both names.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from ..errors import Loc, SymdiffError
from ..ir import TMP, Builder, Const, If, Node, Var
from ..ir import shift_index

REF, ROOT, EXTERNAL = "<ref>", "<root>", "<external>"
RETURNED = "<return>"

#: Array methods and NumPy functions whose result is a view of their first argument.
VIEW_CALLS = {"reshape": "reshape", "ravel": "reshape", "transpose": "transpose",
              "squeeze": "squeeze", "expand_dims": "expand_dims"}
#: Ops whose result is a fresh C-contiguous array (``reshape`` of it is a view).
CONTIGUOUS = {"zeros", "ones", "full", "empty", "arange", "linspace", "eye", "zeros_like",
              "ones_like", "array"}
INTEGER_OPS = {"dim", "ndim", "size", "intop"}
#: Ops whose result is an array: as an index, a list of indices or a mask (a copy).
INDEX_ARRAYS = {"compare", "stack", "not"}


@dataclass(frozen=True)
class Step:
    """One view operation from a base: ``op(base, *args)``; ``kind`` says how sure it is a view.

    "view": always a view; "maybe": integer indices only (a view when the result is an
    array, a copied number otherwise); "unsure": a copy or a view, depending on data."""

    op: str
    args: tuple
    params: tuple
    kind: str
    text: str = ""


@dataclass(frozen=True)
class Ref:
    """Where a name's value lives: storage ``sid`` reached by ``path`` from its root.

    ``path`` None: the name may share memory with the storages in ``shares`` (it does on
    some paths only, or in a way not modelled)."""

    sid: str | None
    path: tuple[Step, ...] | None = ()
    since: str = ""                     # the name it was taken from
    line: int = 0
    shares: frozenset = frozenset()

    def storages(self) -> frozenset:
        return self.shares | ({self.sid} if self.sid else frozenset())


@dataclass(frozen=True)
class Stale:
    """A name whose value a write through another name may have changed, or may not."""

    name: str
    other: str
    line: int
    why: str


@dataclass
class Memory:
    """Facts about values, for the whole lowering of one function: SSA names are unique."""

    defs: dict = field(default_factory=dict)          # Var -> the node that computed it
    ints: set = field(default_factory=set)            # Vars known to hold integers
    returned: dict = field(default_factory=dict)      # id(helper call) -> Ref of its result
    writes: int = 0                                   # writes through shared storage so far
    shapes: dict = field(default_factory=dict)        # parameter -> the shape given to it
    rank_asked: bool = False                          # a rank asked for was not known
    rank_unknown: dict = field(default_factory=dict)  # value -> the call it is, lowered
                                                      # as a vector for want of a rank


@dataclass
class Tracked(Builder):
    """A Builder that remembers which node computed each value (to read views back)."""

    memory: Memory = field(default_factory=Memory)

    def emit(self, op: str, args, hint: str, loc, note: str = "", **params) -> Var:
        out = super().emit(op, args, hint, loc, note, **params)
        self.memory.defs[out] = self.body[-1]
        return out


def sub(b: Tracked) -> Tracked:
    return Tracked(b.names, [], b.stack, b.constants, b.problems, b.memory)


def hint(key) -> str:
    """A readable name hint for an environment key (roots are named after their storage)."""
    return key if isinstance(key, str) else "base"


def is_hidden(key) -> bool:
    return not isinstance(key, str)


# ---------------------------------------------------------------- reading refs


def ref(env: dict, name: str) -> Ref | None:
    """The storage of a name's value (its own if none was recorded); None for numbers known
    at compile time."""
    found = env.get((REF, name))
    if found is not None:
        return found
    value = env.get(name)
    return Ref("v:" + value.name, ()) if isinstance(value, Var) else None


def root(env: dict, sid: str) -> Var:
    """The current version of a storage: its first value until it is written."""
    value = env.get((ROOT, sid))
    return value if value is not None else Var(sid[2:])


def sharers(env: dict, sid: str, but: str | None = None) -> list[str]:
    """Names in ``env`` recorded as living in storage ``sid`` (or maybe living there)."""
    found = []
    for key, r in env.items():
        if isinstance(key, tuple) and key[0] == REF and key[1] != but and key[1] != RETURNED \
                and sid in r.storages() and isinstance(env.get(key[1]), (Var, Const, Stale)):
            found.append(key[1])
    return found


def shared(env: dict, name: str) -> bool:
    """Does an in-place write through ``name`` reach another name (here or in a caller)?"""
    r = env.get((REF, name))
    if r is None:
        return False
    if r.path is None or r.path or r.sid in env.get((EXTERNAL,), frozenset()):
        return True
    return bool(sharers(env, r.sid, name))


def materialize(env: dict, name: str) -> Ref | None:
    """Record ``name``'s storage explicitly: another name is about to share it."""
    r = ref(env, name)
    if r is not None and (REF, name) not in env:
        env[(REF, name)] = r
    return r


def _is_int(memory: Memory, v, depth: int = 0) -> bool:
    if isinstance(v, Const):
        return isinstance(v.value, (int, np.integer)) and not isinstance(v.value, bool)
    if v in memory.ints:
        return True
    n = memory.defs.get(v)
    if n is None or depth > 8:
        return False
    if n.op in INTEGER_OPS or n.op == "cast" and n.param("type") == "int":
        return all(_is_int(memory, a, depth + 1) for a in n.args) if n.op == "intop" else True
    if n.op == "ew" and n.param("lib") == "":          # i + 1, 2 - i, 2 * i
        expr = n.param("expr")
        return all(_is_int(memory, a, depth + 1) for a in n.args) and expr.is_polynomial() \
            and all(c.is_Integer for c in expr.atoms(sympy.Number))
    return False


def _getitem_kind(memory: Memory, n: Node) -> str | None:
    """How sure ``x[idx]`` is a view: None when it is certainly a copy (a list of indices)."""
    entries = n.param("index")
    positions = [e[1] for e in entries if isinstance(e, tuple) and e[0] == "at"]
    for k in positions:
        a = n.args[k]
        if isinstance(a, Const) and isinstance(a.value, (tuple, list)):
            return None
        if isinstance(a, Const) and isinstance(a.value, bool):
            return None
        made = memory.defs.get(a)
        if made is not None and (made.op in INDEX_ARRAYS or made.op == "np"
                                 and made.param("fn") in CONTIGUOUS | {"logical_and",
                                                                       "logical_or",
                                                                       "logical_not"}):
            return None
    if any(not _is_int(memory, n.args[k]) for k in positions):
        return "unsure"
    if len(positions) == len(entries):
        return "maybe"
    return "view"


def _contiguous(memory: Memory, value, base: Ref | None) -> bool:
    n = memory.defs.get(value)
    return base is not None and base.path == () and n is not None and n.op == "np" \
        and n.param("fn") in CONTIGUOUS


def ref_of(b: Tracked, env: dict, e: ast.expr, value) -> Any:
    """The storage of the value an expression computed: a ``Ref`` when it shares memory
    with a name, None for a fresh array or a number, a tuple of them for a tuple."""
    memory = b.memory
    if isinstance(e, ast.Name):
        return materialize(env, e.id) if isinstance(value, Var) else None
    if isinstance(e, (ast.Tuple, ast.List)) and hasattr(value, "items"):
        return tuple(ref_of(b, env, x, v) for x, v in zip(e.elts, value.items))
    if isinstance(e, ast.Call) and id(e) in memory.returned:
        return memory.returned[id(e)]
    viewed = _unmodelled_view(e, env)
    if viewed is not None:                # np.flip(y), np.split(y, 2): views of y
        storages = _storages_in(b, env, viewed)
        if not storages:
            return None
        shared = Ref(None, None, _text(e), e.lineno, storages)
        return tuple(shared for _ in value.items) if hasattr(value, "items") else shared
    same = _same_array(e, env)
    if same is not None:                  # np.asarray(y) is y itself
        if any(k.arg == "dtype" for k in getattr(e, "keywords", ())):   # or a converted copy
            storages = _storages_in(b, env, same)
            return Ref(None, None, _text(e), e.lineno, storages) if storages else None
        return ref_of(b, env, same, value)
    if isinstance(e, ast.IfExp):
        sides = [_storages_in(b, env, x) for x in (e.body, e.orelse)]
        if any(sides):
            return Ref(None, None, _text(e), e.lineno, frozenset().union(*sides))
        return None
    base_expr, op, kind = _view_of(e, env)
    if base_expr is None or not isinstance(value, Var):
        return None
    n = memory.defs.get(value)
    if n is None or n.op != op or not n.args or not isinstance(n.args[0], Var):
        base_ref = ref_of(b, env, base_expr, None) if isinstance(base_expr, ast.Name) else None
        if base_ref is None:
            return None
        return Ref(None, None, _text(base_expr), e.lineno, base_ref.storages())
    base_ref = ref_of(b, env, base_expr, n.args[0])
    if base_ref is None:
        return None
    if op == "getitem":
        kind = _getitem_kind(memory, n)
        if kind is None:
            return None
    if op == "reshape" and not _contiguous(memory, n.args[0], base_ref):
        kind = "unsure"
    if base_ref.path is None:
        return base_ref
    step = Step(op, n.args[1:], n.params, kind, _text(e))
    return Ref(base_ref.sid, base_ref.path + (step,), base_ref.since or _text(base_expr),
               e.lineno)


def _storages_in(b, env, e) -> frozenset:
    if isinstance(e, ast.Name) and isinstance(env.get(e.id), Var):
        return ref(env, e.id).storages()
    base, _, _ = _view_of(e, env)
    return _storages_in(b, env, base) if base is not None else frozenset()


def _view_of(e: ast.expr, env: dict):
    """(base expression, op, kind) when ``e`` is a view of ``base`` in NumPy, else Nones."""
    if isinstance(e, ast.Subscript) and not (isinstance(e.value, ast.Attribute)
                                             and e.value.attr == "shape"):
        return e.value, "getitem", "view"
    if isinstance(e, ast.Attribute) and e.attr == "T":
        return e.value, "transpose", "view"
    if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr in VIEW_CALLS:
        func = e.func
        if isinstance(func.value, ast.Name) and func.value.id not in env:    # np.transpose
            return (e.args[0], VIEW_CALLS[func.attr], "view") if e.args else (None, None, None)
        if func.attr != "expand_dims":
            return func.value, VIEW_CALLS[func.attr], "view"
    return None, None, None


#: NumPy functions that return their array argument itself when it already is one of the
#: dtype asked for (np.array only with copy=False or copy=None).
SAME_ARRAY = {"asarray", "asanyarray", "ascontiguousarray", "asarray_chkfinite"}


#: NumPy functions (and array methods) whose result is a view of their first argument, or
#: a tuple or list of views, in a way the view steps do not follow: names bound to them
#: may share memory with it, so a write through one of them is refused, and reading one
#: after a write through the other is (``Stale``).
UNMODELLED_VIEWS = {"swapaxes", "moveaxis", "rollaxis", "flip", "fliplr", "flipud", "rot90",
                    "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to", "diagonal",
                    "diag", "split", "array_split", "hsplit", "vsplit", "dsplit",
                    "broadcast_arrays", "real", "imag", "view", "require",
                    "asfortranarray", "matrix_transpose", "permute_dims"}


def _unmodelled_view(e: ast.expr, env: dict) -> ast.expr | None:
    """The argument ``np.flip(y)`` (or ``y.swapaxes(0, 1)``) is a view of; None for other
    expressions."""
    if not isinstance(e, ast.Call) or not isinstance(e.func, ast.Attribute) or \
            e.func.attr not in UNMODELLED_VIEWS:
        return None
    func = e.func
    if isinstance(func.value, ast.Name) and func.value.id not in env:      # np.flip(y)
        return e.args[0] if e.args else None
    return func.value                                                      # y.swapaxes()


def _same_array(e: ast.expr, env: dict) -> ast.expr | None:
    """The argument of ``np.asarray(y)`` (or ``np.array(y, copy=False)``), which NumPy
    returns as is, sharing its memory (and ``y.real`` of real numbers); None for other
    expressions."""
    if isinstance(e, ast.Attribute) and e.attr == "real":
        return e.value
    if not isinstance(e, ast.Call) or len(e.args) != 1:
        return None
    func = e.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
            func.value.id not in env:
        name = func.attr
    elif isinstance(func, ast.Name) and func.id not in env:
        name = func.id
    else:
        return None
    copy = next((k.value for k in e.keywords if k.arg == "copy"), None)
    if name in SAME_ARRAY or name == "array" and isinstance(copy, ast.Constant) and \
            copy.value in (False, None):
        return e.args[0]
    return None


def _text(e: ast.expr) -> str:
    try:
        return ast.unparse(e)
    except Exception:            # noqa: BLE001 - only a label for messages
        return "the value"


# ---------------------------------------------------------------- binding


def bind(env: dict, name: str, value, r, fresh: bool = False) -> None:
    """``name = value`` whose storage is ``r`` (None: fresh); ``fresh``: no other name
    can hold ``value`` (it was just computed), so none is looked for."""
    env[name] = value
    if isinstance(r, Ref):
        env[(REF, name)] = r
        return
    env.pop((REF, name), None)
    if not fresh and isinstance(value, Var) and any(v is value or v == value for k, v in env.items()
                                      if k != name and isinstance(k, str)):
        # a copy the builder folded onto the value it copies (``x.copy()``, ``x * 1``)
        env[(REF, name)] = Ref("v:" + value.name + "#" + name, ())
        env[(ROOT, "v:" + value.name + "#" + name)] = value


# ---------------------------------------------------------------- writes


def _apply(b: Tracked, step: Step, base, loc: Loc, name: str = TMP):
    return b.emit(step.op, [base, *step.args], name, loc, **dict(step.params))


def _put_back(b: Tracked, step: Step, base, new, loc: Loc, name: str):
    """The base after its view ``step(base)`` was replaced by ``new``."""
    if step.op == "getitem":
        params = dict(step.params)
        return b.emit("setitem", [base, new, *step.args], name, loc,
                      index=shift_index(params["index"], 1))
    if step.op == "transpose":
        axes = dict(step.params).get("axes")
        inverse = None if axes is None else tuple(int(a) for a in np.argsort(axes))
        return b.emit("transpose", [new], name, loc, axes=inverse)
    shape = b.emit("shape", [base], "shape", loc)
    return b.emit("reshape", [new, shape], name, loc)


def refuse(name: str, other: str | None, r: Ref, loc: Loc, what: str) -> SymdiffError:
    if other is None:                 # the array it may share is no longer named here
        return SymdiffError(
            f"`{name}` may share memory with another array ({what}), so this in-place "
            "write may or may not change that array", loc,
            hint=f"make an independent array first, e.g. `{name} = {name}.copy()`")
    return SymdiffError(
        f"`{name}` may share memory with `{other}` ({what}), so this in-place write may "
        f"or may not change `{other}`", loc,
        hint=f"make an independent array first, e.g. `{name} = {name}.copy()`, or write "
             f"into `{other}` directly")


def _why(r: Ref) -> str:
    if r.path is None:
        return "it does on some paths only, or through a view symdiff cannot follow"
    unsure = [s for s in r.path if s.kind == "unsure"]
    if unsure:
        return f"`{unsure[0].text}` is a view or a copy depending on its data"
    return f"`{r.path[-1].text}` is a view when it is an array, a copy when it is a number"


def write(b: Tracked, env: dict, name: str, new, loc: Loc) -> None:
    """``name``'s value becomes ``new`` in place: its storage, and every name sharing it."""
    r = env.get((REF, name))
    if r is None:
        env[name] = new
        return
    others = sharers(env, r.sid, name) if r.sid else sharers_of(env, r, name)
    if r.path is None or any(s.kind == "unsure" for s in r.path):
        other = others[0] if others else r.since or None
        raise refuse(name, other, r, loc, _why(r))
    b.memory.writes += 1
    base = root(env, r.sid)
    bases = [base]
    for step in r.path[:-1]:
        bases.append(_apply(b, step, bases[-1], loc))
    value = new
    for step, under in reversed(list(zip(r.path, bases))):
        value = _put_back(b, step, under, value, loc, "base")
    env[(ROOT, r.sid)] = value
    rederive(b, env, r.sid, value, name, loc)
    env[name] = new


def sharers_of(env: dict, r: Ref, but: str) -> list[str]:
    return [n for s in sorted(r.storages()) for n in sharers(env, s, but)]


def rederive(b: Tracked, env: dict, sid: str, base, writer: str, loc: Loc) -> None:
    """Every name living in storage ``sid`` reads its new version from ``base``."""
    for other in sharers(env, sid, writer):
        r = env[(REF, other)]
        if isinstance(env.get(other), Stale):
            continue
        sure = r.sid == sid and r.path is not None and all(s.kind != "unsure" for s in r.path)
        if not sure:
            env[other] = Stale(other, writer or "an argument", loc.line, _why(r))
            continue
        if r.path and r.path[-1].kind == "maybe" and isinstance(env.get(other), Var):
            env[other] = _view_or_number(b, env[other], base, r.path, loc, other)
            continue
        value = base
        for step in r.path:
            value = _apply(b, step, value, loc, other)
        env[other] = value


def _view_or_number(b: Tracked, old: Var, base, path, loc: Loc, name: str) -> Var:
    """``X[i]`` after X was written: the new element when it is a view (an array), the
    number read before when it is a number. The generated code asks at run time."""
    test = b.emit("np", [old], "is_number", loc, fn="isscalar", keywords=())
    inner = sub(b)
    value = base
    for step in path:
        value = _apply(inner, step, value, loc, name)
    out = b.names.fresh(name)
    b.body.append(If(test, (), tuple(inner.body), (out,), (old,), (value,), loc))
    return out


def known_array(b: Tracked, env: dict, name: str) -> bool:
    """Is ``name`` certainly an array (so ``name += v`` writes in place)?"""
    r = env.get((REF, name))
    if r is not None and r.path:
        return r.path[-1].kind == "view"
    n = b.memory.defs.get(root(env, r.sid)) if r is not None and r.sid else None
    return n is not None and n.op == "np" and n.param("fn") in CONTIGUOUS


def stale_error(s: Stale, loc: Loc) -> SymdiffError:
    return SymdiffError(
        f"`{s.name}` may share memory with `{s.other}`, which was written in place at line "
        f"{s.line} ({s.why}), so its value here is not known", loc,
        hint=f"copy it where it is made (`{s.name} = ....copy()`), or read it before the write")
