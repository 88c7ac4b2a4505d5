"""The call of a gradient with plain arguments of a signature it has seen: cheap checks.

``Gradient.__call__`` checks, at every call, that the names the compiled code read still
hold what they held (``parse.changed``, ``helper_inputs.unchanged``), binds the arguments,
builds the specialization key, runs the compiled function and checks its results (no
complex number from real arguments, a float for a float, arrays of the argument's dtype).
When every argument is an ndarray, a float or an int, and the signature was compiled
before, the same checks are done here in fewer steps:

- the names read are compared by identity, one C-level pass per globals dict
  (``identity_check``); any difference sends the call down the full path, which compares
  values, forgets stale code and recompiles;
- the key is built once, and what it decides (the compiled function, the kinds the
  gradients must have) is found in one dict;
- results already of their argument's kind (a writable float64 array for a float64
  array, a float for a float) are returned as they are; anything else goes through the
  full path's checks and conversions (``Gradient._finish_call``).

A call this path cannot decide returns ``MISS`` and the caller takes the full path.
"""
from __future__ import annotations

import operator
import types
from itertools import repeat

import numpy as np

#: what ``FastPath.__call__`` returns when the full path must decide
MISS = object()

_PLAIN = {np.ndarray, float, int}
_ABSENT = object()


def identity_check(entries: list[tuple], unbound: tuple):
    """A function of no arguments telling whether each (globals dict, closure cell or
    object; name; object held) entry still holds the very object it held; None when an
    entry does not hold it now (the full path must look) or cannot be watched so. Names
    recorded as unbound (one of ``unbound``) must stay absent from their dict."""
    groups: dict = {}
    others = []
    seen = set()
    for where, name, was in entries:
        if (id(where), name) in seen:
            continue
        seen.add((id(where), name))
        if type(where) is dict:
            names, values, absent = groups.setdefault(id(where), (where, [], [], []))[1:]
            if any(was is u for u in unbound):
                if name in where:
                    return None
                absent.append(name)
            elif where.get(name, _ABSENT) is was:
                names.append(name)
                values.append(was)
            else:
                return None
        else:
            attribute = "cell_contents" if type(where) is types.CellType else name
            try:
                if getattr(where, attribute) is not was:
                    return None
            except (ValueError, AttributeError):       # an empty cell
                return None
            others.append((where, attribute, was))
    dicts = [(d, names, values, absent) for d, names, values, absent in groups.values()]
    if sum(len(names) + len(absent) for _, names, _, absent in dicts) + len(others) <= FEW:
        return _same_few(dicts, others)
    return _same_many(dicts, others)


#: up to this many names, a plain loop compares them faster than ``map`` does
FEW = 8


def _same_few(dicts: list, others: list):
    """``identity_check``'s function for a few names: one comparison each."""
    held = [(d, name, was) for d, names, values, _ in dicts for name, was in zip(names, values)]
    absent = [(d, name) for d, _, _, names in dicts for name in names]

    def same() -> bool:
        for d, name, was in held:
            if d.get(name, _ABSENT) is not was:
                return False
        for d, name in absent:
            if name in d:
                return False
        try:
            for w, a, was in others:
                if getattr(w, a) is not was:
                    return False
        except (ValueError, AttributeError):
            return False
        return True
    return same


def _same_many(dicts: list, others: list):
    """``identity_check``'s function for many names: one C-level pass per dict."""
    def same() -> bool:
        for d, names, values, absent in dicts:
            if not all(map(operator.is_, map(d.get, names, repeat(_ABSENT)), values)) or \
                    any(map(d.__contains__, absent)):
                return False
        try:
            return all(getattr(w, a) is was for w, a, was in others)
        except (ValueError, AttributeError):
            return False
    return same


def plain_key(args: tuple):
    """The specialization key (``api.signature``) of arguments that are all ndarrays,
    floats and ints; None for any other."""
    kinds = tuple(map(type, args))
    if not all(map(_PLAIN.__contains__, kinds)):
        return None
    if np.ndarray not in kinds:
        return kinds
    return tuple([(a.shape, a.dtype) if type(a) is np.ndarray else type(a) for a in args])


_SHAPE_DTYPE = operator.attrgetter("shape", "dtype")


def _arrays_of(kinds: tuple):
    """A function giving the ndarray arguments of arguments of these types, as a tuple."""
    positions = [i for i, kind in enumerate(kinds) if kind is np.ndarray]
    if not positions:
        return lambda args: ()
    if len(positions) == 1:
        return lambda args, get=operator.itemgetter(positions[0]): (get(args),)
    return operator.itemgetter(*positions)


def gradient_kinds(args: tuple, wrt: tuple) -> tuple | None:
    """What each gradient must be to be returned as it is: ``float`` for a float argument,
    the array's dtype for a float array; None when an argument is neither."""
    out = []
    for i in wrt:
        a = args[i]
        if type(a) is float:
            out.append(float)
        elif type(a) is np.ndarray and a.dtype.kind == "f":
            out.append(a.dtype)
        else:
            return None
    return tuple(out)


def as_returned(grads: tuple, kinds: tuple) -> bool:
    """Whether every gradient already has its argument's kind (so it is real, too)."""
    for g, kind in zip(grads, kinds):
        if kind is float:
            if type(g) is not float or g != g:      # NaN: the full path asks why
                return False
        elif type(g) is not np.ndarray or g.dtype is not kind or not g.flags.writeable:
            return False
    return True


def _floats(grads: tuple) -> bool:
    """``as_returned`` for gradients that must all be floats."""
    for g in grads:
        if type(g) is not float or g != g:
            return False
    return True


def returned_check(kinds: tuple):
    """A function telling whether gradients are returned as they are (``as_returned``)."""
    if all(kind is float for kind in kinds):
        return _floats
    return lambda grads: as_returned(grads, kinds)


class FastPath:
    """The cheap call of one gradient while the names it read hold the same objects."""

    def __init__(self, gradient, same, watched, memo):
        self.gradient, self.same = gradient, same
        wrt, tuple_out = gradient._wrt_indices()
        self.several, self.with_value = tuple_out or len(wrt) > 1, gradient.with_value
        self.watched, self.memo = watched, memo      # what ``same`` was built from
        #: key -> ([what to call], check of the gradients, their count, all numbers?)
        self.entries: dict = {}
        #: argument types -> (their arrays' getter, (shapes and dtypes) -> entry), or
        #: (None, entry) for arguments with no array
        self.by_kinds: dict = {}
        self.call = self._calling()

    def _calling(self):
        """The call itself, a closure over what it reads (no attribute lookups per call)."""
        get, same, full = self.by_kinds.get, self.same, self.full
        with_value, several = self.with_value, self.several

        def call(args: tuple):
            found = get(tuple(map(type, args)))
            if found is None:
                return MISS
            arrays, entry = found
            if arrays is not None:
                entry = entry.get(tuple(map(_SHAPE_DTYPE, arrays(args))))
            if entry is None or not same():
                return MISS
            compiled, returned, count, numbers = entry
            try:
                result = compiled[0](*args)
            except Exception:  # noqa: BLE001 - the full path runs it again and says what went wrong
                return MISS
            if with_value:
                value, grads = result
                if type(value) is not float and not isinstance(value, np.floating) or \
                        numbers and value != value:
                    return full(args, result, numbers)
            else:
                grads = result
            if not several:
                grads = (grads,)
            elif type(grads) is not tuple or len(grads) != count:
                return full(args, result, numbers)
            if returned(grads):
                return result
            return full(args, result, numbers)
        return call

    def full(self, args: tuple, result, numbers: bool):
        """The full path's checks and conversions of a result."""
        self.gradient._check_real(args, result, True, numbers)
        return self.gradient._finish_call(args, result)

    def note(self, args: tuple) -> None:
        """Remember the signature of arguments the full path has just run."""
        key = plain_key(args)
        g = self.gradient
        if key is None or key in self.entries or len(args) != len(g._params):
            return
        compiled = g._compiled.get(key)
        kinds = gradient_kinds(args, g._wrt_indices()[0])
        if compiled is None or kinds is None or compiled[1] is not True:
            return
        # numba's dispatcher itself, once ``jit_or_numpy`` has compiled this signature (or
        # the function, where it fell back): one call fewer
        call = getattr(compiled[0], "current", None) or [compiled[0]]
        entry = self.entries[key] = (call, returned_check(kinds), len(kinds), compiled[2])
        types_ = tuple(map(type, args))
        if np.ndarray not in types_:
            self.by_kinds[types_] = (None, entry)
            return
        arrays = self.by_kinds.setdefault(types_, (_arrays_of(types_), {}))
        arrays[1][tuple(map(_SHAPE_DTYPE, arrays[0](args)))] = entry


def fast_path(gradient, previous: FastPath | None) -> FastPath | None:
    """The fast path of ``gradient`` as it stands after a full call: ``previous`` while
    what it watches is the same, a new one when that was recomputed, None when the full
    path must run every call (a bound method, a partial, a function that reads module
    arrays, a class reached through its helpers)."""
    from .frontend.parse import _UNBOUND
    from .helper_inputs import _UNREAD
    watched = gradient._watched
    flat = getattr(gradient, "flat", False)
    memo = None if flat else getattr(gradient, "_inputs_memo", None)
    if watched is None or gradient._defaults is None:
        return None
    if not flat:
        if not isinstance(gradient.fn, types.FunctionType) or memo is None or \
                memo[0] is not gradient.fn or memo[2]:
            return None
    if previous is not None and previous.watched is watched and previous.memo is memo:
        return previous
    same = identity_check(watched + (memo[1] if memo else []), (_UNBOUND, _UNREAD))
    return None if same is None else FastPath(gradient, same, watched, memo)
