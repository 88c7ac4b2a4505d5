"""Flat indexing, rewritten before lowering onto the indexing lowering knows.

    v = x.flat[k]            ->  v = x.ravel()[k]            (a read: the flat copy)
    y.flat[k] = v            ->  y_flat = y.flatten()
    np.put(y, k, v)              y_flat[k] = v
    y.put(k, v)                  y[:] = y_flat.reshape(y.shape)
    y.real = v               ->  y[:] = v                    (y holds real numbers)

The write goes through ``y[:] = ...``, so every name sharing y's memory sees it, as
NumPy's memory model says (a 0-d y stops where it runs, at the index). A value of another
size than the index is an error where NumPy would repeat it; ``np.put``'s ``mode=`` is
refused (it changes what an index out of range does).
"""
from __future__ import annotations

import ast
import copy

from ..errors import SymdiffError


def rewrite(stmts: list, src, fresh) -> list:
    """The statements with flat reads and writes rewritten, nested blocks included."""
    out = []
    for stmt in stmts:
        for name in ("body", "orelse"):
            inner = getattr(stmt, name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                setattr(stmt, name, rewrite(inner, src, fresh))
        written = _write(stmt, src)
        if written is not None:
            name, index, value = written
            out += _flat_write(stmt, name, _Reads().visit(copy.deepcopy(index)),
                               _Reads().visit(copy.deepcopy(value)), fresh)
            continue
        real = _real_write(stmt)
        if real is not None:
            out.append(real)
            continue
        out.append(_reads(stmt) if _has_flat(stmt) else stmt)
    return out


def _has_flat(node) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "flat" for n in ast.walk(node))


class _Reads(ast.NodeTransformer):
    """``x.flat[k]`` read -> ``x.ravel()[k]``."""

    def visit_Subscript(self, node):
        self.generic_visit(node)
        value = node.value
        if isinstance(value, ast.Attribute) and value.attr == "flat" and \
                isinstance(node.ctx, ast.Load):
            ravel = ast.Call(ast.Attribute(value.value, "ravel", ast.Load()), [], [])
            return ast.copy_location(ast.Subscript(_at(ravel, value), node.slice, ast.Load()),
                                     node)
        return node


def _reads(stmt):
    new = copy.deepcopy(stmt)
    for name in ("body", "orelse"):           # blocks were rewritten already
        if hasattr(stmt, name):
            setattr(new, name, getattr(stmt, name))
    for field, value in ast.iter_fields(new):
        if field in ("body", "orelse"):
            continue
        if isinstance(value, ast.AST):
            setattr(new, field, _Reads().visit(value))
        elif isinstance(value, list):
            setattr(new, field, [_Reads().visit(v) if isinstance(v, ast.AST) else v
                                 for v in value])
    return new


def _write(stmt, src):
    """``(array name, index, value)`` of a flat write, or None."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        t = stmt.targets[0]
        if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Attribute) and \
                t.value.attr == "flat" and isinstance(t.value.value, ast.Name):
            return t.value.value.id, t.slice, stmt.value
        return None
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return None
    call, func = stmt.value, stmt.value.func
    if not (isinstance(func, ast.Attribute) and func.attr == "put"):
        return None
    numpy = isinstance(func.value, ast.Name) and func.value.id in src.scope.numpy
    args = call.args[1:] if numpy else call.args
    array = call.args[0] if numpy and call.args else func.value
    if not isinstance(array, ast.Name):
        return None
    if call.keywords or len(args) != 2 or any(isinstance(a, ast.Starred) for a in call.args):
        raise SymdiffError("`put` is supported with an index and values, by position",
                           src.loc(call), hint="write y.flat[index] = values")
    return array.id, args[0], args[1]


def _flat_write(stmt, name: str, index, value, fresh) -> list:
    flat = fresh(f"{name}_flat")
    load = lambda n: ast.Name(n, ast.Load())       # noqa: E731
    made = [ast.Assign([ast.Name(flat, ast.Store())],
                       ast.Call(ast.Attribute(load(name), "flatten", ast.Load()), [], [])),
            ast.Assign([ast.Subscript(load(flat), index, ast.Store())], value),
            ast.Assign([ast.Subscript(load(name), ast.Slice(), ast.Store())],
                       ast.Call(ast.Attribute(load(flat), "reshape", ast.Load()),
                                [ast.Attribute(load(name), "shape", ast.Load())], []))]
    return [_at(s, stmt) for s in made]


def _real_write(stmt):
    """``y.real = v`` -> ``y[...] = v``: y holds real numbers, so y.real is y."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        t = stmt.targets[0]
        if isinstance(t, ast.Attribute) and t.attr == "real" and isinstance(t.value, ast.Name):
            target = ast.Subscript(ast.Name(t.value.id, ast.Load()), ast.Slice(), ast.Store())
            return _at(ast.Assign([target], _Reads().visit(copy.deepcopy(stmt.value))), stmt)
    return None


def _at(node, like):
    for child in ast.walk(node):
        if "lineno" in child._attributes and not hasattr(child, "lineno") or \
                getattr(child, "lineno", None) is None:
            ast.copy_location(child, like)
    return node
