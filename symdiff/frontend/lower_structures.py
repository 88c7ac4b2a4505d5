"""Lowering of what programs are built of besides arrays: containers, objects, closures,
and the statements the result does not depend on.

``lower`` asks this module first about each expression and statement; it answers with a
value, or ``NOT_MINE`` where plain array lowering applies. Containers are
``lower_containers``'s, objects and closures ``lower_objects``'s; here they meet the
lowering environment:

    assert x.shape == (N, D)     refused where it fails at compile time, dropped otherwise
    print(...), a cache dict     dropped when the result does not depend on them
    def step(h): ... / lambda    a closure over the names it reads
    Sigmoid()(x), net.loss(X)    inlined methods; what they assign to self is written back

Like ``lower_memory``, it reads lowering's own functions at call time.
"""
from __future__ import annotations

import ast

from ..errors import SymdiffError
from ..ir import TMP, Const, Var
from . import callees
from .parse import means_builtin
from . import custom_rules
from . import lower_containers as C
from . import list_order
from . import entry_sharing
from . import lower_memory as memory
from . import lower_objects as O
from . import module_objects
from . import lower_row_loops as row_loops
from . import lower_inline as inline
from . import discover
from . import vectorized
from .lower_static import _folded, _format, _machine_constant, _number, format_call, \
    is_format_call, is_membership, is_string_method, membership, string_method
from .env import Bound, Closure, Dict, Helper, LoopChanged, Obj, Tup

NOT_MINE = object()


def _site(b, src, env, loc, stack):
    from . import lower as L

    def lower(e, hint=TMP, env=env):
        return L._expr(b, src, env, e, loc, stack, hint)

    def store(target, value, old=None):
        _store(b, src, env, target, value, loc, stack, old)

    site = C.Site(b, src, env, loc, lower, store)
    site.stack = stack
    site.statement = lambda stmt: L._lower_statement(b, src, env, stmt, stack, None)
    site.hidden = lambda value, at: L._bind_hidden(env, value, at)
    site.inline = lambda fsrc, args, keywords, hint, at, captured, want_self, leading=0: \
        _inline(b, src, env, fsrc, args, keywords, loc, stack, hint, at, captured, want_self,
                leading)
    return site


# ---------------------------------------------------------------- expressions


def expression(b, src, env, e: ast.expr, loc, stack, hint):
    """The value of ``e`` if it involves containers, objects or closures, else NOT_MINE."""
    site = _site(b, src, env, loc, stack)
    if isinstance(e, (ast.Dict, ast.List)) or isinstance(e, ast.Tuple) and \
            any(isinstance(x, ast.Starred) for x in e.elts):
        return C.literal(site, e)
    if isinstance(e, (ast.ListComp, ast.DictComp, ast.GeneratorExp)):
        return C.comprehension(site, e)
    if isinstance(e, ast.Lambda):
        return O.closure(site, src, env, e)
    if isinstance(e, ast.IfExp):
        test = _static(site, e.test)
        if test is not None:                      # ``h0 if t == 0 else hs[t - 1]``, unrolled
            return site.lower(e.body if test.value else e.orelse, hint)
        return NOT_MINE
    if isinstance(e, ast.JoinedStr):
        return _format(site, e)
    if is_format_call(e):                         # params['W{}'.format(i + 1)]
        return format_call(site, e)
    if is_membership(e) and (_touches(src, env, e.comparators[0]) or     # 'seed' in param
                             isinstance(e.comparators[0], (ast.Name, ast.Constant, ast.Tuple))):
        found = membership(site, e)
        if found is not None:
            return found
    if is_string_method(site, e):                 # name.startswith('W')
        return string_method(site, e)
    if isinstance(e, ast.BinOp) and (_touches(src, env, e) or _stringy(e) or _tupled(e)):
        return _binop(site, e, hint)
    if isinstance(e, ast.Starred):
        raise site.fail("star-arguments are supported in lists, tuples and calls of your own "
                        "functions, not here", e, "pass the arguments one by one")
    if isinstance(e, ast.Attribute) and _finfo(src, env, e.value):
        return _machine_constant(site, e)
    if isinstance(e, ast.Subscript) and isinstance(e.value, ast.Name) and \
            isinstance(env.get(e.value.id), Var) and _string_key(site, e) is not None:
        key = _string_key(site, e)
        discover.note(env.get(e.value.id), key, e)
        raise site.fail(f"`{e.value.id}` is indexed by the key {key!r}, but its "
                        "structure is not known here", e,
                        f"call the gradient with `{e.value.id}` as a dict (it is compiled for "
                        "its keys), or use source_for(...) with the arguments")
    if isinstance(e, (ast.Subscript, ast.Attribute)) and not _touches(src, env, e.value):
        return NOT_MINE               # arrays only: the array rules, on the expression as written
    if isinstance(e, ast.Subscript) and not (isinstance(e.value, ast.Attribute)
                                             and e.value.attr == "shape"):
        return _subscript(site, e, hint)
    if isinstance(e, ast.Attribute) and O.of_a_class(site, e):       # Cls.K
        return O.class_attribute(site, src.scope.class_info(e.value.id), e.attr, e)
    if isinstance(e, ast.Attribute) and not _module_path(src, env, e):
        base = site.lower(e.value)
        if isinstance(base, Obj):
            return O.attribute(site, base, e.attr, e)
        if isinstance(base, (Dict, Tup)):
            raise site.fail(f"`.{e.attr}` of a dict or list is only supported in a call", e)
        return _rewritten(site, e, "value", base, hint)
    if isinstance(e, ast.Call) and row_loops.mapped(site, e) is not None:
        return site.lower(row_loops.mapped(site, e), hint)     # map(f, xs): [f(x) for x in xs]
    if isinstance(e, ast.Call):
        value = row_loops.consumed(site, e, hint)
        return _call(site, e, hint) if value is row_loops.NOT_MINE else value
    return NOT_MINE


def _finfo(src, env, e) -> bool:
    return isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and \
        e.func.attr in ("finfo", "iinfo") and _module_path(src, env, e.func) and len(e.args) == 1


def _static(site, e: ast.expr):
    """The value of a condition when it is known at compile time (a Const), else None."""
    if not _touches(site.src, site.env, e) and not any(
            isinstance(n, ast.Name) and isinstance(site.env.get(n.id), Const)
            for n in ast.walk(e)):
        return None
    try:
        value = _folded(site, e)
    except SymdiffError:
        return None
    return value if isinstance(value, Const) and value.name is None else None


def _stringy(e: ast.BinOp) -> bool:
    """``'W' + str(i)``, ``'W%d' % i``: a key built from strings at compile time."""
    def text(x):
        return isinstance(x, ast.Constant) and isinstance(x.value, str) or \
            isinstance(x, ast.JoinedStr) or isinstance(x, ast.Call) and \
            isinstance(x.func, ast.Name) and x.func.id == "str"
    return text(e.left) or text(e.right)


_STRING_OPS = {ast.Add: lambda a, b: a + b, ast.Mod: lambda a, b: a % b,
               ast.Mult: lambda a, b: a * b}


def _binop(site, e: ast.BinOp, hint):
    """``[a] + [b]``, ``(h,) * 2``, ``'W' + str(i)``: containers and strings at compile
    time; anything else by the array rules, each operand lowered once."""
    left, right = site.lower(e.left), site.lower(e.right)
    if isinstance(left, Tup) and isinstance(right, Tup) and isinstance(e.op, ast.Add) \
            and left.kind == right.kind:
        return Tup(left.items + right.items, left.kind)
    if isinstance(e.op, ast.Mult) and isinstance(left, Tup) and isinstance(right, Const) \
            and isinstance(right.value, int):
        return Tup(left.items * right.value, left.kind)
    if _number(left) and _number(right) and type(e.op) in _STRING_OPS and \
            isinstance(left.value, str):
        try:
            return Const(_STRING_OPS[type(e.op)](left.value, right.value))
        except (TypeError, ValueError):
            raise site.fail("this string operation fails", e) from None
    if any(_shape_value(site, v) for v in (left, right)) and type(e.op) in (ast.Add, ast.Mult):
        raise site.fail("tuple arithmetic on an array's shape is not supported", e,
                        "spell the shape out: x.reshape(x.shape[0], x.shape[1], 1), or use "
                        "np.expand_dims / np.tile")
    numeric_tuple = [isinstance(v, Tup) and v.kind == "tuple" for v in (left, right)]
    if (C.is_container(left) or C.is_container(right)) and not (
            any(numeric_tuple) and not (C.is_container(left) and C.is_container(right))):
        raise site.fail("this operator on a list, tuple or dict is not supported", e,
                        "stack the arrays first: np.stack(xs), or use an array operation")
    from . import lower as L
    names = [ast.copy_location(ast.Name(L._bind_hidden(site.env, v, x), ast.Load()), x)
             for v, x in ((left, e.left), (right, e.right))]
    return _array_rules(site, ast.copy_location(ast.BinOp(names[0], e.op, names[1]), e), hint)


def _shape_value(site, v) -> bool:
    """Whether ``v`` is an array's shape (a tuple known only when the code runs)."""
    memory = getattr(site.b, "memory", None)
    made = memory.defs.get(v) if memory is not None and isinstance(v, Var) else None
    return made is not None and made.op in ("shape", "tuple")


def _tupled(e: ast.BinOp) -> bool:
    """``(a,) + (b,)``, ``x.shape + (1,)``, ``(h,) * 2``: Python's tuple operations (with
    an array on the other side, NumPy's elementwise ones)."""
    def tuple_like(x):
        return isinstance(x, ast.Tuple) or isinstance(x, ast.Attribute) and x.attr == "shape"
    return tuple_like(e.left) or tuple_like(e.right)


def _touches(src, env, e: ast.expr) -> bool:
    """Does ``e`` read a container, an object or a closure, or build one?"""
    for n in ast.walk(e):
        if isinstance(n, ast.Name) and isinstance(env.get(n.id), (Dict, Tup, Obj, Closure, Bound,
                                                                  LoopChanged)):
            return True
        if isinstance(n, ast.Name) and n.id not in env and (
                n.id in src.scope.classes or module_objects.names_one(src, n.id)):
            return True
        if isinstance(n, (ast.Dict, ast.List, ast.ListComp, ast.DictComp, ast.Lambda,
                          ast.GeneratorExp)):
            return True
        if isinstance(n, ast.Call) and (isinstance(n.func, (ast.Call, ast.Subscript)) or
                                        isinstance(n.func, ast.Name) and n.func.id not in env
                                        and n.func.id in src.scope.functions):
            return True
    return False


def _module_path(src, env, e: ast.expr) -> bool:
    """Does ``e`` (an attribute chain) start at a module name (``np.linalg.norm``)?"""
    while isinstance(e, ast.Attribute):
        e = e.value
    if not isinstance(e, ast.Name) or e.id in env:
        return False
    scope = src.scope
    return e.id in scope.numpy or e.id in scope.math or e.id in scope.linalg or \
        e.id in scope.other_modules or e.id in scope.imported


def _rewritten(site, e, field: str, value, hint):
    """``e`` with its operand ``field`` replaced by a hidden name bound to the lowered
    ``value``, lowered by the array rules (the operand is not lowered twice)."""
    from . import lower as L
    name = L._bind_hidden(site.env, value, getattr(e, field))
    operand = ast.copy_location(ast.Name(name, ast.Load()), getattr(e, field))
    new = ast.copy_location(type(e)(**{**{f: getattr(e, f) for f in e._fields},
                                       field: operand}), e)
    return _array_rules(site, new, hint)


def _array_rules(site, e, hint):
    from . import lower as L
    return L._expr(site.b, site.src, site.env, e, site.loc, site.stack, hint, structures=False)


def _subscript(site, e: ast.Subscript, hint):
    base = site.lower(e.value)
    if C.is_container(base):
        return C.subscript(site, base, e)
    key = _string_key(site, e) if isinstance(base, Var) else None
    if key is not None:
        discover.note(base, key, e)
        raise site.fail(f"`{ast.unparse(e.value)}` is indexed by the key {key!r}, "
                        "but its structure is not known here", e,
                        "call the gradient with it as a dict (it is compiled for its keys)")
    return _rewritten(site, e, "value", base, hint)


def _string_key(site, e: ast.Subscript):
    """The key of ``v[key]`` when it is a string known at compile time (``'W'``,
    ``f"W{i}"``, ``'W%d' % i``), else None."""
    s = e.slice
    if isinstance(s, ast.Constant):
        return s.value if isinstance(s.value, str) else None
    if not (isinstance(s, ast.JoinedStr) or isinstance(s, ast.BinOp) and _stringy(s)
            or is_format_call(s)):
        return None
    try:
        key = site.lower(s)
    except SymdiffError:
        return None
    return key.value if isinstance(key, Const) and isinstance(key.value, str) else None


# ---------------------------------------------------------------- calls


def _call(site, e: ast.Call, hint):
    func, env, scope = e.func, site.env, site.src.scope
    if isinstance(func, ast.Name) and func.id not in env and func.id in scope.classes:
        args, keywords = _arguments(site, e)
        return O.instantiate(site, scope.class_info(func.id), args, keywords, e)
    if callees.is_partial(site, func):
        args, keywords = _arguments(site, e)
        return O.partial(site, args, keywords, e)
    if O.of_a_class(site, func):                     # Cls.static_method(x), Cls.make(...)
        return _call_value(site, O.class_method(site, func, e), e, func, hint)
    if isinstance(func, ast.Name) and func.id not in env and func.id in ("len", "sum", "list",
                                                                         "tuple", "dict", "zip",
                                                                         "enumerate", "range",
                                                                         "reversed", "max",
                                                                         "min", "str",
                                                                         "sorted") \
            and means_builtin(scope, func):
        return _builtin(site, e, func.id, hint)
    if isinstance(func, ast.Name) and func.id in env or isinstance(func, (ast.Call, ast.Subscript,
                                                                          ast.Lambda)):
        callee = site.lower(func)
        if isinstance(callee, (Closure, Bound, Obj)):
            return _call_value(site, callee, e, func, hint)
        if isinstance(callee, Helper):
            return _call_value(site, Closure(site.src.scope.function(callee.name)), e, func,
                               hint)
        if isinstance(func, ast.Name):
            return NOT_MINE
        raise site.fail("this value cannot be called", e)
    if isinstance(func, ast.Name) and func.id in scope.functions and func.id not in env \
            and (e.keywords or any(isinstance(a, ast.Starred) for a in e.args)):
        return _call_value(site, Closure(scope.function(func.id)), e, func, hint)
    user = callees.user_function(site, func)
    if user is not None:
        return _call_value(site, user, e, func, hint)
    custom = custom_rules.module_attribute(site.src.scope, site.env, func)
    if custom is not None:            # helpers.log1pexp(x), a custom_jvp or custom_vjp
        name = ast.copy_location(ast.Name(custom, ast.Load()), func)
        return _array_rules(site, ast.copy_location(ast.Call(name, e.args, e.keywords), e),
                            hint)
    if isinstance(func, ast.Attribute) and not _module_path(site.src, env, func) and \
            _touches(site.src, env, func.value):
        base = site.lower(func.value)
        if isinstance(base, Obj):
            return _call_value(site, O.attribute(site, base, func.attr, func), e, func, hint)
        if isinstance(base, (Dict, Tup)):
            args, keywords = _arguments(site, e)
            return C.method(site, base, func.value, func.attr, args, e, keywords)
        new_func = _operand_replaced(site, func, base)
        return _array_rules(site, ast.copy_location(ast.Call(new_func, e.args, e.keywords), e),
                            hint)
    return NOT_MINE


def _operand_replaced(site, func: ast.Attribute, base):
    from . import lower as L
    name = L._bind_hidden(site.env, base, func.value)
    operand = ast.copy_location(ast.Name(name, ast.Load()), func.value)
    return ast.copy_location(ast.Attribute(operand, func.attr, ast.Load()), func)


def _arguments(site, e: ast.Call):
    """Positional and keyword arguments, ``*seq`` and ``**mapping`` spread."""
    args, keywords = [], {}
    for a in e.args:
        if isinstance(a, ast.Starred):
            args += list(C.iterate(site, site.lower(a.value), a.value))
        else:
            args.append(site.lower(a))
    for k in e.keywords:
        value = site.lower(k.value)
        if k.arg is None:
            if not isinstance(value, Dict):
                raise site.fail("`**` needs a dict known at compile time", k.value,
                                "build the dict in the function ({'scale': s}), pass the "
                                "keywords one by one, or call the gradient with a dict")
            keywords.update(zip(value.keys, value.values))
        else:
            keywords[k.arg] = value
    return args, keywords


def _builtin(site, e: ast.Call, name: str, hint):
    from . import lower as L
    args, keywords = _arguments(site, e)
    if name == "sorted":
        return list_order.sorted_call(site, args, keywords, e)
    value = None if keywords else C.builtin(site, name, args, e)
    if value is not None:
        return value
    names = [ast.copy_location(ast.Name(L._bind_hidden(site.env, v, a), ast.Load()), a)
             for v, a in zip(args, e.args)]
    return _array_rules(site, ast.copy_location(ast.Call(e.func, names, e.keywords), e), hint)


def _call_value(site, callee, e: ast.Call, func: ast.expr, hint):
    args, keywords = _arguments(site, e)
    result, changed = O.call(site, callee, args, keywords, e, hint)
    if changed is not None:
        if not isinstance(func, ast.Attribute):
            raise site.fail("this method assigns attributes of its object, which is not "
                            "named here", e, "call the method on the object: obj.method(...)")
        if isinstance(callee, Bound):           # every holder of the object sees it
            entry_sharing.propagate(site, callee.obj, changed)
        _store(site.b, site.src, site.env, func.value, changed, site.loc, (),
               callee.obj if isinstance(callee, Bound) else None)
    return result


def _inline(b, src, env, fsrc, args, keywords, loc, stack, hint, at, captured, want_self,
            leading=0):
    """Inline ``fsrc`` called with these values; returns its result and its final ``self``
    (its first parameter), for methods that assign attributes. What it writes into the
    arrays it is given or captures is written here too (``leading``: the values before
    the call's own arguments)."""
    first = fsrc.tree.args.args[0].arg if fsrc.tree.args.args else None
    call = at if isinstance(at, ast.Call) else None
    result, inner = inline._inline(b, fsrc, list(args), dict(keywords), src.loc(at), stack, hint,
                                   dict(captured), env if call is not None else None, call,
                                   kept=(first,) if want_self and first else (), leading=leading)
    return result, inner.get(first) if first else None


# ---------------------------------------------------------------- statements


def statement(b, src, env, stmt: ast.stmt, loc, stack, result_hint=None):
    """Lower the statements of this module (returning what the statement returns, or
    None); NOT_MINE for the others."""
    if isinstance(stmt, ast.If):
        test = _static(_site(b, src, env, loc, stack), stmt.test)
        if test is None:
            return NOT_MINE
        from . import lower as L                 # ``if t > 0:`` in an unrolled loop
        return L._lower_block(b, src, env, stmt.body if test.value else stmt.orelse, stack,
                              result_hint)
    if isinstance(stmt, ast.FunctionDef):
        site = _site(b, src, env, loc, stack)
        env[stmt.name] = vectorized.decorated(site, O.closure(site, src, env, stmt), stmt)
        return None
    if isinstance(stmt, (ast.Global, ast.Nonlocal, ast.Pass)):
        return None
    if isinstance(stmt, ast.Assert):
        return _assert(b, src, env, stmt, loc, stack)
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
            and _ours(src, env, stmt.value):
        _call(_site(b, src, env, loc, stack), stmt.value, "unused")
        return None
    return NOT_MINE


def _ours(src, env, e: ast.Call) -> bool:
    """A call statement on a container, an object or a closure (``hs.append(h)``)."""
    func = e.func
    if isinstance(func, ast.Name):
        return func.id in env and not isinstance(env[func.id], (Var, Const)) or \
            func.id in src.scope.classes
    if isinstance(func, ast.Attribute) and not _module_path(src, env, func):
        base = func.value
        while isinstance(base, (ast.Attribute, ast.Subscript)):
            base = base.value
        return isinstance(base, ast.Name) and isinstance(env.get(base.id),
                                                         (Dict, Tup, Obj, LoopChanged))
    return isinstance(func, (ast.Call, ast.Subscript))


def _assert(b, src, env, stmt: ast.Assert, loc, stack):
    """An assertion: refused when it fails at compile time, dropped otherwise (the result
    does not depend on it; ``check_grad`` runs the function itself, assertions included)."""
    try:
        test = _folded(_site(b, src, dict(env), loc, stack), stmt.test)
    except SymdiffError:
        return None                # about shapes or types symdiff cannot state: dropped
    if isinstance(test, Const):
        if not test.value:
            raise SymdiffError("this assertion fails whenever the function runs",
                               src.loc(stmt), hint="fix the assertion or the code before it")
        return None
    return None                    # a check of values: the forward does not depend on it


# ---------------------------------------------------------------- stores


def _store(b, src, env, target: ast.expr, value, loc, stack, old=None):
    """``target = value`` where target is a name, a container entry or an attribute, at any
    depth (``self.params['W'] = v``, ``xs[t][k] = 1``): the containers on the way are
    rebuilt and bound back to the name they hang from."""
    from . import lower as L
    site = _site(b, src, env, loc, stack)
    if isinstance(target, ast.Name):
        L._bind(b, src, env, target, value, loc, stack)
        if old is not None:
            entry_sharing.share_change(site, target.id, old, value)
        return
    if isinstance(target, ast.Attribute):
        base = site.lower(target.value)
        new = O.set_attribute(site, base, target.attr, value, target)
        entry_sharing.propagate(site, base, new)
        _store(b, src, env, target.value, new, loc, stack, base)
        return
    if isinstance(target, ast.Subscript):
        base = site.lower(target.value)
        if isinstance(base, Tup) and base.kind == "tuple" and old is not None:
            return                 # ``t[0][k] = v``: the list inside changed, everywhere
        if C.is_container(base):
            key = C.key_of(site, site.lower(target.slice), target.slice)
            new = base.with_item(key, value) if isinstance(base, Dict) else \
                C.list_item(site, base, key, value, target)
            entry_sharing.propagate(site, base, new)
            _store(b, src, env, target.value, new, loc, stack, base)
            return
        if isinstance(target.value, ast.Name):
            L._bind(b, src, env, target, value, loc, stack)
            return
        if not memory.chained_write(b, src, env, target, base, value, loc, stack):
            entry_sharing.element_write(site, target, base, value)
        return
    L._bind(b, src, env, target, value, loc, stack)
