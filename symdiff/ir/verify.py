"""The IR's invariants, checked: every use defined before it, every name bound once."""
from __future__ import annotations

from .exprs import ew_symbols, free_symbols
from .stmts import ROLES, Function, If, Node, Var
from .printing import format_node
from .walk import flatten


class IRError(Exception):
    """The IR broke an invariant: a compiler bug, never the user's fault."""


def verify(fn: Function) -> None:
    """Every use is defined before it (in an enclosing scope), every name bound once.

    A backward loop may rebind its forward loop's index, and a ``pop`` may rebind the
    forward name it restores (from a tape, or by recomputing it): the one sanctioned
    exception. A branch may read what an earlier branch on the same condition, same side,
    defined (the backward of a branch reads its forward values).
    """
    defined: set[str] = set()
    for p in fn.params:
        if p.name in defined:
            raise IRError(f"parameter {p.name} bound twice")
        defined.add(p.name)
    ever: set[str] = set(defined)
    _verify_block(fn.body, defined, ever, {})
    for v in flatten(fn.result):
        if isinstance(v, Var) and v.name not in defined:
            raise IRError(f"result {v.name} is not defined")


def _use(v, defined, what) -> None:
    if isinstance(v, Var) and v.name not in defined:
        shown = format_node(what) if isinstance(what, Node) else what
        raise IRError(f"{v.name} used before definition in: {shown}")


def _bind(v: Var, defined: set, ever: set, rebind: bool = False) -> None:
    if v.name in ever and not rebind:
        raise IRError(f"{v.name} bound twice")
    defined.add(v.name)
    ever.add(v.name)


def _verify_block(stmts, defined: set, ever: set, sides: dict) -> None:
    for s in stmts:
        if s.role not in ROLES:
            raise IRError(f"unknown role {s.role!r} of a statement at {s.loc}")
        if isinstance(s, Node):
            for a in s.args:
                _use(a, defined, s)
            _bind(s.out, defined, ever, rebind=bool(s.param("restored")))
            from ..primitives.registry import check_node   # primitives import ir
            problem = check_node(s)
            if problem:
                raise IRError(f"{problem} in: {format_node(s)}")
            if s.op == "ew":
                allowed = set(ew_symbols(len(s.args)))
                if not free_symbols(s.param("expr")) <= allowed:  # format only on failure
                    raise IRError(f"stray symbols in {format_node(s)}")
        elif isinstance(s, If):
            _use(s.cond, defined, "if")
            for side, (block, values) in enumerate(((s.then, s.then_values),
                                                    (s.orelse, s.else_values))):
                key = (str(s.cond), side)
                inner = set(defined) | sides.get(key, set())
                _verify_block(block, inner, ever, sides)
                for v in values:
                    _use(v, inner, "branch result")
                sides[key] = sides.get(key, set()) | (inner - defined)
            for v in s.outs:
                _bind(v, defined, ever)
        else:
            for v in s.bounds + s.inits:
                _use(v, defined, "loop header")
            inner = set(defined)
            if s.index is not None:
                _bind(s.index, inner, ever, rebind=s.backward)
            for v in s.carried:
                _bind(v, inner, ever)
            _verify_block(s.cond_body, inner, ever, sides)
            if s.cond is not None:
                _use(s.cond, inner, "while condition")
            _verify_block(s.body, inner, ever, sides)
            for v in s.nexts:
                _use(v, inner, "loop next value")
            for v in s.outs:
                _bind(v, defined, ever)
