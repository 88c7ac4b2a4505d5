"""The structure of a parameter, read from how the function reads it (``symdiff compile``).

A compiled file is never run, so a dict parameter's keys are not known from a value: they
are the keys the function reads. While ``recording``, lowering notes each static string
key read from a parameter (or part of one) whose structure is not yet known (``params['W']``
on a parameter taken as an array, ``params['blocks']['W']`` on an entry not yet a dict) or
missing from a dict at the boundary; the caller adds the keys and lowers again.

    >>> with recording(Recorder({Var("params"): ("params",)})) as seen:
    ...     ...                   # lower; seen.found[0][:2] == (("params",), "W")
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

#: the recorders of the compiles under way (a plain list: lowering may retry in a thread
#: with a deeper stack, ``util.deep``, which must see them)
_ACTIVE: list = []


@dataclass
class Recorder:
    """What is noted: ``leaves`` maps a leaf parameter (its ``Var``) to its path,
    ``dicts`` maps the identity of a boundary dict to its path; ``found`` lists (path,
    key, (line, column)) read."""

    leaves: dict
    dicts: dict = field(default_factory=dict)
    found: list = field(default_factory=list)


@contextlib.contextmanager
def recording(recorder: Recorder):
    _ACTIVE.append(recorder)
    try:
        yield recorder
    finally:
        _ACTIVE.remove(recorder)


def note(base, key, at=None) -> None:
    """``base[key]`` was read at the node ``at`` where ``base`` has no such key (or is not
    known as a dict)."""
    if not isinstance(key, str):
        return
    where = (getattr(at, "lineno", 0), getattr(at, "col_offset", 0))
    for recorder in _ACTIVE:
        path = recorder.dicts.get(id(base))
        if path is None:
            try:
                path = recorder.leaves.get(base)
            except TypeError:             # a value that is not hashable is no leaf
                continue
        if path is not None:
            recorder.found.append((path, key, where))
