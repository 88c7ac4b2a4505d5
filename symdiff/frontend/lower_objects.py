"""Lowering of objects, methods, lambdas, nested functions and ``functools.partial``.

An object of a user's class is a compile-time value (``env.Obj``): its attributes, and
the class that holds its methods. Methods are read statically like helpers and inlined
with ``self`` bound to the object; what a method assigns to ``self.x`` is written back
where the object came from (``self.layers[0]``, a local name). Creating an object inside
the function runs its ``__init__`` the same way.

A ``lambda`` or nested ``def`` is an ``env.Closure``: its source and the values of the
names it reads from the function that made it, inlined where it is called.

    >>> ClassInfo.of_live(Sigmoid).method("__call__")     # FunctionSource of the method
"""
from __future__ import annotations

import ast
import copy
import inspect
import types
from dataclasses import dataclass, field
from typing import Any

from ..errors import SymdiffError
from ..ir import Const
from .env import Bound, Closure, Dict, Helper, Obj

_LIVE: dict = {}


@dataclass(eq=False)
class ClassInfo:
    """A user's class, live (``cls``) or read from a file (``node`` in ``scope``)."""

    name: str
    cls: type | None = None
    node: ast.ClassDef | None = None
    file: str = ""
    lines: list = field(default_factory=list)
    scope: Any = None
    _methods: dict = field(default_factory=dict)

    @staticmethod
    def of_live(cls: type) -> "ClassInfo":
        info = _LIVE.get(cls)
        if info is None:
            info = _LIVE[cls] = ClassInfo(cls.__name__, cls=cls)
        return info

    def method(self, name: str):
        """(FunctionSource, takes self) of a method, or None if the class has none; for a
        live class, found again when the class holds another object under ``name``."""
        raw = _static_attribute(self.cls, name) if self.cls is not None else None
        cached = self._methods.get(name)
        if cached is None or cached[0] is not raw:
            cached = self._methods[name] = (raw, self._find(name))
        return cached[1]

    def looked_up(self, site, name: str):
        """``method(name)``, watched: a live class's attribute read while compiling makes
        the gradient stale once the class holds something else there (``Model.K = 5``)."""
        found = self.method(name)
        live = getattr(site.b, "live", None)           # the compiled function's, watched
        if self.cls is not None and live is not None:
            live.hold(self.cls, name)
        return found

    def _refuse_rebound(self, name: str) -> None:
        """A file's class whose attribute or method the file assigns elsewhere (``Model.K
        = 5.0`` after the class): what the class body says may not be what runs."""
        module = getattr(self.scope, "module", None)
        store = module.attribute_store(self.name, name) if module is not None else None
        if store is not None:
            raise SymdiffError(f"`{self.name}.{name}` is assigned outside the class too, so "
                               "its value depends on how the module runs", module.locate(store),
                               hint=f"set `{name}` in the class body only, or pass the value "
                                    "in as an argument")

    def _find(self, name: str):
        from .parse import FunctionSource, source_of
        if self.cls is None:
            self._refuse_rebound(name)
        if self.cls is not None:
            try:
                found = inspect.getattr_static(self.cls, name)
            except AttributeError:
                return None
            if isinstance(found, staticmethod):
                return source_of(found.__func__), False
            if isinstance(found, classmethod):
                return source_of(found.__func__), CLASS
            if isinstance(found, types.FunctionType):
                return source_of(found), True
            if isinstance(found, property) and isinstance(found.fget, types.FunctionType):
                return source_of(found.fget), PROPERTY
            return ("attribute", found)
        for stmt in self.node.body:
            if isinstance(stmt, ast.FunctionDef) and stmt.name == name:
                calling = {d.id for d in stmt.decorator_list if isinstance(d, ast.Name)}
                plain = FunctionSource(stmt.name, _undecorated(stmt), self.file, self.lines, 0,
                                       self.scope)
                return plain, False if "staticmethod" in calling else \
                    CLASS if "classmethod" in calling else \
                    PROPERTY if "property" in calling else True
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name
                                                    for t in stmt.targets):
                try:
                    return ("attribute", ast.literal_eval(stmt.value))
                except ValueError:
                    return ("attribute", None)
        for base in self.node.bases:
            if isinstance(base, ast.Name) and base.id in self.scope.classes:
                found = self.scope.class_info(base.id).method(name)
                if found is not None:
                    return found
        return None


#: Decorators of a method that say how it is called, not what it computes.
CALLING = {"staticmethod", "classmethod", "property"}
#: How a classmethod takes its first parameter (a method takes self: True; static: False)
CLASS = "class"
#: A ``@property``'s getter: it takes self, and reading the attribute calls it.
PROPERTY = "property"


def _static_attribute(cls: type, name: str):
    try:
        return inspect.getattr_static(cls, name)
    except AttributeError:
        return None


def _undecorated(stmt: ast.FunctionDef) -> ast.FunctionDef:
    """The method without ``@staticmethod`` / ``@classmethod``; any other decorator stays,
    so the method is refused where it is inlined (``decorators.problem``), never its
    undecorated body differentiated in place of what the decorator made."""
    import copy
    new = copy.copy(stmt)
    new.decorator_list = [d for d in stmt.decorator_list
                          if not (isinstance(d, ast.Name) and d.id in CALLING)]
    return new


# ---------------------------------------------------------------- attributes


def attribute(site, obj: Obj, name: str, at: ast.AST):
    """``obj.name``: an attribute, a method (to be called), or a class attribute."""
    if obj.attrs.has(name):
        return obj.attrs.get(name)
    found = obj.cls.looked_up(site, name)
    if found is None:
        raise site.fail(f"`{obj.cls.name}` object has no attribute `{name}` here", at,
                        f"assign self.{name} in __init__ (or pass it in) before reading it")
    if found[1] == PROPERTY:
        return _property(site, obj, name, found[0], at)
    if found[0] == "attribute":
        value = found[1]
        if isinstance(value, (bool, int, float, str)) or value is None:
            return Const(value)
        raise site.fail(f"class attribute `{obj.cls.name}.{name}` is not a number or a "
                        "string", at, "pass it in as an argument, or store it on self")
    return Bound(obj, name)


def _property(site, obj: Obj, name: str, getter, at: ast.AST):
    """``obj.W`` of a ``@property``: its getter, inlined with ``self`` the object."""
    if obj.of_class:
        raise site.fail(f"`{obj.cls.name}.{name}` is a property of its objects, read here "
                        "through the class", at, f"read it on an object: obj.{name}")
    result, after = site.inline(getter, [obj], {}, name, at, {}, True, 1)
    if after is not obj and after != obj:
        raise site.fail(f"the property `{name}` assigns attributes of its object", at,
                        f"assign them in a method, and let `{name}` only read them")
    return result


def of_a_class(site, e: ast.expr) -> bool:
    """``Cls.name``, ``Cls`` a class of the user's module (not a local name)."""
    return isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name) and \
        e.value.id not in site.env and e.value.id in site.src.scope.classes


def class_method(site, func: ast.Attribute, e: ast.Call) -> Closure:
    """The function ``Cls.name(...)`` calls: a staticmethod, or a classmethod given the
    class."""
    callee = class_attribute(site, site.src.scope.class_info(func.value.id), func.attr, func)
    if not isinstance(callee, Closure):
        raise site.fail(f"`{func.value.id}.{func.attr}` is not a method", e)
    return callee


def class_attribute(site, info: ClassInfo, name: str, at: ast.AST):
    """``Cls.name`` read through the class: a class attribute, a staticmethod, or a
    classmethod given the class; a plain method is refused (it would need its object)."""
    found = info.looked_up(site, name)
    if found is not None and found[0] != "attribute" and found[1] != PROPERTY:
        fsrc, takes = found
        if takes is True:
            raise site.fail(f"`{info.name}.{name}` is a method of its objects, called here "
                            "through the class", at, f"call it on an object: obj.{name}(...)")
        return Closure(fsrc, given=(Obj(info, of_class=True),) if takes == CLASS else ())
    return attribute(site, Obj(info, of_class=True), name, at)


def set_attribute(site, obj, name: str, value, at: ast.AST) -> Obj:
    if not isinstance(obj, Obj) or obj.of_class:
        raise site.fail("only attributes of objects made of a user's class can be assigned",
                        at, "assign to a local name instead")
    return Obj(obj.cls, obj.attrs.with_item(name, value))


# ---------------------------------------------------------------- calls


def instantiate(site, info: ClassInfo, args: list, keywords: dict, e: ast.Call):
    """``Cls(...)``: an object whose attributes its ``__init__`` assigns."""
    obj = Obj(info, Dict((), ()))
    init = info.looked_up(site, "__init__")
    if init is None or init[0] == "attribute":
        if args or keywords:
            raise site.fail(f"`{info.name}()` takes no arguments (it has no __init__)", e)
        return obj
    fsrc, _ = init
    _, after = site.inline(fsrc, [obj] + list(args), keywords, "init", e, {}, True, 1)
    return after


def call(site, callee, args: list, keywords: dict, e: ast.Call, hint: str):
    """Call a value of the environment: a closure, a bound method, a callable object.

    Returns the result, and the object the call may have changed (None if none)."""
    if isinstance(callee, Closure):
        for name, value in callee.captured:
            now = site.env.get(name)
            if callee.maker is site.src and name in site.env and now is not value and \
                    now != value:
                raise site.fail(f"`{name}` changed after this function was made; Python "
                                "would read its new value, which symdiff does not follow",
                                e, f"pass `{name}` as an argument of the function instead")
        result, _ = site.inline(callee.src, list(callee.given) + list(args),
                                {**dict(callee.keywords), **keywords}, hint, e,
                                dict(callee.captured), False, len(callee.given))
        return result, None
    if isinstance(callee, Obj) and callee.of_class:
        raise site.fail(f"making a `{callee.cls.name}` in one of its classmethods is not "
                        "supported", e, f"call {callee.cls.name}(...) in the function itself")
    if isinstance(callee, Obj):
        callee = Bound(callee, "__call__")
        if callee.obj.cls.looked_up(site, "__call__") is None:
            raise site.fail(f"`{callee.obj.cls.name}` objects are not callable", e,
                            "define __call__ in the class, or call one of its methods")
    if isinstance(callee, Bound):
        found = callee.obj.cls.looked_up(site, callee.name)
        if found is None or found[0] == "attribute" or found[1] == PROPERTY:
            raise site.fail(f"`{callee.obj.cls.name}.{callee.name}` is not a method", e,
                            f"read the property into a name first: v = obj.{callee.name}"
                            if found is not None and found[1] == PROPERTY else "")
        fsrc, takes_self = found
        if not takes_self or takes_self == CLASS:     # a staticmethod, a classmethod
            given = [Obj(callee.obj.cls, of_class=True)] if takes_self == CLASS else []
            result, _ = site.inline(fsrc, given + list(args), keywords, hint, e, {}, False,
                                    len(given))
            return result, None
        if callee.obj.of_class:
            raise site.fail(f"`{callee.obj.cls.name}.{callee.name}` is a method of its objects, "
                            "called here through the class", e,
                            f"call it on an object: obj.{callee.name}(...)")
        result, after = site.inline(fsrc, [callee.obj] + list(args), keywords, hint, e, {},
                                    True, 1)          # the object it changes comes back
        return result, after if after is not callee.obj and after != callee.obj else None
    raise SymdiffError("not callable")  # callers check first


def partial(site, args: list, keywords: dict, e: ast.Call):
    """``functools.partial(f, a, k=v)``: a closure with arguments already given."""
    if not args:
        raise site.fail("functools.partial needs a function", e)
    fn, given = args[0], args[1:]
    if isinstance(fn, Helper):
        fn = Closure(site.src.scope.function(fn.name))
    if isinstance(fn, Closure):
        return Closure(fn.src, fn.captured, fn.given + tuple(given),
                       tuple({**dict(fn.keywords), **keywords}.items()), fn.maker)
    raise site.fail("functools.partial of this function is not supported here", e,
                    "use a lambda, or pass a helper defined with `def`")


# ---------------------------------------------------------------- lambdas and nested functions


def closure(site, src, env, node):
    """A lambda or nested def: its source, the names it reads from here, and its default
    values, evaluated here as Python does when it makes the function (``lambda t, k=k:``
    keeps this ``k``)."""
    from .parse import FunctionSource
    if isinstance(node, ast.Lambda):
        tree = ast.FunctionDef("lambda_", node.args, [ast.Return(node.body)], [], None)
        ast.copy_location(tree, node)
        ast.copy_location(tree.body[0], node)
        ast.fix_missing_locations(tree)
    else:
        tree = node
    tree, defaults = _made_defaults(site, tree)
    fsrc = FunctionSource(tree.name, tree, src.file, src.lines, src.col_shift, src.scope)
    free = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    captured = tuple((k, v) for k, v in env.items() if isinstance(k, str) and k in free)
    return Closure(fsrc, captured, (), defaults, src)


def _made_defaults(site, tree: ast.FunctionDef):
    """A function whose defaults are not all literals, without them, and its defaults as
    the values they have where it is made (given to it as keywords)."""
    args = tree.args
    if all(_literal(d) for d in args.defaults) or args.kwonlyargs:
        return tree, ()
    named = args.args[len(args.args) - len(args.defaults):]
    defaults = tuple((a.arg, site.lower(d)) for a, d in zip(named, args.defaults))
    bare = copy.copy(tree)
    bare.args = copy.copy(args)
    bare.args.defaults = []
    return bare, defaults


def _literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True
