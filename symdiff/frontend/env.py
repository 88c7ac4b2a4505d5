"""What a name stands for while a function is lowered: the values of lowering's environment.

A name holds an IR value (``Var``, ``Const``) or something known only at compile time:

    Tup      a tuple or list whose length is known: ``(N, -1)``, ``[W1, W2]``, ``hs = []``
    Dict     a dict with static keys: ``params`` at the boundary, ``cache = {}``
    Obj      an object of a user's class: its attributes, and where its methods are
    Bound    a method of an object, taken but not yet called (``self.forward``)
    Closure  a function made inside the function (``lambda``, nested ``def``) with the
             names it reads where it was made
    Module   numpy, math, numpy.linalg...
    Helper   a module-level function, inlined where it is called

Containers are values, not storage: ``hs[t] = v`` binds ``hs`` to a new ``Tup`` or
``Dict``. A container named twice (``a = b = []``) and then changed through one name
is refused by ``containers``, which would otherwise have to model the sharing.

    >>> Dict(("W", "b"), (Var("params_W"), Var("params_b"))).get("W")
    Var(name='params_W')
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from ..ir import Const, Var


@dataclass(frozen=True)
class Tup:
    """A tuple (``kind`` "tuple") or list ("list") known at compile time."""

    items: tuple
    kind: str = "tuple"

    def with_item(self, index: int, value) -> "Tup":
        items = list(self.items)
        items[index] = value
        return Tup(tuple(items), self.kind)


@dataclass(frozen=True)
class Dict:
    """A dict whose keys are known at compile time, in insertion order."""

    keys: tuple
    values: tuple

    def get(self, key, default=None):
        for k, v in zip(self.keys, self.values):
            if k == key and type(k) is type(key):
                return v
        return default

    def has(self, key) -> bool:
        return any(k == key and type(k) is type(key) for k in self.keys)

    def with_item(self, key, value) -> "Dict":
        if not self.has(key):
            return Dict(self.keys + (key,), self.values + (value,))
        return Dict(self.keys, tuple(value if k == key and type(k) is type(key) else v
                                     for k, v in zip(self.keys, self.values)))


@dataclass(frozen=True)
class Obj:
    """An instance of a user's class: ``cls`` finds its methods (``objects.ClassInfo``),
    ``attrs`` holds its attributes. ``of_class``: the class itself, the ``cls`` of a
    classmethod (its attributes are the class's; it is not called nor assigned to)."""

    cls: Any
    attrs: Dict = field(default_factory=lambda: Dict((), ()))
    of_class: bool = False


@dataclass(frozen=True)
class Bound:
    """``obj.method`` before it is called: the method's source, with ``obj`` as ``self``."""

    obj: Obj
    name: str


@dataclass(frozen=True, eq=False)
class Closure:
    """A function made inside the function: its source (``parse.FunctionSource``), the
    values of the names it reads from where it was made, and arguments already given
    (``functools.partial``)."""

    src: Any
    captured: tuple = ()          # (name, value) pairs
    given: tuple = ()             # leading arguments
    keywords: tuple = ()          # (name, value) pairs
    maker: Any = None             # the FunctionSource whose body made it


@dataclass(frozen=True)
class Module:
    """A module or namespace the user refers to: numpy, math, numpy.linalg."""

    kind: str


@dataclass(frozen=True)
class Helper:
    name: str


@dataclass(frozen=True)
class Opaque:
    """An attribute or entry at the boundary that is not a number, an array, a string or a
    container (a file handle, a library object): reading it is refused."""

    kind: str


@dataclass(frozen=True)
class Undefined:
    """A name assigned on only some paths; reading it is an error."""

    name: str


@dataclass(frozen=True)
class LoopChanged:
    """A list, dict or object that a loop of run-time length changed: what it holds after
    the loop is not known at compile time. It may be passed on (assigned, unpacked,
    returned from a helper) and left unread; reading it is refused (``loop_changes``)."""

    name: str
    kind: str                 # "a list", "a dict", "an object"
    line: int                 # the loop's line


@dataclass(frozen=True)
class Poison:
    """The value of a name whose statement could not be lowered (its error is recorded)."""


CONTAINERS = (Tup, Dict, Obj)

Env = Union[Var, Const, Tup, Dict, Obj, Bound, Closure, Module, Helper]


def children(value) -> tuple:
    """The values a container holds directly (none for a value)."""
    if isinstance(value, Tup):
        return value.items
    if isinstance(value, Dict):
        return value.values
    if isinstance(value, Obj):
        return (value.attrs,)
    return ()


def leaves(value) -> list:
    """The IR values inside a container, depth first (a value itself for a value)."""
    if not isinstance(value, CONTAINERS):
        return [value]
    return [x for child in children(value) for x in leaves(child)]


def holds(value, target) -> bool:
    """Is ``target`` (by identity) ``value`` or inside it?"""
    return value is target or any(holds(child, target) for child in children(value))


def kind_of(value) -> str:
    """What a container is, in words with their article: "a dict", "an object"."""
    return "a dict" if isinstance(value, Dict) else "an object" if isinstance(value, Obj) \
        else f"a {value.kind}"
