"""The intermediate representation: a computational graph, one operation per node.

Glossary (one word per concept, used across the package):
    node                one operation, ``out = op(args...)``, with its source location.
    primitive           an operation the rule table knows (``ew``, ``matmul``, ``sum``...).
    ew                  an elementwise operation given as a SymPy expression over its
                        arguments ``_0, _1, ...``; ``q = x + y`` is ``ew[_0 + _1](x, y)``.
    upstream gradient   the gradient flowing into a node from its output (``g`` in rules).
    local derivative    d out / d arg for one node, from the rule table.
    gradient            d result / d v for a user variable ``v``: ``dv`` in generated code.
    active              a value that depends on a differentiated argument.

A ``Function`` is a list of nodes in program order; every name is bound once (SSA),
so user variables that are reassigned get fresh names (``h``, ``h_1``...). Control flow
will enter as structured regions beside nodes, never flattened.

    >>> print(fn)                       # whiteboard view
    def f(x, y, z):
        q = x + y                       # f.py:2
        f = q * z                       # f.py:3
        return f
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import chain
from typing import Any, Iterator, Union

import sympy

from ..errors import Loc, SymdiffError


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
    """

    out: Var
    op: str
    args: tuple[Value, ...]
    params: tuple[tuple[str, Any], ...] = ()
    loc: Loc | None = None
    note: str = ""
    origin: tuple["Node", int] | None = None
    temporary: bool = False     # out is a value the compiler made up, not a user variable

    def param(self, key: str, default: Any = None) -> Any:
        for k, v in self.params:
            if k == key:
                return v
        return default

    def with_params(self, **updates: Any) -> "Node":
        merged = dict(self.params)
        merged.update(updates)
        return replace(self, params=tuple(sorted(merged.items())))


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


Stmt = Union[Node, If, Loop]


def blocks(stmt: Stmt) -> tuple[tuple[Stmt, ...], ...]:
    """The statement lists nested directly in a statement."""
    if isinstance(stmt, If):
        return (stmt.then, stmt.orelse)
    if isinstance(stmt, Loop):
        return (stmt.cond_body, stmt.body)
    return ()


def walk(stmts) -> Iterator[Stmt]:
    """Every statement, depth first, in program order (regions before their bodies).

    Iterative: a chain of 400 ``elif`` branches nests 400 regions, and each statement
    passes through no generator but this one."""
    stack = [iter(stmts)]
    while stack:
        for s in stack[-1]:
            yield s
            inner = blocks(s)
            if inner:
                stack.append(chain.from_iterable(inner))
                break
        else:
            stack.pop()


def nodes(stmts) -> Iterator[Node]:
    return (s for s in walk(stmts) if isinstance(s, Node))


def bound_here(stmt: Stmt) -> tuple[Var, ...]:
    """Names a statement binds in the block that holds it."""
    return (stmt.out,) if isinstance(stmt, Node) else stmt.outs


def bound_inside(stmt: Stmt) -> tuple[Var, ...]:
    """Names bound in a region's own scope: loop index, carried values."""
    if isinstance(stmt, Loop):
        return ((stmt.index,) if stmt.index else ()) + stmt.carried
    return ()


def reads_here(stmt: Stmt) -> tuple[Value, ...]:
    """Values a statement reads itself (not those its nested blocks read)."""
    if isinstance(stmt, Node):
        return stmt.args
    if isinstance(stmt, If):
        return (stmt.cond,) + stmt.then_values + stmt.else_values
    return stmt.bounds + stmt.inits + stmt.nexts + ((stmt.cond,) if stmt.cond is not None else ())


def reads_all(stmt: Stmt) -> Iterator[Value]:
    """Every value read by a statement, including inside its nested blocks."""
    yield from reads_here(stmt)
    for block in blocks(stmt):
        for inner in walk(block):
            yield from reads_here(inner)


@dataclass(frozen=True)
class Function:
    """A function in IR: parameters, body (statements in order), and returned values."""

    name: str
    params: tuple[Var, ...]
    body: tuple[Stmt, ...]
    result: tuple[Value, ...]
    loc: Loc | None = None
    defaults: tuple[tuple[str, Any], ...] = ()
    constants: tuple[tuple[str, Any], ...] = ()   # module constants the body refers to
    returns_tuple: bool = False

    def names(self) -> set[str]:
        used = {p.name for p in self.params} | {name for name, _ in self.constants}
        for s in walk(self.body):
            used |= {v.name for v in bound_here(s) + bound_inside(s)}
        return used


def node(out: Var, op: str, args, loc: Loc | None = None, note: str = "", **params: Any) -> Node:
    """Build a node; keyword arguments become its static params (kept sorted)."""
    return Node(out, op, tuple(args), tuple(sorted(params.items())), loc, note)


@dataclass
class Builder:
    """Where lowering writes: the node list, the name supply, and the helper call stack."""

    names: NameSupply
    body: list[Node] = field(default_factory=list)
    stack: tuple[str, ...] = ()
    constants: dict[str, Any] = field(default_factory=dict)
    problems: list = field(default_factory=list)      # errors found so far (all are reported)

    def emit(self, op: str, args, hint: str, loc: Loc | None, note: str = "", **params) -> Var:
        out = self.names.fresh(hint)
        made = node(out, op, args, loc, note, **params)
        self.body.append(replace(made, temporary=True) if isinstance(hint, Temporary) else made)
        return out

    def ew(self, expr_of, args, hint: str, loc: Loc | None = None, lib: str = "np",
           note: str = "") -> Value:
        """Emit an elementwise node ``expr_of(*symbols)``, or fold it when nothing is left.

        ``x * 1`` returns x itself; an expression of numbers only returns a Const.
        """
        args = tuple(args)
        written = _written(expr_of, len(args)) if callable(expr_of) else sympy.sympify(expr_of)
        expr, kept = ew_normalize(written, args)
        if not free_symbols(expr):
            used = free_symbols(written)      # x - x reads x: its result has x's shape
            shaped = list(dict.fromkeys(a for s, a in zip(ew_symbols(len(args)), args)
                                        if isinstance(a, Var) and s in used))
            if shaped:                     # x - x is zeros shaped like x, not the number 0
                return self.emit("full", shaped, hint, loc, note, value=_to_python(expr))
            return Const(_to_python(expr))
        if expr == ew_symbols(1)[0]:
            return kept[0]
        return self.emit("ew", kept, hint, loc, note, expr=expr, lib=lib)



@lru_cache(maxsize=1024)
def _written(expr_of, n: int) -> sympy.Expr:
    """The expression a rule's function builds over ``_0.._{n-1}`` (the same every time)."""
    return sympy.sympify(expr_of(*ew_symbols(n)))


def _to_python(expr: sympy.Expr) -> Any:
    if expr.is_Integer:
        return int(expr)
    try:
        return float(expr)
    except TypeError:
        raise SymdiffError(f"cannot evaluate the constant expression {expr}") from None



@lru_cache(maxsize=8192)
def free_symbols(expr: sympy.Expr) -> frozenset:
    """``expr.free_symbols``, remembered (SymPy walks the whole expression each time)."""
    return frozenset(expr.free_symbols)


@lru_cache(maxsize=None)
def ew_symbols(n: int) -> tuple[sympy.Symbol, ...]:
    """The argument symbols ``_0 .. _{n-1}`` of an elementwise expression (real)."""
    return tuple(sympy.Symbol(f"_{i}", real=True) for i in range(n))


class Temporary(str):
    """A name hint for a value the compiler makes up (``tmp``), as opposed to a user
    variable's own name: it never takes a name the user's code uses, even ``tmp``."""


#: The hint of an unnamed intermediate value.
TMP = Temporary("tmp")


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
        while name in self.used or name.startswith("_") and name[1:].isdigit() \
                or name in self.reserved and not (own and name == hint):
            i += 1
            name = f"{hint}_{i}"
        self.next[hint] = i + 1
        self.used.add(name)
        return Var(name)

    def reserve(self, name: str) -> None:
        self.used.add(name)


# ---------------------------------------------------------------- printing


def format_node(n: Node) -> str:
    """``out = op[params](args)`` for primitives; elementwise nodes print as their formula."""
    if n.op == "ew":
        expr = n.param("expr")
        subs = {s: sympy.Symbol(str(a)) for s, a in zip(ew_symbols(len(n.args)), n.args)}
        rhs = str(expr.xreplace(subs))
    elif n.op == "np":
        rhs = f"np.{n.param('fn')}({', '.join(str(a) for a in n.args)})"
    else:
        shown = [f"{k}={v!r}" for k, v in n.params]
        rhs = f"{n.op}({', '.join([str(a) for a in n.args] + shown)})"
    return f"{n.out} = {rhs}"


def format_block(stmts, indent: str = "    ") -> list[str]:
    """One line a node; regions print as Python-like headers with indented blocks."""
    lines = []
    for s in stmts:
        if isinstance(s, Node):
            text = indent + format_node(s)
            where = f"  # {s.loc}" if s.loc else ""
            note = f"  {s.note}" if s.note else ""
            lines.append(f"{text:<40}{where}{note}".rstrip())
        elif isinstance(s, If):
            outs = ", ".join(map(str, s.outs))
            lines.append(f"{indent}if {s.cond}:  # -> {outs}" if outs else f"{indent}if {s.cond}:")
            lines += format_block(s.then, indent + "    ")
            lines.append(f"{indent}    yield {', '.join(map(str, s.then_values))}")
            lines.append(f"{indent}else:")
            lines += format_block(s.orelse, indent + "    ")
            lines.append(f"{indent}    yield {', '.join(map(str, s.else_values))}")
        else:
            carried = ", ".join(f"{c}={i}" for c, i in zip(s.carried, s.inits))
            head = (f"for {s.index} in {'reversed' if s.backward else ''}"
                    f"range({', '.join(map(str, s.bounds))})" if s.index else "while True")
            lines.append(f"{indent}{head}:  # carried {carried} -> {', '.join(map(str, s.outs))}")
            if s.cond is not None:
                lines += format_block(s.cond_body, indent + "    ")
                lines.append(f"{indent}    if not {s.cond}: break")
            lines += format_block(s.body, indent + "    ")
            lines.append(f"{indent}    next {', '.join(map(str, s.nexts))}")
    return lines


def format_function(fn: Function) -> str:
    """The whiteboard view of a function: one node a line, source location at the right."""
    lines = [f"def {fn.name}({', '.join(p.name for p in fn.params)}):"]
    lines += format_block(fn.body)
    lines.append("    return " + ", ".join(_show(v) for v in fn.result))
    return "\n".join(lines)


def _show(item) -> str:
    if isinstance(item, tuple):
        return "(" + ", ".join(_show(v) for v in item) + ("," if len(item) == 1 else "") + ")"
    return str(item)


Function.__str__ = format_function  # type: ignore[assignment]


# ---------------------------------------------------------------- checking


class IRError(Exception):
    """The IR broke an invariant: a compiler bug, never the user's fault."""


def verify(fn: Function) -> None:
    """Every use is defined before it (in an enclosing scope), every name bound once.

    A backward loop may rebind its forward loop's index, and a ``pop`` may rebind the
    forward name it restores (from a tape, or by recomputing it): the one sanctioned exception. A branch may read
    what an earlier branch on the same condition, same side, defined (the backward of a
    branch reads its forward values).
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


def flatten(result) -> list[Value]:
    """The values of a (possibly nested) result tuple, in order."""
    out: list[Value] = []
    for item in result:
        out.extend(flatten(item) if isinstance(item, tuple) else [item])
    return out


def uses(fn: Function) -> dict[str, int]:
    """How many times each name is read (by statements at any depth and by the return)."""
    count: dict[str, int] = {}
    for s in walk(fn.body):
        for a in reads_here(s):
            if isinstance(a, Var):
                count[a.name] = count.get(a.name, 0) + 1
    for v in flatten(fn.result):
        if isinstance(v, Var):
            count[v.name] = count.get(v.name, 0) + 1
    return count


__all__ = ["Temporary", "TMP", "Var", "Const", "Value", "Node", "If", "Loop", "Stmt", "Function", "node",
           "ew_symbols", "NameSupply", "walk", "nodes", "blocks", "bound_here", "bound_inside",
           "reads_here", "reads_all", "format_node", "format_function", "verify", "uses",
           "IRError", "field", "substitute", "free_symbols"]


def ew_normalize(expr: sympy.Expr, args) -> tuple[sympy.Expr, tuple[Value, ...]]:
    """Renumber an elementwise expression's symbols so each argument appears once, in use.

    ``expr`` is over ``_0.._{n-1}`` for ``args``; duplicates are merged, unused arguments
    dropped, and unnamed numeric constants folded into the expression.
    """
    pattern = []
    for k, arg in enumerate(args):
        if isinstance(arg, Const) and arg.name is None and isinstance(arg.value, (int, float)) \
                and not isinstance(arg.value, bool):
            pattern.append(("number", repr(arg.value), arg.value))
        else:
            pattern.append(("arg", args.index(arg)))
    normal, kept = _normalized(expr, tuple(pattern))
    return normal, tuple(args[k] for k in kept)


@lru_cache(maxsize=8192)
def _normalized(expr: sympy.Expr, pattern: tuple) -> tuple[sympy.Expr, tuple[int, ...]]:
    """``ew_normalize`` for arguments described by ``pattern``: a number to fold in, or the
    position of the first argument equal to this one. Returns the positions kept."""
    symbols = ew_symbols(len(pattern))
    free = free_symbols(expr)
    subs: dict = {}
    kept: list[int] = []
    first_use: dict[int, int] = {}
    for k, (sym, slot) in enumerate(zip(symbols, pattern)):
        if sym not in free:
            continue
        if slot[0] == "number":
            subs[sym] = sympy.sympify(slot[2])
        else:
            if slot[1] not in first_use:
                first_use[slot[1]] = len(kept)
                kept.append(k)
            subs[sym] = symbols[first_use[slot[1]]]
    return expr.xreplace(subs), tuple(kept)


@lru_cache(maxsize=8192)
def substitute(expr: sympy.Expr, pairs: tuple) -> sympy.Expr:
    """``expr.xreplace(dict(pairs))``, remembered: elementwise expressions are written over
    the symbols ``_0, _1...``, so the same few substitutions come back again and again, and
    SymPy rebuilds (and re-simplifies) the expression each time."""
    return expr.xreplace(dict(pairs))
