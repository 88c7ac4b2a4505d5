"""The NumPy functions lowered onto ``move`` (``moves.py``), each a row of ``SIGNATURES``:
its parameters in NumPy's order, each of a kind:

    array    an array whose elements are moved (differentiated)
    arrays   a list of such arrays, written out: np.hstack([a, b])
    *arrays  such arrays as positional arguments: np.meshgrid(x, y)
    index    an integer array, passed as it is (np.take_along_axis's indices)
    static   a compile-time constant (pad widths, reps, k, axes)
    value    a compile-time constant that sets the value of new elements (constant_values):
             not used for the positions of the VJP

A function returning a tuple (np.split, np.meshgrid, np.broadcast_arrays) is a tuple of
moves, one per item; its length comes from the static arguments or the number of arrays.

np.sort and np.partition are gathers by an order computed without derivative:

    np.sort(x, axis)            np.take_along_axis(x, np.argsort(x, axis), axis)
    np.partition(x, k, axis)    np.take_along_axis(x, np.argpartition(x, k, axis), axis)

so each element's gradient is the gradient of the place it was sorted to (ties: the
order np.argsort gives them, each tied element one place). np.argsort, np.argmax and
np.argmin (and their methods, x.argsort()) give positions, without derivative.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..ir import TMP, Const
from .registry import Composition, compose

REQUIRED = object()


@dataclass(frozen=True)
class Signature:
    """A NumPy function lowered onto moves: its parameters (name, kind, default)."""

    params: tuple
    parts: Callable | None = None            # (static values, arrays) -> the tuple's length
    check: Callable | None = None            # (static values) -> what is wrong, or None
    hint: str = ""


def _sections(values, arrays):
    s = values.get("indices_or_sections")
    return s if isinstance(s, int) and not isinstance(s, bool) else len(s) + 1


def _check_sections(values):
    s = values.get("indices_or_sections")
    if isinstance(s, bool) or not isinstance(s, (int, tuple)) or isinstance(s, int) and s < 1:
        return "the sections must be a constant count or a list of constant indices"
    return None


PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def _check_pad(values):
    mode = values.get("mode", "constant")
    if mode not in PAD_MODES:
        return f"np.pad with mode={mode!r} is not supported (its values are statistics " \
               f"of x, not copies)"
    if values.get("reflect_type", "even") != "even":
        return "np.pad with reflect_type='odd' makes new values (2 * edge - x), not copies"
    return None


SPLIT = (("ary", "array", REQUIRED), ("indices_or_sections", "static", REQUIRED))
SIGNATURES = {
    "tile": Signature((("A", "array", REQUIRED), ("reps", "static", REQUIRED))),
    "pad": Signature((("array", "array", REQUIRED), ("pad_width", "static", REQUIRED),
                      ("mode", "static", "constant"), ("constant_values", "value", 0),
                      ("reflect_type", "static", "even")), check=_check_pad,
                     hint="use mode 'constant', 'edge', 'reflect', 'symmetric' or 'wrap'"),
    "split": Signature(SPLIT + (("axis", "static", 0),), _sections, _check_sections),
    "array_split": Signature(SPLIT + (("axis", "static", 0),), _sections, _check_sections),
    "hsplit": Signature(SPLIT, _sections, _check_sections),
    "vsplit": Signature(SPLIT, _sections, _check_sections),
    "dsplit": Signature(SPLIT, _sections, _check_sections),
    "take_along_axis": Signature((("arr", "array", REQUIRED), ("indices", "index", REQUIRED),
                                  ("axis", "static", REQUIRED))),
    "hstack": Signature((("tup", "arrays", REQUIRED),)),
    "column_stack": Signature((("tup", "arrays", REQUIRED),)),
    "diag": Signature((("v", "array", REQUIRED), ("k", "static", 0))),
    "diagflat": Signature((("v", "array", REQUIRED), ("k", "static", 0))),
    "rot90": Signature((("m", "array", REQUIRED), ("k", "static", 1),
                        ("axes", "static", (0, 1)))),
    "delete": Signature((("arr", "array", REQUIRED), ("obj", "static", REQUIRED),
                         ("axis", "static", None))),
    "insert": Signature((("arr", "array", REQUIRED), ("obj", "static", REQUIRED),
                         ("values", "array", REQUIRED), ("axis", "static", None))),
    "rollaxis": Signature((("a", "array", REQUIRED), ("axis", "static", REQUIRED),
                           ("start", "static", 0))),
    "resize": Signature((("a", "array", REQUIRED), ("new_shape", "static", REQUIRED))),
    "broadcast_arrays": Signature((("args", "*arrays", REQUIRED),),
                                  lambda values, arrays: arrays),
    "meshgrid": Signature((("xi", "*arrays", REQUIRED), ("indexing", "static", "xy")),
                          lambda values, arrays: arrays),
}


def _bind(ctx, e, name: str, sig: Signature, args: list, keywords: dict):
    """(name -> (given value, kind)) in NumPy's order, each given one; what is missing or
    unknown refused."""
    params = sig.params
    star = params and params[0][1] == "*arrays"
    names = [p[0] for p in params]
    unknown = set(keywords) - set(names[1:] if star else names)
    if unknown or (not star and len(args) > len(params)):
        what = f"keyword {sorted(unknown)[0]}=" if unknown else "that many arguments"
        raise ctx.fail(f"np.{name} does not take {what} here", e,
                       f"np.{name} takes {', '.join(names)}")
    given = {}
    if star:
        given[names[0]] = (list(args), "*arrays")
        if not args:
            raise ctx.fail(f"np.{name} needs arrays", e)
    else:
        given.update({p[0]: (a, p[1]) for p, a in zip(params, args)})
    for p in params:
        if p[0] in keywords:
            given[p[0]] = (keywords[p[0]], p[1])
        elif p[0] not in given and p[2] is REQUIRED:
            raise ctx.fail(f"np.{name} needs its `{p[0]}`", e)
    return given


def lower_move(ctx, e, hint, name, args, keywords):
    """np.<name>(...) as a move (or a tuple of moves), by its row of SIGNATURES."""
    sig = SIGNATURES[name]
    given = _bind(ctx, e, name, sig, args, keywords)
    values, node_args, entries, moved = {}, [], {}, []

    def add(value, is_moved):
        node_args.append(ctx.array(value, e))
        if is_moved:
            moved.append(len(node_args) - 1)
        return len(node_args) - 1

    for key, (value, kind) in given.items():
        if kind in ("static", "value"):
            values[key] = ctx.static(value, e, key)
            entries[key] = ("const", values[key])
        elif kind == "arrays":
            if ctx.items(value) is None:
                raise ctx.fail(f"np.{name} takes a list of arrays written out, e.g. [a, b]", e)
            entries[key] = ("list", tuple(add(v, True) for v in ctx.items(value)))
        elif kind == "*arrays":
            entries[key] = [add(v, True) for v in value]
        else:
            entries[key] = add(value, kind == "array")
    problem = sig.check(values) if sig.check else None
    if problem:
        raise ctx.fail(problem, e, sig.hint)
    positional = len(args)
    layout, named = [], []
    for k, p in enumerate(sig.params):
        if p[0] not in entries:
            continue
        if p[1] == "*arrays":
            layout.extend(entries[p[0]])
        elif k < positional and p[0] not in keywords:
            layout.append(entries[p[0]])
        else:
            named.append((p[0], entries[p[0]]))
    params = dict(fn=name, layout=tuple(layout), keywords=tuple(named), moved=tuple(moved),
                  value_only=tuple(p[0] for p in sig.params if p[1] == "value"))
    if sig.parts is None:
        return ctx.emit("move", node_args, hint, part=None, **params)
    count = sig.parts(values, len(node_args))
    return ctx.tup(ctx.emit("move", node_args, TMP, part=k, **params) for k in range(count))


def _gather_by_order(ctx, e, hint, name, args, keywords):
    """np.sort(x, axis=-1), np.partition(x, kth, axis=-1): x gathered by its order."""
    ordering = {"sort": ("argsort", ()), "partition": ("argpartition", ("kth",))}[name]
    fn, extra = ordering
    names = ("a",) + extra + ("axis",)
    unknown = set(keywords) - set(names[1:]) - {"kind"}
    if unknown or len(args) > len(names) or len(args) < 1 + len(extra) - \
            sum(k in keywords for k in extra):
        raise ctx.fail(f"np.{name} takes {', '.join(names)} here", e,
                       f"write np.{name}({', '.join(names)})")
    x = ctx.array(args[0], e)
    given = dict(zip(names, args))
    given.update(keywords)
    axis = ctx.static(given.get("axis", Const(-1)), e, "axis")
    if axis is None:
        x = ctx.emit("reshape", [x, Const(-1)], TMP)
        axis = -1
    statics = [Const(ctx.static(given[k], e, k)) for k in extra]
    order = ctx.emit("np", [x, *statics, Const(axis)], TMP, fn=fn, keywords=("axis",))
    return ctx.emit("move", [x, order], hint, fn="take_along_axis", layout=(0, 1),
                    keywords=(("axis", ("const", axis)),), moved=(0,), part=None,
                    value_only=())


compose(*[Composition(name, f"np.{name}: elements copied to new places", lower_move,
                      spellings=(f"np.{name}",)) for name in SIGNATURES])
def _copy(ctx, e, hint, name, args, keywords):
    """np.copy(x): the same values (symdiff never changes an array in place)."""
    from . import elementwise as E
    if len(args) != 1 or set(keywords) - {"order", "subok"}:
        raise ctx.fail("np.copy takes one array here", e)
    return ctx.ew(E.TABLE["positive"].forward, [ctx.array(args[0], e)], hint)


def _order(ctx, e, hint, name, args, keywords):
    """np.argsort(x, axis), x.argmax(axis)...: integer positions, no derivative."""
    def value(v):
        return v if isinstance(v, Const) and isinstance(v.value, str) else ctx.array(v, e)
    flat = [value(a) for a in args] + [value(v) for v in keywords.values()]
    return ctx.emit("np", flat, hint, fn=name, keywords=tuple(keywords))


compose(
    Composition("order", "the positions that sort x (or of its largest, smallest element)",
                _order, spellings=tuple(s for f in ("argsort", "argmax", "argmin")
                                        for s in (f"np.{f}", f"x.{f}()"))),
    Composition("copy", "x itself (values are never changed in place)", _copy,
                spellings=("np.copy",)),
    Composition("sort", "x gathered by np.argsort(x)", _gather_by_order,
                spellings=("np.sort",)),
    Composition("partition", "x gathered by np.argpartition(x, kth)", _gather_by_order,
                spellings=("np.partition",)),
)
