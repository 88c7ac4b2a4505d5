"""Stage 2b, desugar: rewrite control-flow sugar into the few forms lowering knows.

After this pass a function has one ``return`` per path, at the end of each path; loops
are ``for <name> in range(...)`` or ``while <cond>`` with no ``break`` or ``continue``:

    early return       ``if c: return a`` + rest      -> ``if c: return a`` / ``else: rest``;
                       in a loop it sets a flag, leaves the loop, and returns after it
    continue           ``if c: continue`` + rest      -> ``if not-taken branch: rest``
    break              becomes a flag: ``running = False`` and the rest of the body is
                       guarded by ``if running:`` (a ``while`` loop also tests the flag)
    for x in X         -> ``for k in range(len(X)): x = X[k]``
    enumerate, zip     -> an index loop reading each sequence at the index

Works on a copy of the AST; line numbers are kept on every statement it makes.
"""
from __future__ import annotations

import ast
import copy
import dataclasses

from ..errors import SymdiffError
from . import flat_access
from .parse import FunctionSource, builtin_name, means_builtin


def desugar(src: FunctionSource) -> FunctionSource:
    tree = copy_statements(src.tree)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {a.arg for a in tree.args.args}
    fresh = _Fresh(names)
    body = _unchained(_without_contexts(tree.body, src.scope))
    body = flat_access.rewrite(body, src, fresh)     # x.flat[k], np.put, y.real = v
    tree.body = _single_exit(_loops(_without_guards(body), src, fresh))
    ast.fix_missing_locations(tree)
    return dataclasses.replace(src, tree=tree)


def copy_statements(node):
    """A copy of a statement (or a list of them) and of the statements nested in it, for
    desugaring to rearrange. Expressions are shared: no stage modifies them (a copy of
    every node, as ``copy.deepcopy`` makes, costs more than the rest of desugaring)."""
    if isinstance(node, list):
        return [copy_statements(x) for x in node]
    if not isinstance(node, ast.stmt):
        return node
    new = copy.copy(node)
    for name in ("body", "orelse"):
        if isinstance(getattr(node, name, None), list):
            setattr(new, name, copy_statements(getattr(node, name)))
    return new


def _without_contexts(stmts: list, scope) -> list:
    """Statements with each ``with np.errstate(...):`` replaced by its block (it changes
    only what NumPy reports: ``fence.reporting_context``)."""
    from .fence import reporting_context
    out = []
    for stmt in stmts:
        if reporting_context(stmt, scope):
            out += _without_contexts(stmt.body, scope)
            continue
        for name in ("body", "orelse"):
            if isinstance(getattr(stmt, name, None), list) and not isinstance(
                    stmt, (ast.FunctionDef, ast.Lambda)):
                setattr(stmt, name, _without_contexts(getattr(stmt, name), scope))
        out.append(stmt)
    return out


def _unchained(stmts: list) -> list:
    """Statements with ``a < b < c`` written ``a < b and b < c``, as Python evaluates it
    (statements are this desugaring's copies; an expression holding a chain is copied
    before it is rewritten)."""
    for stmt in stmts:
        for field, value in ast.iter_fields(stmt):
            if field in ("body", "orelse"):
                if isinstance(value, list):
                    _unchained(value)
                continue
            parts = value if isinstance(value, list) else [value]
            if any(isinstance(n, ast.Compare) and len(n.ops) > 1
                   for part in parts if isinstance(part, ast.AST) for n in ast.walk(part)):
                setattr(stmt, field, _Unchain().visit(copy.deepcopy(value))
                        if not isinstance(value, list) else
                        [_Unchain().visit(copy.deepcopy(v)) for v in value])
    return stmts


class _Unchain(ast.NodeTransformer):
    def visit_Compare(self, node: ast.Compare):
        self.generic_visit(node)
        if len(node.ops) == 1:
            return node
        lefts = [node.left] + node.comparators[:-1]
        parts = [ast.copy_location(ast.Compare(a, [op], [b]), node)
                 for a, op, b in zip(lefts, node.ops, node.comparators)]
        return ast.copy_location(ast.BoolOp(ast.And(), parts), node)


class _Fresh:
    def __init__(self, used: set[str]):
        self.used = set(used)

    def __call__(self, hint: str) -> str:
        name, k = hint, 0
        while name in self.used:
            k += 1
            name = f"{hint}_{k}"
        self.used.add(name)
        return name


def _at(node: ast.AST, like: ast.AST) -> ast.AST:
    ast.copy_location(node, like)
    for child in ast.walk(node):
        if not hasattr(child, "lineno") and isinstance(child, (ast.expr, ast.stmt)):
            ast.copy_location(child, like)
    return node


# ---------------------------------------------------------------- guards


def _without_guards(stmts: list) -> list:
    """``if bad: raise ...`` guards bad input: the function computes nothing there, so
    the branch that raises is dropped and the other one kept."""
    from .fence import raises_only
    out = []
    for s in stmts:
        if isinstance(s, ast.If) and raises_only(s.body):
            out += _without_guards(s.orelse)
        elif isinstance(s, ast.If) and raises_only(s.orelse):
            out += _without_guards(s.body)
        else:
            for name in ("body", "orelse"):
                if isinstance(getattr(s, name, None), list) and not isinstance(s, ast.FunctionDef):
                    setattr(s, name, _without_guards(getattr(s, name)))
            out.append(s)
    return out


# ---------------------------------------------------------------- returns


def _ends(stmts, kind) -> bool:
    """Does every path through ``stmts`` end in a statement of this kind?"""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, kind):
        return True
    if isinstance(last, ast.If):
        return _ends(last.body, kind) and _ends(last.orelse, kind)
    return False


def _contains(stmts, kind, into_loops: bool = False) -> bool:
    for s in stmts:
        if isinstance(s, kind):
            return True
        if isinstance(s, ast.If) and (_contains(s.body, kind, into_loops)
                                      or _contains(s.orelse, kind, into_loops)):
            return True
        if into_loops and isinstance(s, (ast.For, ast.While)) and _contains(s.body, kind, True):
            return True
    return False


def _single_exit(stmts: list) -> list:
    """Move what follows an ``if`` holding a return into the branches that fall through."""
    out = []
    for i, s in enumerate(stmts):
        if isinstance(s, ast.Return):
            out.append(s)
            return out                      # anything after a return is dead
        if isinstance(s, ast.If) and _contains([s], ast.Return):
            rest = stmts[i + 1:]
            body = s.body if _ends(s.body, ast.Return) else s.body + copy_statements(rest)
            orelse = s.orelse if _ends(s.orelse, ast.Return) else s.orelse + copy_statements(rest)
            new = ast.If(s.test, _single_exit(body), _single_exit(orelse))
            out.append(_at(new, s))
            return out
        out.append(s)
    return out


# ---------------------------------------------------------------- loops


def _loops(stmts: list, src: FunctionSource, fresh: _Fresh) -> list:
    out = []
    for s in stmts:
        if isinstance(s, ast.If):
            s.body, s.orelse = _loops(s.body, src, fresh), _loops(s.orelse, src, fresh)
            out.append(s)
        elif isinstance(s, (ast.For, ast.While)):
            if s.orelse:
                raise SymdiffError("`else` on a loop is not supported", src.loc(s),
                                   hint="use a flag variable set before `break`")
            if _contains(s.body, ast.Return, into_loops=True):
                out.extend(_return_from_loop(s, src, fresh))
            else:
                out.extend(_loop(s, src, fresh))
        else:
            out.append(s)
    return out


def _loop(s, src: FunctionSource, fresh: _Fresh) -> list:
    body = _loops(s.body, src, fresh)
    before = []
    if isinstance(s, ast.For):
        header, reads = _iteration(s, src, fresh)
        body = reads + body
    if _contains(body, ast.Break):
        flag = fresh("running")
        before.append(_at(ast.Assign([ast.Name(flag, ast.Store())], ast.Constant(True)), s))
        body = [_at(ast.If(ast.Name(flag, ast.Load()), _no_jumps(body, flag, s), []), s)]
        if isinstance(s, ast.While):
            test = ast.BinOp(ast.Name(flag, ast.Load()), ast.BitAnd(), s.test)
            s = _at(ast.While(test, body, []), s)
    body = _no_jumps(body, None, s)
    if isinstance(s, ast.For):
        return before + [_at(ast.For(header[0], header[1], body, []), s)]
    return before + [_at(ast.While(s.test, body, []), s)]


def _return_from_loop(s, src: FunctionSource, fresh: _Fresh) -> list:
    """``return v`` in a loop: remember v, leave the loop, and return it right after."""
    result, done = fresh("result"), fresh("returned")

    def replace_returns(stmts):
        out = []
        for t in stmts:
            if isinstance(t, ast.Return):
                out += [_at(ast.Assign([ast.Name(result, ast.Store())], t.value), t),
                        _at(ast.Assign([ast.Name(done, ast.Store())], ast.Constant(True)), t),
                        _at(ast.Break(), t)]
                return out
            if isinstance(t, ast.If):
                t = _at(ast.If(t.test, replace_returns(t.body), replace_returns(t.orelse)), t)
            out.append(t)
        return out

    before = [_at(ast.Assign([ast.Name(done, ast.Store())], ast.Constant(False)), s),
              _at(ast.Assign([ast.Name(result, ast.Store())], ast.Constant(None)), s)]
    loop = copy.copy(s)
    loop.body = replace_returns(_loops(s.body, src, fresh))   # inner loops' returns first
    after = _at(ast.If(ast.Name(done, ast.Load()), [_at(ast.Return(ast.Name(result, ast.Load())),
                                                        s)], []), s)
    return before + _loop(loop, src, fresh) + [after]


def _no_jumps(stmts: list, flag: str | None, loop) -> list:
    """Remove ``continue`` (and ``break``, when ``flag`` is given) from a loop body."""
    out = []
    for i, s in enumerate(stmts):
        if isinstance(s, ast.Continue):
            return out
        if isinstance(s, ast.Break) and flag:
            out.append(_at(ast.Assign([ast.Name(flag, ast.Store())], ast.Constant(False)), s))
            return out
        if isinstance(s, ast.If) and (_contains([s], ast.Continue)
                                      or flag and _contains([s], ast.Break)):
            rest = stmts[i + 1:]
            jumps = (ast.Continue, ast.Break)
            body = s.body if _ends(s.body, jumps) else s.body + copy_statements(rest)
            orelse = s.orelse if _ends(s.orelse, jumps) else s.orelse + copy_statements(rest)
            out.append(_at(ast.If(s.test, _no_jumps(body, flag, loop),
                                  _no_jumps(orelse, flag, loop)), s))
            return out
        out.append(s)
    return out


def _call(name: str, *args) -> ast.Call:
    return ast.Call(builtin_name(name), list(args), [])


def _iteration(s: ast.For, src: FunctionSource, fresh: _Fresh):
    """``for`` header as (target, range call) and the statements reading each element."""
    it, target = s.iter, s.target
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and \
            it.func.id in ("range", "enumerate", "zip") and not means_builtin(src.scope, it.func):
        name = it.func.id
        raise SymdiffError(f"`{name}` here is this module's own `{name}`, not Python's "
                           f"builtin, which symdiff reads a loop over {name}(...) as",
                           src.loc(it.func), hint=f"rename the module's `{name}`, or loop "
                                                  "over an array")
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range":
        if not isinstance(target, ast.Name):
            raise SymdiffError("a range loop needs a single loop variable", src.loc(target))
        return (target, it), []
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "enumerate" \
            and len(it.args) == 1 and isinstance(target, ast.Tuple) and len(target.elts) == 2:
        index, item = target.elts
        if not isinstance(index, ast.Name):
            raise SymdiffError("enumerate's index must be a name", src.loc(index))
        seq = it.args[0]
        reads = [_read(item, seq, index.id, s)]
        return (index, _at(_call("range", _call("len", seq)), s)), reads
    index = fresh("k")
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "zip":
        if not isinstance(target, ast.Tuple) or len(target.elts) != len(it.args):
            raise SymdiffError("unpack zip into one name per sequence", src.loc(target))
        count = _call("len", it.args[0])
        for seq in it.args[1:]:
            count = _call("min", count, _call("len", seq))
        reads = [_read(t, seq, index, s) for t, seq in zip(target.elts, it.args)]
        return (ast.Name(index, ast.Store()), _at(_call("range", count), s)), reads
    if isinstance(it, ast.Call) and not _container_call(it):
        raise SymdiffError("loops run over range(...), enumerate(...), zip(...) or an array",
                           src.loc(it), hint="write `for i in range(len(x)):` and index x[i]")
    return (ast.Name(index, ast.Store()), _at(_call("range", _call("len", it)), s)), \
        [_read(target, it, index, s)]


#: ``seq[k]`` as a ``for`` loop reads it: for a dict, its k-th key (a subclass, so that
#: everything else sees a Subscript; named so that ``ast.unparse`` prints it as one)
IterationRead = type("Subscript", (ast.Subscript,), {"__doc__": "the k-th item a loop visits"})


def _container_call(it: ast.Call) -> bool:
    """``d.items()``, ``sorted(d)``, ``reversed(xs)``...: a list or dict's items, read by
    index like an array's rows (lowering refuses them on arrays)."""
    if isinstance(it.func, ast.Attribute):
        return it.func.attr in ("items", "keys", "values")
    return isinstance(it.func, ast.Name) and it.func.id in ("reversed", "sorted", "list", "tuple")


def _read(target, seq, index: str, like) -> ast.stmt:
    value = IterationRead(copy.deepcopy(seq), ast.Name(index, ast.Load()), ast.Load())
    return _at(ast.Assign([copy.deepcopy(target)], value), like)
