"""What a call's function names, read from the source and its scope: ``np.exp`` ->
``numpy.exp``, ``np.linalg.norm`` -> ``linalg.norm``, a helper, a local, an import, a
builtin (``callee``); lowering turns the name into a primitive, a helper's inlining or a
refusal."""
from __future__ import annotations

import ast

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


__all__ = ["callee", "module_attr"]
