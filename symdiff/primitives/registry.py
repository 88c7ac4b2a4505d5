"""The primitive registry: one entry per primitive, holding everything about it.

A primitive is an operation of the IR (``n.op``). Its entry says, in fields, what every
stage needs to know about it, so no stage tests operation names:

    name        the IR operation (``sum``); ``spellings`` the NumPy / math / method names
                a user writes for it (``np.sum``, ``x.sum``), read by lowering
    params      the static parameters and their kinds (``axis: axis``), read by ``verify``
    shape       the shape rule ``shape(n, arg_shapes, arg_values)`` (None when unknown)
    vjp         ``vjp(em, g, n, i)``, or NO_DERIVATIVE (its output carries no gradient:
                indices, masks, shapes) or NOT_YET (differentiating it is refused, naming it)
    jvp         ``jvp(em, n, tangents)``, LINEAR (linear in its first argument: the
                primitive applied to that argument's tangent), NO_DERIVATIVE or NOT_YET
    printer     ``printer(n, p)``: the NumPy code, built with the backend's printing kit
                ``p``; ``numba(n, cx)`` rewrites a node into the forms Numba compiles
    gate, maths the teaching text: the backprop lesson's pattern (``sum distributes``)
                and the maths the primitive computes
    flags       ``reduction``, ``integer_valued``, ``elementwise``, ``selects``...
    lower       ``lower(ctx, e, hint, name, args, keywords)``: how lowering turns a call
                spelled as the entry says into the primitive

``register`` checks an entry is complete when its module is imported: a primitive with a
missing part fails then, naming it, not later on some code path. A ``Composition``
(``np.var``) is a spelling lowered onto other primitives, with no rules of its own.

    >>> primitive("sum").gate
    'sum distributes'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..errors import SymdiffError

#: The derivative is the primitive itself, applied to the first argument's tangent.
LINEAR = "linear"
#: The output carries no derivative (indices, masks, shapes, integer bookkeeping).
NO_DERIVATIVE = "no derivative"
#: Differentiating through it is not supported yet: a clear error naming it.
NOT_YET = "not yet"

#: What a parameter may hold, and how ``verify`` checks it.
PARAM_KINDS: dict[str, Callable[[Any], bool]] = {
    "axis": lambda v: v is None or _is_int(v) or isinstance(v, tuple) and all(map(_is_int, v)),
    "axes": lambda v: v is None or isinstance(v, tuple) and all(map(_is_int, v)),
    "int": lambda v: _is_int(v),
    "bool": lambda v: isinstance(v, bool) or v is None,
    "str": lambda v: isinstance(v, str),
    "name": lambda v: v is None or isinstance(v, str),
    "names": lambda v: isinstance(v, tuple) and all(isinstance(k, str) for k in v),
    "expr": lambda v: hasattr(v, "free_symbols"),
    "index": lambda v: isinstance(v, tuple),
    "dtype": lambda v: v is None or isinstance(v, str),
    "order": lambda v: isinstance(v, (int, float, str)) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "shape": lambda v: v is None or isinstance(v, tuple),
    "any": lambda v: True,
}

#: Parameters any node may carry (set by the passes, not by the primitive's meaning).
COMMON_PARAMS = {"constant": "bool", "restored": "bool", "item": "bool", "loop": "name",
                 "known": "bool"}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


class IncompletePrimitive(Exception):
    """A registry entry lacks a part: raised when its module is imported."""


@dataclass(frozen=True)
class Primitive:
    """Everything about one primitive. Required: name, family, shape, vjp, jvp, printer,
    maths. ``params`` maps each static parameter to its kind (``PARAM_KINDS``)."""

    name: str
    family: str
    maths: str                               # what it computes, as a formula or in words
    shape: Callable | None = None
    vjp: Callable | str | None = None
    jvp: Callable | str | None = None
    printer: Callable | None = None
    spellings: tuple[str, ...] = ()          # np.sum, math.exp, x.sum, builtin.len
    params: tuple[tuple[str, str], ...] = ()
    gate: str = ""                           # the backprop lesson's name for it
    partial_shapes: bool = False             # its shape rule accepts unknown argument shapes
    reduction: bool = False                  # reduces over axis=, keepdims=
    integer_valued: bool = False             # out holds integers or booleans
    gradient_if: Callable | None = None      # a param-dependent "carries a gradient"
    gradient_args: Callable | None = None    # n -> the positions a gradient flows to (all)
    fills_argument: int | None = None        # writes into this argument (a tape), no out
    helper: str = ""                         # generated code calls this emitted helper
    helper_source: str = ""                  # its NumPy source, when the entry brings it
    known_value: Callable | None = None      # its value at compile time, from known ones
    makes_mask: Callable | None = None       # (n, is_mask) -> whether out holds booleans
    truth_test: bool = False                 # asks its argument for one truth value
    counts: Callable | None = None           # n -> its arguments that are indices or counts
    shape_only: bool = False                 # reads its argument's shape, not its numbers
    selects: bool = False                    # picks elements of x (by a mask: how many
                                             # depends on the data)
    elementwise: bool = False                # out[i] = f(args[i]), broadcasting
    broadcasts: bool = False                 # out has its arguments' broadcast shape
                                             # (an elementwise one has too)
    scalar_args: bool = False                # a scalar result means scalar arguments
    tuple_valued: Callable | None = None     # n -> whether out is a tuple of arrays
                                             # (np.nonzero): unpacked, indexed by k
    keeps_shape_of: int | None = None        # out has the shape of this argument
    shaped_by: int | None = None             # out has the shape this argument holds
    gives_shape: bool = False                # out is the shape of its argument (a tuple)
    numba: Callable | None = None            # (n, cx) -> the nodes Numba compiles instead
    numba_refuses: Callable | None = None    # n -> what Numba cannot compile in it, or ""
    lower: Callable | None = None            # (ctx, e, hint, args, keywords) -> value

    @property
    def differentiable(self) -> bool:
        return self.vjp is not NO_DERIVATIVE

    def carries_gradient(self, n) -> bool:
        """Whether a derivative flows through node ``n`` of this primitive."""
        return self.differentiable and (self.gradient_if is None or self.gradient_if(n))

    @property
    def linear(self) -> bool:
        return self.jvp is LINEAR


@dataclass(frozen=True)
class Composition:
    """A function lowered onto primitives (``np.var`` is a mean of squares): its spellings
    and its lowering ``lower(ctx, e, hint, name, args, keywords)``; the primitives it is
    written with carry its derivatives, so it needs no rules of its own."""

    name: str
    maths: str
    lower: Callable
    spellings: tuple[str, ...] = ()


_REGISTRY: dict[str, Primitive] = {}
_SPELLINGS: dict[str, Primitive | Composition] = {}
_REQUIRED = ("name", "family", "maths", "shape", "vjp", "jvp", "printer")


def register(*entries: Primitive) -> None:
    """Add entries, checking each is complete and its name and spellings are new."""
    for p in entries:
        missing = [f for f in _REQUIRED if getattr(p, f) in (None, "")]
        if missing:
            raise IncompletePrimitive(f"primitive {p.name or '?'} lacks {', '.join(missing)}")
        for f in ("vjp", "jvp"):
            value = getattr(p, f)
            if isinstance(value, str) and value not in (LINEAR, NO_DERIVATIVE, NOT_YET) \
                    or f == "vjp" and value is LINEAR:
                raise IncompletePrimitive(f"primitive {p.name}: {f} is {value!r}")
        if (p.vjp is NO_DERIVATIVE) != (p.jvp is NO_DERIVATIVE):
            raise IncompletePrimitive(f"primitive {p.name}: vjp and jvp disagree on whether "
                                      "it has a derivative")
        bad = [k for k, kind in p.params if kind not in PARAM_KINDS]
        if bad:
            raise IncompletePrimitive(f"primitive {p.name}: unknown kind of param {bad[0]}")
        if p.name in _REGISTRY:
            raise IncompletePrimitive(f"primitive {p.name} registered twice")
        for s in p.spellings:
            if s in _SPELLINGS:
                raise IncompletePrimitive(f"spelling {s} of {p.name} is already "
                                          f"{_SPELLINGS[s].name}'s")
        _REGISTRY[p.name] = p
        _SPELLINGS.update((s, p) for s in p.spellings)


def compose(*entries: Composition) -> None:
    """Add functions written with primitives, checking their spellings are new."""
    for c in entries:
        if not (c.name and c.maths and callable(c.lower) and c.spellings):
            raise IncompletePrimitive(f"composition {c.name or '?'} is incomplete")
        taken = [s for s in c.spellings if s in _SPELLINGS]
        if taken:
            raise IncompletePrimitive(f"spelling {taken[0]} of {c.name} is already "
                                      f"{_SPELLINGS[taken[0]].name}'s")
        _SPELLINGS.update((s, c) for s in c.spellings)


def primitive(name: str) -> Primitive:
    """The entry of an IR operation; an unknown one is a compiler bug, said clearly."""
    _load()
    entry = _REGISTRY.get(name)
    if entry is None:
        raise KeyError(f"`{name}` is not a registered primitive "
                       f"(symdiff.primitives.registry knows {len(_REGISTRY)})")
    return entry


def spelled(spelling: str) -> Primitive | Composition | None:
    """The primitive (or composition) a user's spelling names (``np.sum``, ``x.sum()``),
    or None."""
    _load()
    return _SPELLINGS.get(spelling)


def spellings(prefix: str) -> list[str]:
    """The names after ``prefix`` (``np.``, ``x.``) of every registered spelling."""
    _load()
    return sorted(s[len(prefix):] for s in _SPELLINGS if s.startswith(prefix))


def gives_tuple(n) -> bool:
    """Whether node ``n`` computes a tuple of arrays (``np.nonzero``), to be unpacked."""
    _load()
    entry = _REGISTRY.get(n.op)
    return bool(entry and entry.tuple_valued and entry.tuple_valued(n))


def all_primitives() -> list[Primitive]:
    _load()
    return list(_REGISTRY.values())


def all_compositions() -> list[Composition]:
    _load()
    return list({id(c): c for c in _SPELLINGS.values() if isinstance(c, Composition)}.values())


def check_node(n) -> str | None:
    """What is wrong with node ``n`` as an instance of its primitive, or None: an unknown
    operation, an unknown parameter, a parameter of the wrong kind (``ir.verify``)."""
    _load()
    entry = _REGISTRY.get(n.op)
    if entry is None:
        return f"unknown primitive `{n.op}`"
    kinds = dict(entry.params)
    for key, value in n.params:
        kind = kinds.get(key) or COMMON_PARAMS.get(key)
        if kind is None:
            return f"`{n.op}` has no parameter `{key}`"
        if not PARAM_KINDS[kind](value):
            return f"`{n.op}` parameter `{key}` should be {kind}, not {value!r}"
    return None


def refuse_not_yet(n, what: str = "gradient") -> SymdiffError:
    return SymdiffError(f"no {what} rule for `{n.op}` yet", n.loc,
                        hint="rewrite this line with supported NumPy operations")


_LOADED: list[bool] = []


def _load() -> None:
    """Import the family modules (each registers its entries) the first time it is asked."""
    if not _LOADED:
        _LOADED.append(True)
        from . import (bookkeeping, compositions, condition, constructors, covariance,  # noqa: F401
                       custom, diagonals, differences, distinct, einsum, ew, fft,
                       incomplete_gamma, index_sets, indexing, internal, joins, kind_tests,
                       linalg,
                       linalg_dense, linalg_eigen, linalg_pinv, linalg_qr, linalg_svd,
                       manipulation, move_functions, moves, no_gradient_calls, powers,
                       products, quantiles, reductions, scipy_linalg, scipy_special,
                       scipy_stats, shaping, signals, statistics)


__all__ = ["Primitive", "Composition", "register", "compose", "primitive", "spelled",
           "spellings", "all_primitives", "all_compositions", "gives_tuple",
           "check_node", "LINEAR", "NO_DERIVATIVE", "NOT_YET", "IncompletePrimitive"]
