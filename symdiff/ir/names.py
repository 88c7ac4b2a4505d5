"""Names: the supply of fresh names, and the hint that marks a made-up value.

Whether a value is the user's or the compiler's is a fact of the node
(``Node.temporary``), never read from its name: a user variable called ``tmp``, ``dx``
or ``tape_x`` is the user's like any other.
"""
from __future__ import annotations

from .stmts import Var


class Temporary(str):
    """A name hint for a value the compiler makes up (``tmp``), as opposed to a user
    variable's own name: it never takes a name the user's code uses, even ``tmp``."""


#: The hint of an unnamed intermediate value.
TMP = Temporary("tmp")


def _symbol_like(name: str) -> bool:
    """``_0``, ``_1``...: the argument symbols of elementwise expressions."""
    return name[:1] == "_" and name[1:].isdigit()


class NameSupply:
    """Hands out names not used before, preferring the hint itself: dx, dx_1, dx_2...

    ``reserved`` are the user's names: a user variable's hint gets its own name (when
    still free), and no other hint ever gets one of them (``tmp_3`` stays the user's).
    """

    def __init__(self, used: set[str], reserved: set[str] = frozenset()):
        self.used = set(used)
        self.reserved = set(reserved)
        self.next: dict[str, int] = {}         # the next number to try, per hint

    def fresh(self, hint: str) -> Var:
        own = hint in self.reserved and not isinstance(hint, Temporary)
        name, i = hint, self.next.get(hint, 0)
        if i:
            name = f"{hint}_{i}"
        while name in self.used or _symbol_like(name) \
                or name in self.reserved and not (own and name == hint):
            i += 1
            name = f"{hint}_{i}"
        self.next[hint] = i + 1
        self.used.add(name)
        return Var(name)

    def reserve(self, name: str) -> None:
        self.used.add(name)


#: Where the shape facts keep the names known to hold booleans (masks): a key no name
#: can take.
MASKS = "\x00masks"
