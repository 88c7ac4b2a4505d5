"""The IR's statements: nodes, branches, loops and functions, and the facts they carry.

Every fact a later stage decides on is a field: what a statement is for (``role``),
whether a node sums gradients (``gradient_sum``), whether its value is one the compiler
made up (``temporary``). ``note`` is the comment the printer writes beside the line, and
nothing else reads it: rewording a note changes no generated code.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Union

from ..errors import Loc

#: What a statement is for. Forward statements compute the function's value; backward
#: ones (the chain rule run backwards, including the restores from a tape) its gradient;
#: tangent ones (forward mode) its directional derivative; tape ones, in the forward,
#: save what a loop's backward reads (the tapes, their pushes, an iteration count).
FORWARD, BACKWARD, TANGENT, TAPE = "forward", "backward", "tangent", "tape"
ROLES = (FORWARD, BACKWARD, TANGENT, TAPE)

#: Roles of the statements a derivative transform adds beside the forward ones.
DERIVED = (BACKWARD, TANGENT)


@dataclass(frozen=True)
class Var:
    """A value computed at run time, named once."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Const:
    """A value known at compile time: a number, tuple, None, or a named module constant."""

    value: Any
    name: str | None = None

    def __str__(self) -> str:
        return self.name or repr(self.value)


Value = Union[Var, Const]


@dataclass(frozen=True)
class Node:
    """``out = op(*args)`` with static ``params``; ``note`` says why the line exists.

    ``temporary`` marks a value the compiler introduced (``tmp`` in ``q = tmp * z``); the
    user's own variables, whatever they are called, are never temporaries.
    A backward node's ``origin`` is the forward node and argument position whose gradient
    it helps compute (``(node, i)``); annotations read it, codegen and passes ignore it.
    ``role`` is one of ``ROLES``; ``gradient_sum`` marks the sum of the contributions to
    one gradient (a value read in several places), which may be accumulated in place.
    """

    out: Var
    op: str
    args: tuple[Value, ...]
    params: tuple[tuple[str, Any], ...] = ()
    loc: Loc | None = None
    note: str = ""
    origin: tuple["Node", int] | None = None
    temporary: bool = False     # out is a value the compiler made up, not a user variable
    role: str = FORWARD
    gradient_sum: bool = False

    def param(self, key: str, default: Any = None) -> Any:
        for k, v in self.params:
            if k == key:
                return v
        return default

    def with_params(self, **updates: Any) -> "Node":
        merged = dict(self.params)
        merged.update(updates)
        return replace(self, params=tuple(sorted(merged.items())))

    @property
    def derived(self) -> bool:
        """Whether a derivative transform wrote this node (backward or tangent)."""
        return self.role in DERIVED


@dataclass(frozen=True)
class If:
    """A branch: ``outs`` take ``then_values`` or ``else_values`` after it (phi values)."""

    cond: Value
    then: tuple["Stmt", ...]
    orelse: tuple["Stmt", ...]
    outs: tuple[Var, ...]
    then_values: tuple[Value, ...]
    else_values: tuple[Value, ...]
    loc: Loc | None = None
    note: str = ""
    role: str = FORWARD

    @property
    def derived(self) -> bool:
        return self.role in DERIVED


@dataclass(frozen=True)
class Loop:
    """``for index in range(start, stop, step)`` (or ``while cond``) over a body.

    ``carried`` are the loop's variables at the start of an iteration: ``inits`` before
    the first, ``nexts`` (computed by the body) before each later one; ``outs`` are their
    values after the loop. A ``while`` loop has no index: ``cond_body`` computes ``cond``
    from the carried values before each iteration. ``backward`` loops run in reverse.
    """

    index: Var | None
    bounds: tuple[Value, ...]             # (start, stop, step), empty for while
    carried: tuple[Var, ...]
    inits: tuple[Value, ...]
    body: tuple["Stmt", ...]
    nexts: tuple[Value, ...]
    outs: tuple[Var, ...]
    cond_body: tuple["Stmt", ...] = ()
    cond: Value | None = None
    loc: Loc | None = None
    note: str = ""
    backward: bool = False
    role: str = FORWARD

    @property
    def derived(self) -> bool:
        return self.role in DERIVED


Stmt = Union[Node, If, Loop]


@dataclass(frozen=True)
class Function:
    """A function in IR: parameters, body (statements in order), and returned values.

    ``tangents`` pairs each tangent parameter forward mode added (``x_dot``, ``v``) with
    the parameter it is the direction of: a fact of the function, not of the names.
    ``received`` are the parameters that hold module-level arrays of a compiled file,
    with the file each comes from (``frontend.received_arrays``): the generated function
    takes them by keyword, after the others."""

    name: str
    params: tuple[Var, ...]
    body: tuple[Stmt, ...]
    result: tuple[Value, ...]
    loc: Loc | None = None
    defaults: tuple[tuple[str, Any], ...] = ()
    constants: tuple[tuple[str, Any], ...] = ()   # module constants the body refers to
    returns_tuple: bool = False
    tangents: tuple[tuple[str, str], ...] = ()    # (tangent parameter, its argument)
    received: tuple[tuple[str, str], ...] = ()    # (module array parameter, its file)
    #: parameters whose ranks the lowering asked for and was not told (np.gradient(f)
    #: without axis=): a specialization that knows their shapes lowers the source again
    rank_questions: tuple[str, ...] = ()

    def names(self) -> set[str]:
        from .walk import bound_here, bound_inside, walk
        used = {p.name for p in self.params} | {name for name, _ in self.constants}
        for s in walk(self.body):
            used |= {v.name for v in bound_here(s) + bound_inside(s)}
        return used


def node(out: Var, op: str, args, loc: Loc | None = None, note: str = "", **params: Any) -> Node:
    """Build a node; keyword arguments become its static params (kept sorted)."""
    return Node(out, op, tuple(args), tuple(sorted(params.items())), loc, note)
