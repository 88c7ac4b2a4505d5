"""Module-level objects of a compiled file, read like module constants.

``symdiff compile`` never runs the model file, so an object made at its module level
(``cfg = Config()``, ``cfg = Config(lam=0.3)``) is made where a function reads it: its
class's ``__init__`` is inlined there, on the call's arguments read in the module's scope,
and the attributes it assigns, like the class's own, are what the function reads
(``cfg.lam``). A live function reads such an object at each call instead (``pytrees``).

As for module constants (``module_constants``), the object must be what the module holds
once it has run, whatever it runs: one plain top-level ``cfg = Cls(...)`` of a class of
the file, its arguments read at module level too. An object rebound or changed
anywhere in the file (``cfg.lam = 0.5``, ``setattr(cfg, ...)``, ``global cfg``, a method
that assigns ``self.x``) is refused at the read, with the place that makes it unsure.

    >>> instance(b, src, "cfg", node)      # an env.Obj, or None (no module-level object)
"""
from __future__ import annotations

import ast

from ..errors import SymdiffError
from .lower_objects import instantiate


def instance(b, src, name: str, node: ast.Name):
    """The object module-level ``name`` of a statically compiled file holds, or None when
    it is not one made by a plain ``name = Cls(...)``."""
    scope = src.scope
    if scope.module is None or scope.live is not None:
        return None
    every = scope.module.bindings.get(name, [])
    made = [b_ for b_ in every if _made_by_class(b_.stmt, name, scope)]
    if not made:
        return None
    use = src.loc(node)
    if len(every) > 1:
        other = next(b_ for b_ in every if b_ is not made[0])
        raise _unsure(src, name, use, other.node, "is bound again")
    _refuse_changes(src, name, use, scope)
    from .lower_structures import _site
    return _made(_site(b, src, {}, use, ()), made[0].stmt.value)


def names_one(src, name: str) -> bool:
    """Is module-level ``name`` of a statically compiled file made by ``name = Cls(...)``?"""
    scope = src.scope
    return scope.module is not None and scope.live is None and any(
        _made_by_class(b_.stmt, name, scope) for b_ in scope.module.bindings.get(name, ()))


def _made_by_class(stmt: ast.stmt, name: str, scope) -> bool:
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
        isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == name and \
        isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Name) and \
        stmt.value.func.id in scope.classes


def _made(site, call: ast.Call):
    """``Cls(...)`` run where the function reads the object, in the module's scope (no
    local name is seen): what its ``__init__`` computes is computed there."""
    args = [site.lower(a) for a in call.args]
    keywords = {k.arg: site.lower(k.value) for k in call.keywords if k.arg is not None}
    if len(keywords) < len(call.keywords):
        raise site.fail("`**` in the call that makes a module-level object is not supported",
                        call, "pass the keywords one by one")
    return instantiate(site, site.src.scope.class_info(call.func.id), args, keywords, call)


def _refuse_changes(src, name: str, use, scope) -> None:
    """Refused where the file changes the object: its attributes assigned through its name,
    ``global name`` in a function, or a method of its class that assigns ``self.x``."""
    tree = scope.module.tree
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)) \
                and isinstance(node.value, ast.Name) and node.value.id == name:
            raise _unsure(src, name, use, node, f"has `.{node.attr}` assigned")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in ("setattr", "delattr") and node.args and \
                isinstance(node.args[0], ast.Name) and node.args[0].id == name:
            raise _unsure(src, name, use, node, f"is changed by {node.func.id}")
        if isinstance(node, ast.Global) and name in node.names:
            raise _unsure(src, name, use, node, "is declared `global` in a function")
    cls = _class_node(tree, scope, name)
    for method in (s for s in (cls.body if cls is not None else [])
                   if isinstance(s, ast.FunctionDef) and s.name != "__init__" and s.args.args):
        me = method.args.args[0].arg
        for node in ast.walk(method):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)) \
                    and isinstance(node.value, ast.Name) and node.value.id == me:
                raise _unsure(src, name, use, node,
                              f"has a method, `{method.name}`, that assigns `{me}.{node.attr}`")


def _class_node(tree: ast.Module, scope, name: str):
    made = next(b_.stmt.value.func.id for b_ in scope.module.bindings[name]
                if _made_by_class(b_.stmt, name, scope))
    return next((s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == made), None)


def _unsure(src, name: str, use, node: ast.AST, how: str) -> SymdiffError:
    line = getattr(node, "lineno", None)
    return SymdiffError(f"module-level object `{name}` {how} (line {line}), so what it holds "
                        "depends on how the module runs", use,
                        hint=f"make `{name}` once at module level and leave it unchanged, or "
                             "pass it in as an argument")
