"""Index specs: how a node's ``index`` param names the arguments that hold its indices.

``x[i, 1:n]`` is ``getitem(x, i, n)`` with ``index=(("at", 1), ("slice", None, 2, None))``:
each entry gives argument positions (or None), so the same spec serves a node whose
arguments come in another order once its positions are shifted.
"""
from __future__ import annotations


def shift_index(spec, by: int) -> tuple:
    """An index spec with its argument positions moved by ``by`` (a scatter has g and x
    where getitem has x: ``by=1``; back again, ``by=-1``)."""
    moved = []
    for entry in spec:
        if entry is None or entry is Ellipsis:
            moved.append(entry)
        elif entry[0] == "at":
            moved.append(("at", entry[1] + by))
        else:
            moved.append(("slice",) + tuple(None if k is None else k + by for k in entry[1:]))
    return tuple(moved)
