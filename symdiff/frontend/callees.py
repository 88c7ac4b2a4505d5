"""What a call's function names, read from the source and its scope: ``np.exp`` ->
``numpy.exp``, ``np.linalg.norm`` -> ``linalg.norm``, a helper, a local, an import, a
builtin (``callee``); lowering turns the name into a primitive, a helper's inlining or a
refusal."""
from __future__ import annotations

import ast

from .env import Closure
from .parse import BUILTINS, FunctionSource


def module_attr(src: FunctionSource, env, e: ast.Attribute) -> str | None:
    """``np.linalg.norm`` -> "linalg.norm"; ``np.exp`` -> "numpy.exp"; else None."""
    base = e.value
    if isinstance(base, ast.Name) and base.id not in env:
        if base.id in src.scope.numpy:
            return "numpy." + e.attr
        if base.id in src.scope.math:
            return "math." + e.attr
        if base.id in src.scope.linalg:
            return "linalg." + e.attr
        if base.id in src.scope.other_modules:
            return "other:" + src.scope.other_modules[base.id] + "." + e.attr
    if isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name) \
            and base.value.id in src.scope.numpy and base.value.id not in env:
        return f"numpy.{base.attr}.{e.attr}".replace("numpy.linalg.", "linalg.")
    path = [e.attr]                   # scipy.stats.norm.logpdf: any depth below a module
    while isinstance(base, ast.Attribute):
        path.insert(0, base.attr)
        base = base.value
    if isinstance(base, ast.Name) and base.id in src.scope.other_modules and base.id not in env:
        return f"other:{src.scope.other_modules[base.id]}.{'.'.join(path)}"
    return None


def callee(src: FunctionSource, env, func: ast.expr) -> str | None:
    """The qualified name of a called function, or None for a method call."""
    if isinstance(func, ast.Name):
        if getattr(func, "symdiff_builtin", False):
            return "builtin." + func.id
        if func.id in env:
            return "local:" + func.id
        if func.id in src.scope.functions:
            return "helper:" + func.id
        if func.id in src.scope.imported:
            module, attr = src.scope.imported[func.id]
            return f"{module}.{attr}"
        if func.id in BUILTINS:
            return "builtin." + func.id
        return "unknown:" + func.id
    if isinstance(func, ast.Attribute):
        return module_attr(src, env, func)
    return None


__all__ = ["callee", "is_partial", "module_attr", "user_function"]


def user_function(site, func):
    """``helpers.loss(...)`` where ``helpers`` is a user's module (not a library): its
    function, read like a helper's."""
    import sys
    import types
    from .parse import _in_a_library, _symdiff_function, source_of
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id not in site.env and site.src.scope.live is not None):
        return None
    module = sys.modules.get(site.src.scope.other_modules.get(func.value.id, ""))
    fn = getattr(module, func.attr, None) if module is not None else None
    if not isinstance(fn, types.FunctionType) or _in_a_library(fn) or _symdiff_function(fn) \
            or (fn.__module__ or "").partition(".")[0] == "symdiff":
        return None                      # symdiff's own functions are lowered by their meaning
    return Closure(source_of(fn))


def is_partial(site, func) -> bool:
    scope = site.src.scope
    if isinstance(func, ast.Name) and func.id not in site.env:
        return scope.imported.get(func.id) == ("functools", "partial") or \
            scope.other_modules.get(func.id) == "functools.partial"
    return isinstance(func, ast.Attribute) and func.attr == "partial" and \
        isinstance(func.value, ast.Name) and scope.other_modules.get(func.value.id) == "functools"
