"""A whole array-API gradient module: codegen's functions, translated, with their helpers.

The functions are written by ``codegen.function_source`` while ``array_api.translating``
is open, so every node prints in array-API calls; each then starts with

    xp = array_namespace(W, X, y, reg)      # the arguments' array library

where ``array_namespace`` is ``array_api_compat``'s, taking the arrays among the
arguments (NumPy's namespace when they are all numbers); no NumPy import. The
shape-generic NumPy helpers a gradient calls (``unbroadcast``...) are translated the
same way; the helpers for what the standard lacks come from ``array_api_helpers``.

    >>> print(module_source([(grad_ir, "Gradient of f.")], "Gradients of f."))
"""
from __future__ import annotations

import ast
import math

from . import codegen
from .array_api import XP, Known, NoArrayApiForm, translate_tree, translating
from .array_api_hessian import hessian_source
from .array_api_helpers import REWRITTEN, REWRITTEN_SUPPORT, SHIM_NEEDS, SHIMS
from .codegen_nodes import HELPERS, render
from .helpers import HELPER_NEEDS
from .quoting import docstring
from ..ir import Function, Var
from ..ir.walk import nodes
from ..primitives.registry import primitive
from ..ir.shapes import infer_shapes

#: Names the generated module gives its own meaning: a user's variable may not take one.
RESERVED = frozenset({XP, "array_api_compat", "math", *SHIMS})

#: Parameters of symdiff's NumPy helpers that hold options, not arrays.
OPTIONS = frozenset({"ord", "axis", "keepdims", "num", "endpoint", "at_start", "axes"})

NAMESPACE_COMMENT = "the arguments' array library"


def module_source(functions: list[tuple[Function, str]], header: str,
                  annotate=None, extra=(), arg_shapes=None) -> str:
    """The module: header, imports, helpers, then the functions, each taking its namespace
    from its arguments. ``extra`` holds ``(forward, wrt, tuple_out, where)`` of each
    Hessian to assemble from its ``hvp_`` (``array_api_hessian``); ``arg_shapes``, the
    shapes of the parameters where known, tell which values are numbers."""
    for fn, _ in functions:
        _check_names(fn)
    imports: set[str] = set()
    helpers: set[str] = set()
    used: set[str] = set()
    bodies = []
    for fn, doc in functions:
        with translating(used, _known(fn, arg_shapes)):
            text = codegen.function_source(fn, imports, helpers, "", annotate)
        bodies.append(_with_namespace(text, fn, doc, used))
    helper_sources = [_translated_helper(name, used) for name in sorted(_closure(helpers))]
    shims = sorted(_shim_closure(used | {"array_namespace"}))
    used |= {need for name in shims for need in SHIM_NEEDS.get(name, ())}
    constants: dict = {}
    for fn, _ in functions:
        constants.update(dict(fn.constants))
    if any("math." in _number(v) for v in constants.values()):
        used.add("math")
    if extra:
        used.add("math")
    out = [docstring(header), ""]
    if "math" in used or "math" in imports:
        out.append("import math")
    if "array_api_compat" in used:
        out.append("import array_api_compat")
    if constants:
        out.append("")
        out.extend(f"{k} = {_number(v)}" for k, v in sorted(constants.items()))
    if any(name in REWRITTEN for name in helpers):
        helper_sources.append(REWRITTEN_SUPPORT)
    for text in helper_sources + [SHIMS[name] for name in shims]:
        out.extend(["", "", text.rstrip("\n")])
    for body in bodies + [hessian_source(*e) for e in extra]:
        out.extend(["", "", body.rstrip("\n")])
    return "\n".join(out).rstrip("\n") + "\n"


def _known(fn: Function, arg_shapes=None) -> Known:
    """The names known to hold numbers whatever the arguments' shapes (loop counters,
    ``N = X.shape[0]``), those holding booleans (``x > 0``), and the parameters."""
    given = {p.name: arg_shapes[p.name] for p in fn.params if p.name in (arg_shapes or {})}
    shapes = infer_shapes(fn, given, False)
    scalars = frozenset(k for k, v in shapes.items() if v == ())
    masks: set[str] = set()
    for n in nodes(fn.body):
        rule = primitive(n.op).makes_mask
        if rule is not None and rule(n, lambda v: isinstance(v, Var) and v.name in masks):
            masks.add(n.out.name)
    return Known(scalars, frozenset(masks), tuple(p.name for p in fn.params),
                 frozenset(k for k, v in shapes.items() if v))


def _check_names(fn: Function) -> None:
    taken = sorted(RESERVED & (fn.names() | {fn.name}))
    if taken:
        raise NoArrayApiForm(f"`{taken[0]}` is a name the array-API module uses for itself",
                             hint=f"rename `{taken[0]}` in the function")


def _with_namespace(text: str, fn: Function, doc: str, used: set[str]) -> str:
    """The function's text with its docstring and ``xp = array_namespace(...)`` after the
    ``def`` line; NumPy's ``errstate`` decorator (its warnings only) dropped."""
    lines = [line for line in text.split("\n") if not line.startswith("@np.errstate")]
    at = next(k for k, line in enumerate(lines) if line.startswith("def "))
    if "np." in lines[at]:                         # a default of inf or nan
        lines[at] = lines[at].replace("np.", "math.")
        used.add("math")
    params = ", ".join(p.name for p in fn.params)
    head = [docstring(doc, "    ")] if doc else []
    head.append(f"    {XP} = array_namespace({params})  # {NAMESPACE_COMMENT}")
    return "\n".join(lines[:at + 1] + head + lines[at + 1:])


def _closure(helpers: set[str]) -> set[str]:
    out, todo = set(), list(helpers)
    while todo:
        name = todo.pop()
        if name not in out:
            out.add(name)
            todo.extend(HELPER_NEEDS.get(name, ()))
    return out


def _shim_closure(used: set[str]) -> set[str]:
    out, todo = set(), [u for u in used if u in SHIMS]
    while todo:
        name = todo.pop()
        if name not in out:
            out.add(name)
            todo.extend(n for n in SHIM_NEEDS.get(name, ()) if n in SHIMS)
    return out


def _translated_helper(name: str, used: set[str]) -> str:
    """One of symdiff's NumPy helpers (``unbroadcast``) in array-API calls, taking its
    namespace from its array arguments (rewritten by hand where translating would not do)."""
    if name in REWRITTEN:
        return REWRITTEN[name]
    tree = ast.parse(HELPERS[name]).body[0]
    tree = translate_tree(tree, used, f"the helper {name}")
    arrays = [a.arg for a in tree.args.args if a.arg not in OPTIONS]
    start = 1 if tree.body and isinstance(tree.body[0], ast.Expr) and \
        isinstance(tree.body[0].value, ast.Constant) else 0
    line = ast.parse(f"{XP} = array_namespace({', '.join(arrays)})").body[0]
    tree.body.insert(start, line)
    return render(tree)


def _number(value) -> str:
    """A module constant as Python source: inf and nan as ``math`` spells them."""
    if isinstance(value, float) and not math.isfinite(value):
        return "math.nan" if math.isnan(value) else ("-math.inf" if value < 0 else "math.inf")
    return repr(value)


__all__ = ["module_source", "RESERVED"]
