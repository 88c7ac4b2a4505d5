"""Walking the IR: the blocks nested in a statement, every statement in order, what each
binds and reads, and ``map_blocks``, the one way a pass rebuilds a branch or a loop."""
from __future__ import annotations

from dataclasses import replace
from itertools import chain
from typing import Callable, Iterator

from .stmts import Function, If, Loop, Node, Stmt, Value, Var

__all__ = ["blocks", "walk", "nodes", "bound_here", "bound_inside", "reads_here", "reads_all",
           "flatten", "uses", "map_blocks", "rename_reads"]


def blocks(stmt: Stmt) -> tuple[tuple[Stmt, ...], ...]:
    """The statement lists nested directly in a statement."""
    if isinstance(stmt, If):
        return (stmt.then, stmt.orelse)
    if isinstance(stmt, Loop):
        return (stmt.cond_body, stmt.body)
    return ()


def map_blocks(stmt: Stmt, f: Callable[[tuple[Stmt, ...]], tuple[Stmt, ...]]) -> Stmt:
    """``stmt`` with each block nested directly in it replaced by ``f(block)``, in program
    order (then before orelse, a while loop's condition before its body); a node as is."""
    if isinstance(stmt, If):
        return replace(stmt, then=tuple(f(stmt.then)), orelse=tuple(f(stmt.orelse)))
    if isinstance(stmt, Loop):
        cond_body = tuple(f(stmt.cond_body))
        return replace(stmt, cond_body=cond_body, body=tuple(f(stmt.body)))
    return stmt


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


def rename_reads(stmt: Stmt, rename: dict[str, Value]) -> Stmt:
    """A statement reading renamed values (its own nested blocks are left as they are)."""
    if not rename:
        return stmt

    def sub(v):
        return rename.get(v.name, v) if isinstance(v, Var) else v
    if isinstance(stmt, Node):
        args = tuple(sub(a) for a in stmt.args)
        return stmt if args == stmt.args else replace(stmt, args=args)
    if isinstance(stmt, If):
        return replace(stmt, cond=sub(stmt.cond),
                       then_values=tuple(sub(v) for v in stmt.then_values),
                       else_values=tuple(sub(v) for v in stmt.else_values))
    return replace(stmt, bounds=tuple(sub(v) for v in stmt.bounds),
                   inits=tuple(sub(v) for v in stmt.inits),
                   nexts=tuple(sub(v) for v in stmt.nexts),
                   cond=sub(stmt.cond) if stmt.cond is not None else None)


def reads_all(stmt: Stmt) -> Iterator[Value]:
    """Every value read by a statement, including inside its nested blocks."""
    yield from reads_here(stmt)
    for block in blocks(stmt):
        for inner in walk(block):
            yield from reads_here(inner)


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
