"""Pytrees at the boundary: arguments that are dicts, lists, tuples and objects.

As in JAX, an argument may be a (nested) dict, list or tuple of floats and arrays, or an
object of the user's own class (``self`` of a bound method); its gradient has the same
structure (a dict for a dict; an object's gradient is a dict of its attributes). At the
call the structure is flattened into leaves, and the function is compiled once per
structure with one parameter per leaf: ``params['W1']`` is bound to the leaf
``params_W1`` when the function is lowered (string keys are static structure), so the
reverse pass, the optimizer and codegen see plain arrays.

The names a function reads from its closure or its module that hold arrays, containers
or objects are read at each call, as inputs that are not differentiated.

    >>> g = symdiff.grad(loss)                        # loss(params, X, y)
    >>> g({"W": W, "b": b}, X, y)                     # {"W": dW, "b": db}
    >>> symdiff.grad(net.loss, wrt="params")(X, y)    # net.params's structure
"""
from __future__ import annotations

import ast
import copy
import dataclasses
import functools
import inspect
import types
from typing import Any

import numpy as np

from .errors import SymdiffError
from .frontend import fence
from .frontend.env import Dict, Obj, Opaque, Tup
from .frontend.lower_objects import ClassInfo
from .frontend.parse import source_of, _user_class
from .helper_inputs import helper_arrays, names_read, unchanged
from .ir import Const, Var

LEAF = ("leaf",)


# ---------------------------------------------------------------- structure


def is_structured(value) -> bool:
    """Does this argument have structure to flatten (a list of numbers stays an array)?"""
    if isinstance(value, dict) or _is_object(value):
        return True
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, np.ndarray) or is_structured(v) for v in value) or \
            isinstance(value, list) and bool(value) and all(type(v) is int for v in value)
    return False


def _is_object(value) -> bool:
    return not isinstance(value, type) and hasattr(value, "__dict__") and \
        not isinstance(value, (types.FunctionType, types.ModuleType, np.ndarray)) and \
        _user_class(type(value))


def _is_leaf(value) -> bool:
    return isinstance(value, (float, int, np.ndarray, np.number, complex, list)) and \
        not isinstance(value, bool)


def flatten(value, path: tuple) -> tuple[Any, list]:
    """(the structure of ``value``, its leaves as (path, value) pairs in order)."""
    if isinstance(value, dict):
        parts = [_entry(v, path + (k,)) for k, v in value.items()]
        return ("dict", tuple(value), tuple(p[0] for p in parts)), [x for p in parts for x in p[1]]
    if isinstance(value, (list, tuple)) and (is_structured(value) or isinstance(value, tuple)):
        parts = [flatten(v, path + (k,)) for k, v in enumerate(value)]
        kind = "list" if isinstance(value, list) else "tuple"
        return (kind, tuple(p[0] for p in parts)), [x for p in parts for x in p[1]]
    if _is_object(value):
        names = tuple(vars(value))
        parts = [_entry(getattr(value, n), path + (n,)) for n in names]
        return ("object", type(value), names, tuple(p[0] for p in parts)), \
            [x for p in parts for x in p[1]]
    if _is_leaf(value):
        return LEAF, [(path, value)]
    if isinstance(value, (str, bool, type(None), np.bool_)):
        return ("static", value if not isinstance(value, np.bool_) else bool(value)), []
    return ("opaque", type(value).__name__), []


def _entry(value, path: tuple) -> tuple[Any, list]:
    """A dict entry or an attribute: an int there is configuration (``self.num_layers``,
    ``conv_param['stride']``), known at compile time, so loops over it unroll and keys
    built from it are known; the function is compiled again for another value."""
    if type(value) is int:
        return ("static", value), []
    return flatten(value, path)


def env_value(structure, names) -> Any:
    """The lowering value of a structure whose leaves are the parameters ``names``."""
    kind = structure[0]
    if kind == "leaf":
        return Var(next(names))
    if kind == "static":
        return Const(structure[1])
    if kind == "opaque":
        return Opaque(structure[1])
    if kind == "dict":
        return Dict(structure[1], tuple(env_value(s, names) for s in structure[2]))
    if kind in ("list", "tuple"):
        return Tup(tuple(env_value(s, names) for s in structure[1]), kind)
    return Obj(ClassInfo.of_live(structure[1]),
               Dict(structure[2], tuple(env_value(s, names) for s in structure[3])))


def rebuild(structure, leaves) -> Any:
    """Values in ``structure``'s shape from its leaves' values (an object as a dict);
    static entries become None: they have no gradient."""
    kind = structure[0]
    if kind == "leaf":
        return next(leaves)
    if kind in ("static", "opaque"):
        return None
    if kind == "dict":
        return {k: rebuild(s, leaves) for k, s in zip(structure[1], structure[2])}
    if kind in ("list", "tuple"):
        items = [rebuild(s, leaves) for s in structure[1]]
        return items if kind == "list" else tuple(items)
    return {k: rebuild(s, leaves) for k, s in zip(structure[2], structure[3])}


def subtree(structure, path: tuple):
    for step in path:
        kind = structure[0]
        if kind == "dict":
            structure = structure[2][structure[1].index(step)]
        elif kind in ("list", "tuple"):
            structure = structure[1][step]
        else:
            structure = structure[3][structure[2].index(step)]
    return structure


# ---------------------------------------------------------------- the flat function


def leaf_name(path: tuple, taken: set) -> str:
    text = "_".join(str(p) for p in path)
    text = "".join(c if c.isalnum() or c == "_" else "_" for c in text) or "leaf"
    if text[0].isdigit():
        text = "v_" + text
    name, k = text, 0
    while name in taken:
        k += 1
        name = f"{text}_{k}"
    taken.add(name)
    return name


def flat_source(src, params: list[str], structures: tuple, leaf_paths: list):
    """``src`` with one parameter per leaf; structured parameters bound in ``boundary``."""
    taken = {n.id for n in ast.walk(src.tree) if isinstance(n, ast.Name)} | \
        {a.arg for a in ast.walk(src.tree) if isinstance(a, ast.arg)}
    names, boundary = [], []
    k = 0
    for name, structure in zip(params, structures):
        count = _count(structure)
        if structure == LEAF:
            names.append(name)
        else:
            own = [leaf_name(path, taken) for path, _ in leaf_paths[k:k + count]]
            names += own
            boundary.append((name, env_value(structure, iter(own))))
        k += count
    tree = copy.copy(src.tree)
    tree.args = ast.arguments(posonlyargs=[], args=[ast.arg(n) for n in names], vararg=None,
                              kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    return dataclasses.replace(src, tree=tree, boundary=tuple(boundary))


def _count(structure) -> int:
    kind = structure[0]
    if kind == "leaf":
        return 1
    if kind in ("static", "opaque"):
        return 0
    children = structure[2] if kind == "dict" else structure[1] if kind in ("list", "tuple") \
        else structure[3]
    return sum(map(_count, children))


# ---------------------------------------------------------------- calls


@dataclasses.dataclass
class Call:
    """One call of a structured function: its parameters, arguments, what ``wrt`` names."""

    base: Any                   # the plain function
    params: list                # its parameters, then the free names read at call time
    args: tuple
    visible: list               # the parameters the caller names (no self, no partial's)
    first: Any = None           # the object of a bound method
    module_inputs: tuple = ()   # ((id of a module's globals, name), parameter) read per call


def needs_structure(gradient, args, kwargs) -> bool:
    """Does this call of ``gradient`` go through a flat function (``call``)?"""
    if getattr(gradient, "flat", False):
        return False
    fn = gradient.fn
    if isinstance(fn, (types.MethodType, functools.partial)):
        return True
    if (kwargs or not all(map(_PLAIN.__contains__, map(type, args)))) and \
            (any(map(is_structured, args)) or any(map(is_structured, kwargs.values()))):
        return True
    if isinstance(fn, types.FunctionType) and _structured_default(fn, len(args) + len(kwargs)):
        return True
    return isinstance(fn, types.FunctionType) and _reads_inputs(gradient, fn)


def _structured_default(fn, given: int) -> bool:
    """A dict, list or object default the call leaves out is structure too (``cfg={...}``)."""
    defaults = fn.__defaults__ or ()
    first = fn.__code__.co_argcount - len(defaults)
    return any(is_structured(d) for k, d in enumerate(defaults) if first + k >= given)


def _reads_inputs(gradient, fn) -> bool:
    """Whether ``fn`` or its helpers read arrays, containers or objects from their modules
    or closure: found once, and again only when one of the names it read holds another
    object (asked at every call, so kept cheap)."""
    memo = getattr(gradient, "_inputs_memo", None)
    if memo is not None and memo[0] is fn and unchanged(memo[1]):
        return memo[2]
    reads = names_read(fn)
    answer = bool(free_inputs(fn) or helper_arrays(fn))
    if reads is not None:
        gradient._inputs_memo = (fn, reads, answer)
    return answer


#: argument types that never hold structure (is_structured is False for them)
_PLAIN = {np.ndarray, float, int, np.float64, np.float32}

_FREE: dict = {}


def free_inputs(fn) -> list[str]:
    """Free names of ``fn`` holding arrays, containers or objects: inputs read per call."""
    code = fn.__code__
    names = _FREE.get(code)
    if names is None:
        names = _FREE[code] = list(dict.fromkeys(list(code.co_freevars) + _global_names(code)))
    return [n for n in names if _is_input(_lookup(fn, n))]


def _global_names(code) -> list[str]:
    out = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out += _global_names(const)
    return out


def _lookup(fn, name):
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    if name in cells:
        try:
            return cells[name].cell_contents
        except ValueError:
            return None
    return fn.__globals__.get(name)


def _is_input(value) -> bool:
    return isinstance(value, (np.ndarray, dict, list, tuple)) or _is_object(value)


def bind_call(fn, args, kwargs) -> Call:
    """The plain function and all its arguments, for a function, a bound method or a
    ``functools.partial``; the free names read at call time come last."""
    first, given, fixed = None, (), {}
    base = fn
    if isinstance(fn, functools.partial):
        base, given, fixed = fn.func, fn.args, dict(fn.keywords)
    if isinstance(base, types.MethodType):
        first, base = base.__self__, base.__func__
        given = (first,) + tuple(given)
    if not isinstance(base, types.FunctionType):
        raise SymdiffError(f"symdiff differentiates Python functions, not "
                           f"{type(base).__name__}", hint="pass a function defined with `def`")
    signature = inspect.signature(base)
    try:
        bound = signature.bind(*given, *args, **{**fixed, **kwargs})
    except TypeError as exc:
        raise SymdiffError(f"{base.__name__}() {exc}",
                           hint=f"call it as {base.__name__}{signature}") from None
    bound.apply_defaults()
    params = list(signature.parameters)
    values = [bound.arguments[p] for p in params]
    visible = [p for p in params[len(given):] if p not in fixed]
    extra = free_inputs(base)
    arrays = _helper_arrays(base, params + extra)
    return Call(base, params + extra + [p for _, p, _ in arrays],
                tuple(values) + tuple(_lookup(base, n) for n in extra) +
                tuple(v for _, _, v in arrays), visible, first,
                tuple((key, p) for key, p, _ in arrays) +
                tuple(((id(base.__globals__), n), n) for n in extra))


def _helper_arrays(base, taken: list) -> list[tuple]:
    """(key, parameter, value) of the module arrays the helpers read (``helper_inputs``)
    that are not the function's own free names, each a parameter named apart."""
    names = set(taken) | set(base.__code__.co_varnames) | set(base.__code__.co_names)
    out = []
    for key, name, value in helper_arrays(base):
        if key == (id(base.__globals__), name) and name in taken:
            continue                                  # the function reads it too: one input
        param, k = name, 0
        while param in names:
            k += 1
            param = f"{name}_{k}"
        names.add(param)
        out.append((key, param, value))
    return out


_FLAT_CLASSES: dict = {}


def _gradient_class(kind=None):
    """The flat version of a derivative's class (``Gradient`` by default, or ``JVP``,
    ``HVP``, ``VJP``): the same derivative of the function with one parameter per leaf."""
    from .api import Gradient
    kind = Gradient if kind is None else kind
    if kind not in _FLAT_CLASSES:
        _FLAT_CLASSES[kind] = _flat_class(kind)
    return _FLAT_CLASSES[kind]


def _flat_class(kind):
    class FlatGradient(kind):
        """The derivative of a function with one parameter per leaf (``flat_source``)."""

        flat = True

        def __init__(self, fn, build, wrt, with_value, jit, prefix):
            super().__init__(fn, wrt, with_value, jit)
            self._build, self.prefix = build, prefix

        def _source(self):
            if self._src is None:
                src = self._build()
                fence.check(src)
                self._src = src
            return self._src

    return FlatGradient


def _paths(call: Call) -> tuple[tuple, list]:
    structures, leaves = [], []
    for name, value in zip(call.params, call.args):
        structure, found = flatten(value, (name,))
        structures.append(structure)
        leaves += found
    return tuple(structures), leaves


def targets(outer, call: Call) -> tuple[list[tuple], bool]:
    """What ``wrt`` names, as paths from the parameters: ``("params",)``, or
    ``("self", "params")`` for an attribute of a bound method's object."""
    wrt = outer.wrt
    items, several = (wrt, True) if isinstance(wrt, (tuple, list)) else ((wrt,), False)
    out = []
    for item in items:
        if isinstance(item, str) and item in call.visible:
            out.append((item,))
        elif isinstance(item, str) and call.first is not None and hasattr(call.first, item):
            out.append((call.params[0], item))
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool) and \
                -len(call.visible) <= item < len(call.visible):
            out.append((call.visible[int(item)],))
        else:
            choices = list(call.visible) + (sorted(vars(call.first)) if call.first is not None
                                            else [])
            raise SymdiffError(f"wrt names {item!r}, which is not a parameter of "
                               f"{call.base.__name__}" + (" nor an attribute of its object"
                                                          if call.first is not None else ""),
                               hint=f"choose from: {', '.join(map(str, choices))}")
    return out, several


def _differentiable(value) -> bool:
    if isinstance(value, (float, np.floating)):
        return True
    return isinstance(value, (np.ndarray, list)) and np.asarray(value).dtype.kind == "f"


def call(outer, args, kwargs):
    """``outer(*args, **kwargs)`` for a structured function: flatten, run, rebuild."""
    from .api import like_argument
    flat, values, (bound, structures, leaves, wanted, several, positions, owners) = \
        flat_gradient(outer, args, kwargs)
    result = flat._run(values)
    value, grads = result if outer.with_value else (None, result)
    grads = grads if isinstance(grads, tuple) else (grads,)
    out = []
    for t, path in enumerate(wanted):
        root = structures[bound.params.index(path[0])]
        structure = subtree(root, path[1:])
        mine = iter(like_argument(g, values[k]) for g, k, o in zip(grads, positions, owners)
                    if o == t)
        out.append(rebuild(_only_floats(structure, path, leaves), mine))
    gradient = tuple(out) if several else out[0]
    return (value, gradient) if outer.with_value else gradient


def flat_gradient(outer, args, kwargs):
    """The gradient of the flat function for these arguments' structure (compiled once per
    structure), the leaves to call it with, and how to rebuild its results."""
    bound = bind_call(outer.fn, args, kwargs)
    structures, leaves = _paths(bound)
    wanted, several = targets(outer, bound)
    positions, owners = [], []
    for t, path in enumerate(wanted):
        for k, (leaf_path, value) in enumerate(leaves):
            if leaf_path[:len(path)] == path and (len(leaf_path) == len(path) or
                                                  _differentiable(value)):
                positions.append(k)
                owners.append(t)
    if not positions:
        shown = ", ".join(".".join(map(str, p)) for p in wanted)
        raise SymdiffError(f"nothing to differentiate: {shown} holds integers or no numbers "
                           "(labels or indices have no gradient)",
                           hint="differentiate with respect to floats or float arrays")
    key = (structures, tuple(positions), outer.with_value, outer.prefix)
    flat = outer.__dict__.setdefault("_flat", {}).get(key)
    if flat is None:
        base, params = bound.base, bound.params

        def build(base=base, params=params, structures=structures, leaves=leaves,
                  inputs=bound.module_inputs):
            src = source_of(base)
            src = dataclasses.replace(src, tree=_with_params(src.tree, params),
                                      module_inputs=inputs)
            return flat_source(src, params, structures, leaves)

        flat = _gradient_class(type(outer))(base, build, tuple(positions), outer.with_value,
                                            outer.jit, outer.prefix)
        outer._flat[key] = flat
    values = flat._bind(tuple(v for _, v in leaves))
    return flat, values, (bound, structures, leaves, wanted, several, positions, owners)


def _only_floats(structure, path, leaves):
    """The structure with leaves that have no gradient (integers) made static."""
    inside = [v for p, v in leaves if p[:len(path)] == path]
    if structure == LEAF:
        return structure
    flags = iter(_differentiable(v) for v in inside)

    def go(s):
        kind = s[0]
        if kind == "leaf":
            return s if next(flags) else ("static", None)
        if kind in ("static", "opaque"):
            return s
        if kind == "dict":
            return (kind, s[1], tuple(map(go, s[2])))
        if kind in ("list", "tuple"):
            return (kind, tuple(map(go, s[1])))
        return (kind, s[1], s[2], tuple(map(go, s[3])))

    return go(structure)


def _with_params(tree: ast.FunctionDef, params: list[str]) -> ast.FunctionDef:
    """The def with the free names read at call time as parameters after its own."""
    new = copy.copy(tree)
    own = [a.arg for a in tree.args.args]
    new.args = copy.copy(tree.args)
    new.args.args = list(tree.args.args) + [ast.arg(p) for p in params[len(own):]]
    return new
