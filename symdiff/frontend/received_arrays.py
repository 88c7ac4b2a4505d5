"""Module-level arrays of a compiled file, received by the gradient as keyword arguments.

``symdiff compile`` never runs the model file, so an array built at its module level
(``W0 = np.random.randn(3, 4)``, ``MEAN = np.array([1., 2.])``, ``np.load(...)``, one
filled in a loop) has no value at compile time. A function that reads one, directly or
through a helper of the same file, gets it as a keyword-only parameter of the same name:

    def grad_loss(w, X, *, W0, MEAN):

and the caller passes the arrays the model's module holds (``W0=model.W0``). So the
value is the one the module holds when the gradient is called: a module that fills,
changes (``MEAN[0] = 5.0``, ``W0 *= 2``) or rebinds the array after defining it is
followed exactly, with nothing copied into the generated module that could go stale.

A name is a module array when its last top-level assignment (a plain ``NAME = ...``;
``NAME += ...`` keeps what it was) computes a value from NumPy: a call, attribute or
index rooted at ``np`` (or a name imported from NumPy), at another module array, or
arithmetic with one of them. Numbers the compiler can evaluate stay constants
(``module_constants``); anything else stays an unknown name. A compiled function (or
helper) that writes into a module array, or declares it ``global``, is refused at the
write: the original changes the module's array at each call, which a gradient given
the array cannot reproduce.

    >>> param = receive(b, src, "W0", node)   # Var("W0"), or None (not a module array)
"""
from __future__ import annotations

import ast
import os
import textwrap

from ..errors import SymdiffError
from ..ir import Var


def receive(b, src, name: str, node: ast.Name) -> Var | None:
    """The parameter holding module array ``name`` where ``src`` (a function of a file
    compiled statically) reads it, or None when ``name`` is no module array."""
    scope = src.scope
    if scope.module is None or scope.live is not None or not is_module_array(scope, name):
        return None
    _refuse_writes(src, name)
    received = b.received                  # parameter -> (its file, where first read)
    if name in received:
        if received[name][0] != src.file:
            raise SymdiffError(f"`{name}` names module arrays of two files "
                               f"({_base(received[name][0])} and {_base(src.file)})",
                               src.loc(node), hint=f"rename `{name}` in one of the files")
        return Var(name)
    b.names.reserve(name)
    received[name] = (src.file, src.loc(node))
    return Var(name)


def refuse_clashes(params: list[str], body, received: dict) -> None:
    """A module array's parameter must not take the name of a parameter or a variable of
    the function compiled (a helper reads module ``W0``, ``loss`` has its own ``W0``)."""
    from ..ir import bound_here, bound_inside, walk
    bound = set(params) | {v.name for s in walk(body) for v in bound_here(s) + bound_inside(s)}
    for name, (_, loc) in received.items():
        if name in bound:
            raise SymdiffError(f"the module array `{name}` read here has the name of a "
                               "parameter or variable of the function compiled", loc,
                               hint=f"rename that parameter or variable, or the module "
                                    f"array `{name}`")


def is_module_array(scope, name: str, seen: frozenset = frozenset()) -> bool:
    """Whether the file's module-level ``name`` holds a NumPy array once it has run (see
    the module docstring for the rule)."""
    if name in seen or scope.module is None:
        return False
    value = False
    for binding in scope.module.bindings.get(name, []):
        if binding.how is not None:
            return False                   # bound where the compiler does not follow
        stmt = binding.stmt
        if isinstance(stmt, ast.AugAssign):
            continue                       # W0 *= 2 keeps what W0 was
        value = _from_numpy(scope, stmt.value, seen | {name}, (name, value))
    return value


def _from_numpy(scope, e: ast.expr, seen: frozenset, before: tuple = ("", False)) -> bool:
    """Whether ``e`` computes its value from NumPy or from a module array; ``before`` is
    the name assigned and whether it held an array until then (``W = W + 1``)."""
    if isinstance(e, ast.Name) and e.id == before[0]:
        return before[1]
    if isinstance(e, ast.Name):
        imported = scope.imported.get(e.id, ("",))[0]
        other = scope.other_modules.get(e.id, "")
        return e.id in scope.numpy or e.id in scope.linalg or imported == "numpy" or \
            other == "numpy" or other.startswith("numpy.") or \
            is_module_array(scope, e.id, seen)
    if isinstance(e, (ast.Attribute, ast.Subscript)):
        return _from_numpy(scope, e.value, seen, before)
    if isinstance(e, ast.Call):
        return _from_numpy(scope, e.func, seen, before)
    if isinstance(e, ast.BinOp):
        return _from_numpy(scope, e.left, seen, before) or \
            _from_numpy(scope, e.right, seen, before)
    if isinstance(e, ast.UnaryOp):
        return _from_numpy(scope, e.operand, seen, before)
    return False


def _refuse_writes(src, name: str) -> None:
    """A located SymdiffError where ``src`` declares ``name`` global or writes into the
    module array it holds (``name[i] = ...``, ``name.attr = ...``, ``name[i] += ...``)."""
    local = {a.arg for a in ast.walk(src.tree.args) if isinstance(a, ast.arg)} | \
        {n.id for n in ast.walk(src.tree) if isinstance(n, ast.Name) and
         isinstance(n.ctx, ast.Store)}
    for node in ast.walk(src.tree):
        if isinstance(node, ast.Global) and name in node.names:
            raise _changes(src, name, node, f"declares `global {name}`")
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            root = target
            while isinstance(root, (ast.Subscript, ast.Attribute)):
                root = root.value
            if root is not target and isinstance(root, ast.Name) and root.id == name \
                    and name not in local:
                raise _changes(src, name, target, f"writes into `{name}`")


def _changes(src, name: str, node: ast.AST, what: str) -> SymdiffError:
    return SymdiffError(f"`{src.name}` {what}, a module-level array: the gradient receives "
                        f"`{name}` as an argument and cannot change the module's array",
                        src.loc(node), hint=f"pass `{name}` to `{src.name}` as an argument "
                                            "and return a new array instead of changing it")


def noted(doc: str, fn) -> str:
    """A function's docstring, with which module arrays it takes by keyword (if any)."""
    note = received_note(fn.received)
    return f"{doc}\n\n    {note}" if note else doc


def received_note(received: tuple[tuple[str, str], ...]) -> str:
    """The docstring paragraph of a function that receives module arrays: which, and
    that they are the arrays of the model's module (``W0=model.W0``)."""
    if not received:
        return ""
    parts = []
    for file in dict.fromkeys(file for _, file in received):
        names = [n for n, f in received if f == file]
        module = _base(file).removesuffix(".py")
        listed = ", ".join(f"{n}={module}.{n}" for n in names)
        parts.append(f"the module array{'s' if len(names) > 1 else ''} "
                     f"{_listed(names)} of {_base(file)} by keyword: pass the "
                     f"array{'s' if len(names) > 1 else ''} the module holds at the call "
                     f"({listed})")
    text = "Takes " + "; and ".join(parts) + "."
    return textwrap.fill(text, 84, subsequent_indent="    ", break_on_hyphens=False,
                         break_long_words=False)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _base(path: str) -> str:
    return os.path.basename(path)
