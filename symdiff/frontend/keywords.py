"""A call's keyword arguments, and which of them its lowering read.

A lowering that never looks at a keyword would drop what it says (``np.sum(x,
where=mask)`` summed everything, ``np.max(x, initial=5.0)`` ignored the 5), a wrong value
and a wrong gradient with no warning. So every NumPy and SciPy call is lowered with its
keywords in a ``Keywords``, and a keyword the lowering did not read is refused where it
is written (``refuse_unread``).
"""
from __future__ import annotations

import ast

#: What to write instead of a keyword symdiff does not take, by keyword.
INSTEAD = {
    "where": "select the elements first, e.g. np.sum(np.where(mask, x, 0.0))",
    "initial": "combine it with the result, e.g. np.maximum(np.max(x), initial) or "
               "np.sum(x) + initial",
    "out": "assign the result to a name instead",
}


class Keywords(dict):
    """Keyword name -> lowered value, remembering the names looked at (``get``, ``[]``,
    ``in``, ``pop``; iterating looks at all of them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)

    def pop(self, key, *default):
        self.read.add(key)
        return super().pop(key, *default)

    def __iter__(self):
        self.read.update(dict.keys(self))
        return super().__iter__()

    def keys(self):
        self.read.update(dict.keys(self))
        return super().keys()

    def items(self):
        self.read.update(dict.keys(self))
        return super().items()

    def values(self):
        self.read.update(dict.keys(self))
        return super().values()

    def unread(self) -> list[str]:
        return [k for k in dict.keys(self) if k not in self.read]


def lowered_reading_all(ctx, e: ast.Call, what: str, keywords: dict, lower):
    """``lower(tracked keywords)``, refused at the first keyword it did not read."""
    tracked = Keywords(dict.items(keywords))
    out = lower(tracked)
    unread = tracked.unread()
    if unread:
        name = unread[0]
        node = next((k for k in e.keywords if k.arg == name), e)
        raise ctx.fail(f"the {name}= keyword of {what} is not supported", node,
                       INSTEAD.get(name, f"leave {name}= out, or write what it does with "
                                         "supported NumPy functions"))
    return out
