"""Lowering of dicts, lists and tuples whose structure is known at compile time.

A container is a value of the environment (``env.Tup``, ``env.Dict``), not an array:
``params['W1']`` reads the value stored under the key, ``hs[t] = np.tanh(a)`` binds ``hs``
to a new container with that entry, ``hs.append(h)`` likewise. Keys and indices must be
known when the function is compiled: string keys, numbers, and loop indices of loops that
are unrolled (``for t in range(len(inputs))`` over a container, or with constant bounds,
when its body uses a container). Comprehensions over ranges and containers are unrolled
the same way.

    cache = {}                   # Dict((), ())
    cache['x'] = x               # Dict(('x',), (Var('x'),))
    hs = [h0]                    # Tup((Var('h0'),), 'list')
    for t in range(3):           # unrolled: t is 0, 1, 2
        hs.append(np.tanh(hs[t] @ W))
"""
from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import Loc, SymdiffError
from ..ir import TMP, Const, Var
from .desugar import IterationRead
from .parse import means_builtin
from .env import CONTAINERS, Closure, Dict, Obj, Tup
from . import discover
from . import list_order
from . import lower_static as static

#: At most this many iterations are unrolled (each is a copy of the body in the IR).
UNROLL_LIMIT = 1000

#: Methods of lists and dicts that change them in place (as a statement).
MUTATING = {"append", "extend", "insert", "update", "setdefault", "pop", "clear"}
#: Methods that read a container.
READING = {"items", "keys", "values", "get", "copy", "index", "count"}


@dataclass
class Site:
    """Where a container operation is lowered: the environment, and lowering's callbacks."""

    b: Any
    src: Any
    env: dict
    loc: Loc
    lower: Callable[..., Any]          # lower(expr, hint=TMP, env=None) -> value
    store: Callable[..., None]         # store(target_ast, value): bind back where it came from

    def fail(self, message: str, at: ast.AST, hint: str = "") -> SymdiffError:
        return SymdiffError(message, self.src.loc(at), hint)


def is_container(value) -> bool:
    return isinstance(value, CONTAINERS)


# ---------------------------------------------------------------- literals and keys


def literal(site: Site, e: ast.expr):
    """``[a, b]``, ``(a, *rest)``, ``{'W': W, **more}``: a container of lowered values."""
    if isinstance(e, ast.Dict):
        out = Dict((), ())
        for k, v in zip(e.keys, e.values):
            if k is None:                                  # {**other}
                other = site.lower(v)
                if not isinstance(other, Dict):
                    raise site.fail("`**` in a dict needs a dict known at compile time", v)
                for key, value in zip(other.keys, other.values):
                    out = out.with_item(key, value)
                continue
            out = out.with_item(key_of(site, site.lower(k), k), site.lower(v))
        return out
    items = []
    for x in e.elts:
        if isinstance(x, ast.Starred):
            items += list(iterate(site, site.lower(x.value), x.value))
        else:
            items.append(site.lower(x))
    return Tup(tuple(items), "list" if isinstance(e, ast.List) else "tuple")


def key_of(site: Site, value, at: ast.AST):
    """A key or index known at compile time: a string, a number, a tuple of them."""
    if isinstance(value, Const) and value.name is None and _hashable(value.value):
        return value.value
    if isinstance(value, Const) and isinstance(value.value, (int, str)):
        return value.value                                 # a named module constant
    if isinstance(value, Tup) and all(isinstance(v, Const) for v in value.items):
        return tuple(v.value for v in value.items)
    raise site.fail(f"the key `{ast.unparse(at)}` of a dict or list is not known at compile time",
                    at, "index containers with strings, numbers, or the index of a loop with "
                        "constant bounds (such loops are unrolled); for data-dependent "
                        "indices, stack the values into an array: np.stack(hs)[t]")


def _hashable(v) -> bool:
    return isinstance(v, (str, int, float, bool, type(None), tuple))


# ---------------------------------------------------------------- reading


def subscript(site: Site, base, e: ast.Subscript):
    """``c[key]`` for a container ``c``; a slice of a list gives a list."""
    if isinstance(e.slice, ast.Slice) and isinstance(base, Tup):
        bounds = [None if p is None else key_of(site, site.lower(p), p)
                  for p in (e.slice.lower, e.slice.upper, e.slice.step)]
        return Tup(base.items[slice(*bounds)], base.kind)
    key = key_of(site, site.lower(e.slice), e.slice)
    if isinstance(base, Dict) and type(e) is IterationRead:      # for key in d: ...
        return item(site, Tup(tuple(Const(k) for k in base.keys)), key, e)
    return item(site, base, key, e)


def item(site: Site, base, key, at: ast.AST):
    if isinstance(base, Dict):
        if not base.has(key):
            discover.note(base, key, at)
            shown = ", ".join(repr(k) for k in base.keys) or "none"
            raise site.fail(f"the dict has no key {key!r} here (its keys: {shown})", at,
                            "store the entry before reading it")
        return base.get(key)
    if isinstance(base, Tup):
        if not isinstance(key, int) or isinstance(key, bool) or \
                not -len(base.items) <= key < len(base.items):
            raise site.fail(f"index {key!r} is out of range for a {base.kind} of "
                            f"{len(base.items)}", at)
        return base.items[key]
    raise site.fail("only dicts, lists and tuples can be indexed here", at)


def iterate(site: Site, value, at: ast.AST) -> tuple:
    """The items a ``for`` loop or a comprehension visits: a list's items, a dict's keys."""
    if isinstance(value, Tup):
        return value.items
    if isinstance(value, Dict):
        return tuple(Const(k) for k in value.keys)
    raise site.fail(f"cannot iterate over `{ast.unparse(at)}` at compile time", at,
                    "loop over range(...) with constant bounds, or over a list or dict")


def static_range(site: Site, call: ast.Call):
    """The values of ``range(...)`` if its bounds are known at compile time, else None."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id == "range" and call.func.id not in site.env and not call.keywords
            and means_builtin(site.src.scope, call.func)
            and 1 <= len(call.args) <= 3):
        return None
    values = [site.lower(a) for a in call.args]
    if not all(isinstance(v, Const) and isinstance(v.value, int) and not isinstance(v.value, bool)
               for v in values):
        return None
    return range(*[v.value for v in values])


# ---------------------------------------------------------------- builtins and methods


def builtin(site: Site, name: str, args: list, e: ast.Call):
    """``len``, ``sum``, ``list``, ``tuple``, ``dict``, ``zip``, ``enumerate``... over
    containers; None when no argument is a container (NumPy's reading applies)."""
    if name == "str" and len(args) == 1 and isinstance(args[0], Const):
        return Const(str(args[0].value))            # a key: 'W' + str(i + 1)
    if name == "sum" and 1 <= len(args) <= 2 and isinstance(args[0], Var):
        total = site.b.emit("sum", [args[0]], TMP, site.loc, axis=0, keepdims=False)
        if len(args) == 1:                          # sum(x) adds the rows of an array
            return total
        return site.b.ew(lambda a, b: a + b, [_value(site, args[1], e), total], TMP, site.loc, "")
    if not any(is_container(a) for a in args) and name not in ("range", "list", "dict",
                                                                 "tuple"):
        return None
    if name == "len" and len(args) == 1:
        return Const(len(iterate(site, args[0], e.args[0])))
    if name == "sum" and 1 <= len(args) <= 2:
        items = list(iterate(site, args[0], e.args[0]))
        total = args[1] if len(args) == 2 else Const(0)
        for x in items:
            total = site.b.ew(lambda a, b: a + b, [_value(site, total, e), _value(site, x, e)],
                              TMP, site.loc, "")
        return total
    if name in ("list", "tuple") and len(args) <= 1:
        items = iterate(site, args[0], e.args[0]) if args else ()
        return Tup(tuple(items), name)
    if name == "dict" and not args and not e.keywords:
        return Dict((), ())
    if name == "dict" and len(args) == 1 and isinstance(args[0], Dict):
        return Dict(args[0].keys, args[0].values)
    if name == "range" and all(isinstance(a, Const) and isinstance(a.value, int) for a in args):
        return Tup(tuple(Const(k) for k in range(*[a.value for a in args])), "list")
    if name == "zip" and args:
        columns = [iterate(site, a, x) for a, x in zip(args, e.args)]
        return Tup(tuple(Tup(row) for row in zip(*columns)), "list")
    if name == "enumerate" and len(args) == 1:
        return Tup(tuple(Tup((Const(k), v)) for k, v in enumerate(iterate(site, args[0],
                                                                          e.args[0]))), "list")
    if name == "reversed" and len(args) == 1:
        return Tup(tuple(reversed(iterate(site, args[0], e.args[0]))), "list")
    if name in ("max", "min") and len(args) == 1 and isinstance(args[0], Tup):
        from ..primitives import elementwise as E
        row = E.TABLE["maximum" if name == "max" else "minimum"]
        items = [_value(site, x, e) for x in args[0].items]
        if not items:
            raise site.fail(f"{name}() of an empty list", e, "pass at least one value")
        value = items[0]
        for more in items[1:]:
            value = site.b.ew(row.forward, [value, more], TMP, site.loc, "math")
        return value
    return None


def _value(site: Site, v, at: ast.AST):
    if isinstance(v, (Var, Const)):
        return v
    raise site.fail("expected a number or an array here, found a container", at,
                    "add arrays with +, or stack them: np.stack(xs)")


def method(site: Site, base, base_ast: ast.expr, name: str, args: list, e: ast.Call,
           keywords: dict | None = None):
    """A list or dict method: reading ones return a value; changing ones bind the
    container anew where it came from (``hs.append(h)`` rebinds ``hs``) and return None."""
    if keywords and not (name == "update" and isinstance(base, Dict)) and name != "sort":
        raise site.fail(f"`.{name}()` takes no keyword arguments here", e,
                        "pass the arguments by position")
    if isinstance(base, Dict) and name == "update" and keywords and len(args) <= 1 and \
            all(isinstance(a, Dict) for a in args):            # d.update(other, c=v)
        merged = args[0] if args else Dict((), ())
        for k, v in keywords.items():
            merged = merged.with_item(k, v)
        args = [merged]
    if isinstance(base, Dict):
        if name == "items" and not args:
            return Tup(tuple(Tup((Const(k), v)) for k, v in zip(base.keys, base.values)), "list")
        if name == "keys" and not args:
            return Tup(tuple(Const(k) for k in base.keys), "list")
        if name == "values" and not args:
            return Tup(base.values, "list")
        if name == "get" and 1 <= len(args) <= 2:
            key = key_of(site, args[0], e.args[0])
            return base.get(key, args[1] if len(args) == 2 else Const(None))
        if name == "copy" and not args:
            return Dict(base.keys, base.values)
        if name == "update" and len(args) == 1 and isinstance(args[0], Dict):
            new = base
            for k, v in zip(args[0].keys, args[0].values):
                new = new.with_item(k, v)
            return _changed(site, base_ast, base, new, Const(None), e)
        if name == "setdefault" and len(args) == 2:
            key = key_of(site, args[0], e.args[0])
            if base.has(key):
                return base.get(key)
            return _changed(site, base_ast, base, base.with_item(key, args[1]), args[1], e)
        if name == "pop" and 1 <= len(args) <= 2:
            key = key_of(site, args[0], e.args[0])
            value = base.get(key, args[1] if len(args) == 2 else None)
            if value is None:
                raise site.fail(f"the dict has no key {key!r} here", e)
            kept = [(k, v) for k, v in zip(base.keys, base.values) if k != key]
            new = Dict(tuple(k for k, _ in kept), tuple(v for _, v in kept))
            return _changed(site, base_ast, base, new, value, e)
    if isinstance(base, Tup):
        if name in ("append", "extend", "insert", "pop", "clear") and base.kind != "list":
            raise site.fail(f"a tuple has no method `.{name}()`", e.func)
        if name == "append" and len(args) == 1:
            return _changed(site, base_ast, base, Tup(base.items + (args[0],), "list"),
                            Const(None), e)
        if name == "extend" and len(args) == 1:
            more = iterate(site, args[0], e.args[0])
            return _changed(site, base_ast, base, Tup(base.items + tuple(more), "list"),
                            Const(None), e)
        if name == "insert" and len(args) == 2:
            at = key_of(site, args[0], e.args[0])
            items = list(base.items)
            items.insert(at, args[1])
            return _changed(site, base_ast, base, Tup(tuple(items), "list"), Const(None), e)
        if name == "pop" and len(args) <= 1:
            at = key_of(site, args[0], e.args[0]) if args else -1
            items = list(base.items)
            value = items.pop(at)
            return _changed(site, base_ast, base, Tup(tuple(items), "list"), value, e)
        if name == "copy" and not args:
            return Tup(base.items, base.kind)
        if name in ("sort", "reverse", "remove") and base.kind == "list":
            return list_order.method(site, base, name, args, e, lambda new, result: _changed(
                site, base_ast, base, new, result, e))
    kind = "dict" if isinstance(base, Dict) else "list"
    raise site.fail(f"`.{name}()` of a {kind} is not supported here", e.func,
                    "use append, extend, insert, pop, items, keys, values, get or update "
                    "with keys known at compile time")


def _changed(site: Site, base_ast: ast.expr, old, new, result, e: ast.Call):
    site.store(base_ast, new, old)
    return result


# ---------------------------------------------------------------- comprehensions


def comprehension(site: Site, e: ast.expr):
    """``[f(x) for x in xs if c]``, ``{k: v for ...}``, ``sum(... for ...)``: unrolled."""
    results: list = []

    def run(generators, env):
        if not generators:
            if isinstance(e, ast.DictComp):
                results.append((site.lower(e.key, env=env), site.lower(e.value, env=env)))
            else:
                results.append(site.lower(e.elt, env=env))
            return
        gen = generators[0]
        if gen.is_async:
            raise site.fail("async comprehensions are not supported", e)
        items = _items(site, gen.iter, env, e)
        if len(items) > UNROLL_LIMIT:
            raise site.fail(f"a comprehension over {len(items)} items is too long to unroll",
                            gen.iter, "use an array operation instead")
        for value in items:
            inner = dict(env)
            bind_target(site, gen.target, value, inner)
            last.update({n.id: inner[n.id] for n in ast.walk(gen.target)
                         if isinstance(n, ast.Name)})
            keep = True
            for cond in gen.ifs:
                test = site.lower(cond, env=inner)
                if not (isinstance(test, Const) and test.name is None):
                    raise site.fail("the condition of a comprehension must be known at compile "
                                    "time", cond, "use np.where for data-dependent choices")
                keep = keep and bool(test.value)
            if keep:
                run(generators[1:], inner)

    last: dict = {}              # each target's value after the comprehension's last item
    run(e.generators, site.env)
    results = [_late_bound(r, last) for r in results]
    if isinstance(e, ast.DictComp):
        out = Dict((), ())
        for k, v in results:
            out = out.with_item(key_of(site, k, e.key), v)
        return out
    return Tup(tuple(results), "list")


def _late_bound(value, last: dict):
    """``value`` with its functions reading the comprehension's targets as they are once
    it has ended, as Python's closures do (``[lambda t: t * k for k in range(3)]``: every
    lambda multiplies by 2)."""
    if isinstance(value, Closure):
        captured = tuple((n, last.get(n, v)) for n, v in value.captured)
        return value if captured == value.captured else dataclasses.replace(
            value, captured=captured)
    if isinstance(value, tuple):
        return tuple(_late_bound(v, last) for v in value)
    if isinstance(value, Tup):
        return Tup(tuple(_late_bound(v, last) for v in value.items), value.kind)
    if isinstance(value, Dict):
        return Dict(value.keys, tuple(_late_bound(v, last) for v in value.values))
    return value


_WORD = {ast.ListComp: "list comprehension", ast.DictComp: "dict comprehension",
         ast.GeneratorExp: "generator expression"}


def _items(site: Site, it: ast.expr, env, comp: ast.expr) -> tuple:
    word = _WORD[type(comp)]
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" \
            and it.func.id not in env and means_builtin(site.src.scope, it.func):
        bounds = [site.lower(a, env=env) for a in it.args]
        if not all(isinstance(v, Const) and isinstance(v.value, int) for v in bounds):
            raise site.fail(f"a {word} over range(...) needs bounds known at compile time",
                            it, "use an array operation, or make the bounds constants")
        return tuple(Const(k) for k in range(*[v.value for v in bounds]))
    value = site.lower(it, env=env)
    if isinstance(value, Var):
        raise site.fail(f"a {word} over an array is supported only as the argument of "
                        "sum(...), np.array(...), np.asarray(...) or np.stack(...)", comp,
                        "keep the rows in an array: np.stack([... for r in x]) is a loop over "
                        "them; or use an array operation (broadcasting, np.sum(..., axis=...))")
    return iterate(site, value, it)


def bind_target(site: Site, target: ast.expr, value, env: dict) -> None:
    """Bind a loop or comprehension target (a name or a tuple of names)."""
    if isinstance(target, ast.Name):
        env[target.id] = value
        return
    if isinstance(target, (ast.Tuple, ast.List)):
        items = iterate(site, value, target) if isinstance(value, Tup) else None
        if items is None or len(items) != len(target.elts):
            raise site.fail("cannot unpack this item into these names", target)
        for t, v in zip(target.elts, items):
            bind_target(site, t, v, env)
        return
    raise site.fail("a comprehension's target must be names", target)


# ---------------------------------------------------------------- loops


def unrolls(site: Site, stmt: ast.For, iterations) -> bool:
    """Is this ``for`` loop over a static range to be unrolled, because its body uses a
    container (indexing it by the loop index, appending, building one)?"""
    if iterations is None:
        return False
    for node in ast.walk(ast.Module(stmt.body, [])):
        if isinstance(node, (ast.Dict, ast.List, ast.ListComp, ast.DictComp, ast.Lambda,
                             ast.FunctionDef, ast.GeneratorExp)):
            return True
        if isinstance(node, ast.Name) and isinstance(site.env.get(node.id),
                                                     CONTAINERS + (Closure,)):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in MUTATING:
            return True
        if isinstance(node, ast.Subscript) and _built_key(node.slice):
            return True                   # params['W%d' % (i + 1)]: a key per iteration
    return False


def _built_key(e: ast.expr) -> bool:
    """``f"W{i}"``, ``'W%d' % i``, ``'W' + str(i)``: a string key built from the loop."""
    def text(x):
        return isinstance(x, ast.JoinedStr) or isinstance(x, ast.Constant) and \
            isinstance(x.value, str)
    return isinstance(e, ast.JoinedStr) or isinstance(e, ast.BinOp) and \
        (text(e.left) or text(e.right)) or static.is_format_call(e)


def too_long(site: Site, stmt, iterations) -> None:
    if len(iterations) > UNROLL_LIMIT:
        raise site.fail(f"this loop uses a list or dict and runs {len(iterations)} times, too "
                        f"many to unroll (at most {UNROLL_LIMIT})", stmt,
                        "keep the values in an array instead: out = np.zeros((n, ...)); "
                        "out[t] = ...")


# ---------------------------------------------------------------- branches


def merge(b, seen: list, hint: str, as_value) -> tuple[list, list, Any] | None:
    """Containers of the same structure on every path: one phi value per entry that
    differs. Returns (outs, per-branch values, merged container), or None."""
    first = seen[0]
    if not all(_same_shape(v, first) for v in seen):
        return None
    outs, values = [], [[] for _ in seen]

    def go(vals, label):
        v0 = vals[0]
        if isinstance(v0, Tup):
            return Tup(tuple(go([v.items[k] for v in vals], f"{label}_{k}")
                             for k in range(len(v0.items))), v0.kind)
        if isinstance(v0, Dict):
            return Dict(v0.keys, tuple(go([v.values[k] for v in vals], f"{label}_{key}")
                                       for k, key in enumerate(v0.keys)))
        if isinstance(v0, Obj):
            return Obj(v0.cls, go([v.attrs for v in vals], label))
        if all(v is v0 or v == v0 for v in vals):
            return v0
        out = b.names.fresh(_identifier(label))
        outs.append(out)
        for k, v in enumerate(vals):
            values[k].append(as_value(v))
        return out

    merged = go(seen, hint)
    return outs, [tuple(v) for v in values], merged


def _same_shape(a, b) -> bool:
    if isinstance(a, Tup) and isinstance(b, Tup):
        return a.kind == b.kind and len(a.items) == len(b.items) and \
            all(_same_shape(x, y) for x, y in zip(a.items, b.items))
    if isinstance(a, Dict) and isinstance(b, Dict):
        return a.keys == b.keys and all(_same_shape(x, y) for x, y in zip(a.values, b.values))
    if isinstance(a, Obj) and isinstance(b, Obj):
        return a.cls is b.cls and _same_shape(a.attrs, b.attrs)
    return not is_container(a) and not is_container(b)


def _identifier(label: str) -> str:
    text = "".join(c if c.isalnum() or c == "_" else "_" for c in str(label))
    return text if text and not text[0].isdigit() else "v_" + text


def list_item(site: Site, base: Tup, key, value, at):
    """``base`` (a list) with item ``key`` set to ``value``; a tuple is refused."""
    if base.kind != "list":
        raise site.fail("a tuple cannot be assigned into", at, "use a list")
    if not isinstance(key, int) or not -len(base.items) <= key < len(base.items):
        raise site.fail(f"list index {key!r} is out of range here (the list has "
                        f"{len(base.items)} items)", at, "append to the list instead")
    return base.with_item(key, value)
