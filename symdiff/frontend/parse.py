"""Stage 1, parse: find a function's source, parse it, and resolve the names it uses.

A ``Scope`` says what the names of a module mean to the compiler: which names are NumPy
(``np``), which are ``math``, which are helper functions (differentiated through),
and which are numeric constants. It is built either from a live function's globals
(``from_function``) or statically from a file's text (``from_file``), which never imports
or runs the file.

    >>> src = source_of(loss)            # FunctionSource: AST, file, line offsets, scope
"""
from __future__ import annotations

import ast
import builtins
import functools
import inspect
import linecache
import math
import os
import sys
import textwrap
import types
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import custom_rules, decorators
from ..errors import Loc, SymdiffError
from .module_constants import ModuleConstants
from .source_files import ENCODING_HINT, decode_source, read_file, source_lines  # noqa: F401


@dataclass
class Scope:
    """What the module-level names visible to a function stand for."""

    numpy: set[str] = field(default_factory=set)          # names bound to the numpy module
    math: set[str] = field(default_factory=set)           # names bound to the math module
    linalg: set[str] = field(default_factory=set)         # names bound to numpy.linalg
    functions: dict[str, Any] = field(default_factory=dict)    # name -> FunctionSource | thunk
    constants: dict[str, Any] = field(default_factory=dict)    # name -> number
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)  # exp -> ("numpy", "exp")
    other_modules: dict[str, str] = field(default_factory=dict)  # name -> module it stands for
    rules: dict[str, Any] = field(default_factory=dict)   # helper -> its custom_jvp rule
    module: ModuleConstants | None = None    # a file's constants, evaluated when first used
    live: LiveNames | None = None            # a live module's names, read at compile time
    classes: dict[str, Any] = field(default_factory=dict)  # name -> class | ast.ClassDef
    file: str = ""                           # the file of a static scope (its classes)
    lines: list = field(default_factory=list)
    unread_stars: list = field(default_factory=list)   # (module, line) of unread `import *`
    star_bound: dict = field(default_factory=dict)     # name -> line of the `import *` binding it

    def shadows(self, name: str) -> bool:
        """Whether the module (or closure) binds ``name``, a builtin's name, to something
        else: ``from numpy import sum``, a ``def range(...)`` of its own. The builtin's
        meaning then does not apply to it."""
        if name in self.functions or name in self.imported or name in self.classes or \
                name in self.constants or name in self.other_modules or \
                name in self.numpy or name in self.math or name in self.linalg:
            return True
        if self.live is None:
            return False
        where = self.live.cells if name in self.live.cells else self.live.globals_
        held = _current(where, name)
        return held is not _UNBOUND and held is not getattr(builtins, name, _UNBOUND)

    def class_info(self, name: str):
        """The ``lower_objects.ClassInfo`` of a class this module names."""
        from .lower_objects import ClassInfo
        entry = self.classes[name]
        if isinstance(entry, ClassInfo):
            return entry
        if isinstance(entry, type):
            info = ClassInfo.of_live(entry)
        else:
            info = ClassInfo(entry.name, node=entry, file=self.file, lines=self.lines, scope=self)
        if self.live is not None:
            self.live.note(name)
        self.classes[name] = info
        return info

    def constant(self, name: str, use: Loc | None = None) -> Any:
        """The number ``name`` stands for, or None (a SymdiffError where a file rebinds it,
        see ``module_constants``)."""
        if name not in self.constants and self.module is not None:
            value = self.module.value(name, self, use)
            if value is not None:
                self.constants[name] = value
        value = self.constants.get(name)
        if value is not None and self.live is not None:
            self.live.note(name)
        return value

    def function(self, name: str) -> "FunctionSource | None":
        entry = self.functions.get(name)
        if callable(entry) and not isinstance(entry, FunctionSource):
            entry = entry()
            self.functions[name] = entry
        if entry is not None and self.live is not None:
            self.live.note(name)
        return entry

    def watched(self, seen: set | None = None) -> list[tuple[Any, str, Any]]:
        """What the compiled code read of live names, here and in the modules of its
        helpers: (globals dict or closure cell, name, the object it held)."""
        seen = set() if seen is None else seen
        if id(self) in seen:
            return []
        seen.add(id(self))
        out = self.live.watched() if self.live is not None else []
        for entry in self.functions.values():
            if isinstance(entry, FunctionSource):
                out += entry.scope.watched(seen)
        return out


_UNBOUND = object()


@dataclass
class LiveNames:
    """Where a live function's free names come from (its globals and closure cells), and
    what it read of them, to tell when a compiled gradient has gone stale."""

    globals_: dict[str, Any]
    cells: dict[str, Any]
    read: dict[str, Any] = field(default_factory=dict)     # name -> the object it held
    #: attributes read beside the names: (object, attribute, what it held)
    held: list[tuple[Any, str, Any]] = field(default_factory=list)

    def note(self, name: str) -> None:
        self.read.setdefault(name, _current(self.cells.get(name, self.globals_), name))

    def hold(self, owner: Any, attribute: str) -> None:
        """Watch ``owner.<attribute>`` too (a custom function's rule, the rule's code)."""
        self.held.append((owner, attribute, _current(owner, attribute)))

    def watched(self) -> list[tuple[Any, str, Any]]:
        return [(self.cells.get(name, self.globals_), name, was)
                for name, was in self.read.items()] + self.held


def builtin_name(name: str) -> ast.Name:
    """A builtin's name that the compiler writes (``range`` in a loop it makes): it means
    the builtin whatever the user's module binds that name to."""
    node = ast.Name(name, ast.Load())
    node.symdiff_builtin = True
    return node


def means_builtin(scope: Scope, func: ast.expr) -> bool:
    """Whether the name ``func`` is Python's builtin of that name here."""
    return isinstance(func, ast.Name) and func.id in BUILTINS and (
        getattr(func, "symdiff_builtin", False) or not scope.shadows(func.id))


def live_names(fn, code) -> LiveNames:
    """The live names of ``fn``, with the builtins its code reads (``range``, ``len``...)
    watched as unbound in its module: a module-level ``range`` defined later is seen."""
    live = LiveNames(fn.__globals__, dict(zip(code.co_freevars, fn.__closure__ or ())))
    for name in _builtins_read(code):
        if name not in fn.__globals__ and name not in live.cells:
            live.read[name] = _UNBOUND
    return live


def _builtins_read(code) -> list[str]:
    """The builtin names ``code`` and the code nested in it (comprehensions, lambdas) name."""
    names = [n for n in code.co_names if n in BUILTINS]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names += _builtins_read(const)
    return list(dict.fromkeys(names))


def _current(where: Any, name: str) -> Any:
    """What ``name`` holds now in a globals dict, a closure cell or an object's attribute
    (a custom rule's function, its code)."""
    if type(where) is dict:
        return where.get(name, _UNBOUND)
    if type(where) is not types.CellType:
        return getattr(where, name, _UNBOUND)
    try:
        return where.cell_contents
    except ValueError:
        return _UNBOUND


def changed(watched: list[tuple[Any, str, Any]]) -> bool:
    """Does a name of ``Scope.watched`` hold something else now?"""
    for where, name, was in watched:
        now = _current(where, name)
        if now is not was and not (type(now) is type(was) and now == was):
            return True
    return False


@dataclass
class FunctionSource:
    """A parsed function: its ``ast.FunctionDef`` with line numbers as in its file."""

    name: str
    tree: ast.FunctionDef
    file: str
    lines: list[str]              # all lines of the file (or of the source snippet)
    col_shift: int                # columns removed by dedenting
    scope: Scope
    decorators_checked: bool = False    # its decorators, if any, returned the def itself
    #: parameters that hold structure (dicts, lists, objects): name -> ``env`` value
    #: whose leaves are the function's parameters (``pytrees.flat_source``)
    boundary: tuple = ()
    #: module-level names read at call time, for the helpers: ((id of the module's
    #: globals, name), parameter) pairs (``helper_inputs``)
    module_inputs: tuple = ()

    def loc(self, node: ast.AST) -> Loc:
        return node_loc(self.file, self.lines, node, self.col_shift, self.tree.lineno)


def node_loc(file: str, lines: list[str], node: ast.AST, col_shift: int = 0,
             default_line: int = 1) -> Loc:
    """Where ``node`` is in ``file``: its line, and its column in characters (the AST counts
    UTF-8 bytes) plus the columns dedenting removed."""
    line = getattr(node, "lineno", default_line)
    text = lines[line - 1].rstrip("\r\n") if 0 < line <= len(lines) else ""
    col = getattr(node, "col_offset", 0)
    body = text[col_shift:]
    if not body.isascii():
        col = len(body.encode("utf-8")[:col].decode("utf-8", "ignore"))
    return Loc(file, line, col + col_shift, text)


# ---------------------------------------------------------------- live functions


def source_of(fn: Callable) -> FunctionSource:
    """Parse a live Python function, resolving names through its globals and closure."""
    decorators.check_live(fn)
    if not isinstance(fn, types.FunctionType):
        raise SymdiffError(f"symdiff differentiates Python functions, not {type(fn).__name__}",
                           hint="pass a function defined with `def`")
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise SymdiffError(f"cannot read the source of {fn.__name__}: {exc}",
                           hint="define the function in a file (or notebook cell) symdiff can "
                                "read, or use `symdiff compile file.py`") from None
    file = inspect.getsourcefile(fn) or fn.__code__.co_filename
    all_lines = linecache.getlines(file) or []
    if fn.__name__ == "<lambda>":
        return _lambda_source(fn, file, all_lines or lines, first)
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    shift = len(lines[0]) - len(lines[0].lstrip()) if lines else 0
    tree = _parse(dedented, file, first)
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not defs:
        raise SymdiffError(f"cannot find a `def` for {fn.__name__} in its source",
                           hint="symdiff needs a function defined with `def`, not a lambda")
    if not all_lines or len(all_lines) < first + len(lines) - 1:
        all_lines = [""] * (first - 1) + lines
    scope = scope_of_globals(fn.__globals__, _closure_values(fn))
    scope.live = live_names(fn, fn.__code__)
    return FunctionSource(defs[0].name, defs[0], file, all_lines, shift, scope,
                          decorators_checked=True)      # fn's code is this def's


def _lambda_source(fn: types.FunctionType, file: str, lines: list[str], first: int):
    """A lambda, found in its file by its line and parameters, as a one-line def."""
    try:
        tree = ast.parse("".join(lines), filename=file)
    except SyntaxError:
        tree = None
    code = fn.__code__
    params = list(code.co_varnames[:code.co_argcount])
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == first
             and [a.arg for a in n.args.args] == params] if tree is not None else []
    if len(found) != 1:
        raise SymdiffError(f"cannot tell which lambda of line {first} of {file} this is"
                           if found else f"cannot find the source of a lambda at {file}:{first}",
                           hint="define the function with `def`")
    node = found[0]
    name = f"lambda_{first}"
    tree = ast.FunctionDef(name, node.args, [ast.Return(node.body)], [], None)
    ast.copy_location(tree, node)
    ast.copy_location(tree.body[0], node)
    ast.fix_missing_locations(tree)
    scope = scope_of_globals(fn.__globals__, _closure_values(fn))
    scope.live = live_names(fn, code)
    return FunctionSource(name, tree, file, lines, 0, scope, decorators_checked=True)


def _parse(text: str, file: str, first_line: int = 1) -> ast.Module:
    """Parse ``text``, which starts at line ``first_line`` of ``file``: blank lines put in
    front give every node its line in the file (cheaper than renumbering the tree)."""
    try:
        return ast.parse("\n" * (first_line - 1) + text, filename=file)
    except SyntaxError as exc:
        raise SymdiffError(f"syntax error: {exc.msg}",
                           Loc(file, exc.lineno or first_line, max((exc.offset or 1) - 1, 0),
                               exc.text or ""),
                           hint="fix the syntax so that Python itself can run the file") from None


def _closure_values(fn: types.FunctionType) -> dict[str, Any]:
    if not fn.__closure__:
        return {}
    values = {}
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__):
        try:
            values[name] = cell.cell_contents
        except ValueError:
            continue
    return values


def scope_of_globals(globals_: dict[str, Any], extra: dict[str, Any] | None = None) -> Scope:
    """Classify a live namespace: modules, helper functions, numeric constants."""
    scope = Scope()
    for name, value in {**globals_, **(extra or {})}.items():
        _classify(scope, name, value)
    return scope


def _classify(scope: Scope, name: str, value: Any) -> None:
    if value is np:
        scope.numpy.add(name)
    elif value is math:
        scope.math.add(name)
    elif value is np.linalg:
        scope.linalg.add(name)
    elif isinstance(value, types.ModuleType):
        scope.other_modules[name] = value.__name__
    elif _symdiff_function(value) in custom_rules.KINDS:    # a helper with its own rule
        scope.functions[name] = lambda value=value: source_of(value.fn)
        scope.rules[name] = lambda value=value, name=name: custom_rules.live_rule(
            scope, name, value, source_of)
    elif _symdiff_function(value):                      # symdiff.stop_gradient, by name
        scope.imported[name] = ("symdiff", _symdiff_function(value))
    elif _scipy_function(value):                        # from scipy.linalg import expm
        scope.imported[name] = _scipy_function(value)
    elif _scipy_distribution(value):                    # from scipy.stats import norm
        scope.other_modules[name] = "scipy.stats." + _scipy_distribution(value)
    elif isinstance(value, types.FunctionType) and _in_a_library(value):
        scope.imported[name] = (value.__module__ or "", value.__name__)   # not inlined
    elif isinstance(value, types.FunctionType):
        scope.functions[name] = lambda value=value: source_of(value)
    elif value is functools.partial:
        scope.imported[name] = ("functools", "partial")
    elif isinstance(value, type) and _user_class(value):
        scope.classes[name] = value
    elif isinstance(value, (bool, np.bool_)):
        scope.constants[name] = bool(value)
    elif isinstance(value, (int, float, np.integer, np.floating)):
        scope.constants[name] = value.item() if isinstance(value, np.generic) else value
    elif callable(value):
        origin = _library_name(value)
        if origin:
            scope.imported[name] = origin


def _symdiff_function(value: Any) -> str | None:
    """What symdiff's own function or decorator ``value`` is (its ``symdiff_function``
    field, on the function or on the class, never made up by a ``__getattr__``)."""
    owner = value if isinstance(value, types.FunctionType) else type(value)
    found = owner.__dict__.get("symdiff_function")
    return found if isinstance(found, str) else None


#: The SciPy modules whose functions a user's code may import by name
#: (``from scipy.special import expit``, ``from scipy.linalg import expm``).
SCIPY_FUNCTION_MODULES = ("scipy.special", "scipy.linalg")


def _scipy_function(value: Any) -> tuple[str, str] | None:
    """``("scipy.special", "expit")`` for scipy.special.expit (a ufunc), ``("scipy.linalg",
    "expm")`` for scipy.linalg.expm: the module that holds ``value`` under its own name,
    among those SciPy has loaded."""
    attr = getattr(value, "__name__", None)
    if not isinstance(attr, str) or isinstance(value, types.ModuleType):
        return None
    for module_name in SCIPY_FUNCTION_MODULES:
        module = sys.modules.get(module_name)
        if module is not None and getattr(module, attr, None) is value:
            return module_name, attr
    return None


def _scipy_distribution(value: Any) -> str | None:
    """``norm`` for scipy.stats.norm (a distribution object), when SciPy is loaded."""
    stats = sys.modules.get("scipy.stats")
    if stats is None or not type(value).__module__.startswith("scipy.stats."):
        return None
    name = getattr(value, "name", None) or type(value).__name__.removesuffix("_gen")
    return name if getattr(stats, name, None) is value else None


def _user_class(cls: type) -> bool:
    """A class of the user's own code (its methods can be read and inlined)."""
    module = getattr(cls, "__module__", "") or ""
    if module == "builtins" or module.partition(".")[0] == "symdiff" or \
            isinstance(cls.__dict__.get("symdiff_function"), str):
        return False                     # symdiff's own (custom_jvp...): lowered by meaning
    init = next((v for v in vars(cls).values() if isinstance(v, types.FunctionType)), None)
    if init is None:                     # data only (``class Cfg: lam = 0.3``): its module's file
        file = getattr(sys.modules.get(module), "__file__", None)
        return isinstance(file, str) and not _file_in_a_library(file)
    return not _in_a_library(init)


def _in_a_library(fn: types.FunctionType) -> bool:
    """A function of an installed package or the standard library (scipy's, say), not one
    of the user's own helpers: its calls are refused by name rather than inlined."""
    return _file_in_a_library(fn.__code__.co_filename)


@functools.lru_cache(maxsize=None)
def _file_in_a_library(filename: str) -> bool:
    """Whether a source file lies under the standard library or site-packages (asked at
    every gradient call, through the helpers' module arrays: answered once per file)."""
    file = os.path.realpath(filename)
    return any(file.startswith(root) for root in _library_roots())


@functools.lru_cache(maxsize=1)
def _library_roots() -> tuple[str, ...]:
    import sysconfig
    paths = sysconfig.get_paths()
    return tuple(sorted({os.path.realpath(paths[k]) + os.sep
                         for k in ("stdlib", "platstdlib", "purelib", "platlib")}))


def _library_name(value: Any) -> tuple[str, str] | None:
    """``np.exp`` -> ("numpy", "exp"); ``math.sqrt`` -> ("math", "sqrt")."""
    attr = getattr(value, "__name__", None)
    if attr and getattr(np, attr, None) is value:
        return ("numpy", attr)
    if attr and getattr(math, attr, None) is value:
        return ("math", attr)
    return None


BUILTINS = frozenset(dir(builtins))
