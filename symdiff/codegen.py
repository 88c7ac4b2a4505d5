"""Stage 6, codegen: IR -> Python AST -> source text (via astor), with comments.

Every node becomes one statement, rendered by ``render`` (the one place astor is used).
Comments are not part of Python's AST, so they are added beside the rendered
statements: forward lines name the source line they come from, backward lines add the
gate and the local derivative they apply (``# f.py:3  mul switches: df/dq = z``).
The emitted module imports only what it uses (NumPy, ``math``) and carries the few
helpers it calls.
"""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field, replace

import astor

from .ir import (Const, Function, If, Loop, Node, Var, ew_symbols, flatten, reads_here, uses,
                 walk)
from .codegen_math import Printer
from .rules.arrays import SLICE_ALL

#: Helpers a generated module may need, emitted with it when used.
HELPERS = {
    "unbroadcast": '''def unbroadcast(g, x):
    """Sum g over the axes along which x was broadcast, so it has x's shape."""
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    g = np.sum(g, axis=tuple(range(np.ndim(g) - len(shape))))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(g)[i] != 1)
    return np.sum(g, axis=axes, keepdims=True) if axes else g
''',
    "matmul_vjp_left": '''def matmul_vjp_left(g, x, y):
    """Gradient of x @ y with respect to x, for any ranks."""
    if np.ndim(y) == 1:
        return unbroadcast(np.multiply.outer(g, y), x)
    return unbroadcast(g @ np.swapaxes(y, -1, -2) if np.ndim(x) > 1 else g @ y.T, x)
''',
    "matmul_vjp_right": '''def matmul_vjp_right(g, x, y):
    """Gradient of x @ y with respect to y, for any ranks."""
    if np.ndim(x) == 1:
        return unbroadcast(np.multiply.outer(x, g), y)
    if np.ndim(y) == 1:
        return unbroadcast(np.swapaxes(x, -1, -2) @ g[..., None], y[..., None])[..., 0]
    return unbroadcast(np.swapaxes(x, -1, -2) @ g, y)
''',
}
HELPER_NEEDS = {"matmul_vjp_left": ("unbroadcast",), "matmul_vjp_right": ("unbroadcast",)}


def render(tree: ast.AST) -> str:
    """Python source for an AST node (the single use of astor in the package)."""
    return astor.to_source(tree).rstrip("\n")


# ---------------------------------------------------------------- nodes -> statements


def _name(v, inline: dict | None = None) -> ast.expr:
    if isinstance(v, Var) and inline and v.name in inline:
        return inline[v.name]
    if isinstance(v, Var):
        return ast.Name(v.name, ast.Load())
    if v.name:
        return ast.Name(v.name, ast.Load())
    return _literal(v.value)


def _literal(value) -> ast.expr:
    if isinstance(value, tuple):
        return ast.Tuple([_literal(x) for x in value], ast.Load())
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _np(func: str, args, keywords=(), imports=None) -> ast.expr:
    imports.add("numpy")
    kws = [ast.keyword(k, _literal(v) if not isinstance(v, ast.AST) else v) for k, v in keywords]
    return ast.Call(ast.Attribute(ast.Name("np", ast.Load()), func, ast.Load()), list(args), kws)


def _index(spec, args, inline=None, in_call: bool = False) -> ast.expr:
    """The index expression; ``in_call`` writes slices as ``slice(a, b)`` (outside ``[]``)."""
    parts = []
    for entry in spec:
        if entry is None:
            parts.append(ast.Constant(None))
        elif entry is Ellipsis:
            parts.append(ast.Constant(Ellipsis))
        elif entry[0] == "at":
            parts.append(_name(args[entry[1]], inline))
        else:
            bounds = [None if k is None else _name(args[k], inline) for k in entry[1:]]
            if in_call:
                if bounds[2] is None:
                    bounds.pop()            # slice(start, stop): never slice(stop) by accident
                bounds = [b if b is not None else ast.Constant(None) for b in bounds]
                parts.append(ast.Call(ast.Name("slice", ast.Load()), bounds, []))
            else:
                parts.append(ast.Slice(*bounds))
    return parts[0] if len(parts) == 1 else ast.Tuple(parts, ast.Load())


REDUCE_NAMES = {"sum": "sum", "mean": "mean", "amax": "max", "amin": "min"}


def expression(n: Node, imports: set[str], helpers: set[str], inline=None) -> ast.expr:
    """The right-hand side of one node, as a Python expression."""
    a = [_name(x, inline) for x in n.args]
    op = n.op
    if op == "ew":
        return Printer([_text(x, inline) for x in n.args], n.param("lib") or "np",
                        imports)(n.param("expr"))
    if op == "matmul":
        return ast.BinOp(a[0], ast.MatMult(), a[1])
    if op in REDUCE_NAMES:
        kws = [("axis", n.param("axis"))] if n.param("axis") is not None else []
        kws += [("keepdims", True)] if n.param("keepdims") else []
        return _np(REDUCE_NAMES[op], a[:1], kws, imports)
    if op == "transpose":
        if n.param("axes") is None:
            return ast.Attribute(a[0], "T", ast.Load())
        return _np("transpose", a[:1] + [_literal(n.param("axes"))], imports=imports)
    if op == "reshape":
        shape = a[1] if len(a) == 2 else ast.Tuple(a[1:], ast.Load())
        return _np("reshape", [a[0], shape], imports=imports)
    if op in ("expand_dims", "squeeze", "concatenate", "stack"):
        if op in ("concatenate", "stack"):
            a = [ast.List(a, ast.Load())]
        return _np(op, a + [_literal(n.param("axis"))], imports=imports)
    if op == "getitem":
        return ast.Subscript(a[0], _index(n.param("index"), n.args, inline), ast.Load())
    if op == "shape":
        if n.param("style") == "np":
            return _np("shape", a, imports=imports)
        return ast.Attribute(a[0], "shape", ast.Load())
    if op == "dim":
        return ast.Subscript(ast.Attribute(a[0], "shape", ast.Load()),
                             ast.Constant(n.param("axis")), ast.Load())
    if op in ("ndim", "size"):
        return _np(op, a, imports=imports)
    if op == "compare":
        return ast.Compare(a[0], [_CMP[n.param("symbol")]()], [a[1]])
    if op == "not":
        return ast.UnaryOp(ast.Not(), a[0])
    if op == "intop":
        return ast.BinOp(a[0], _INTOP[n.param("symbol")](), a[1])
    if op == "np":
        keywords = n.param("keywords")
        positional = a[: len(a) - len(keywords)]
        kws = list(zip(keywords, a[len(a) - len(keywords):]))
        return _np(n.param("fn"), positional, kws, imports)
    if op == "cast":
        return ast.Call(ast.Name(n.param("type"), ast.Load()), a, [])
    if op == "alias":
        return a[0]
    if op == "copy":
        return _np("array", a, imports=imports)
    if op == "zeros_like":                      # always float zeros, whatever x holds
        return _np("zeros", [_shape_of(n.args[0], a[0], n.param("known"), imports)], imports=imports)
    if op in ("where", "outer", "broadcast_to"):
        return _np(op, a, imports=imports)
    if op in HELPERS:
        helpers.add(op)
        helpers.update(HELPER_NEEDS.get(op, ()))
        imports.add("numpy")
        return ast.Call(ast.Name(op, ast.Load()), a, [])
    raise NotImplementedError(f"no code for primitive {op}")


def _shape_of(v, expr: ast.expr, known: bool, imports) -> ast.expr:
    """``x.shape`` when x is known to be an array, else ``np.shape(x)`` (x may be a float)."""
    if known:
        return ast.Attribute(expr, "shape", ast.Load())
    return _np("shape", [expr], imports=imports)


def _text(v, inline=None) -> str:
    if isinstance(v, Var) and inline and v.name in inline:
        return "(" + render(inline[v.name]) + ")"
    return v.name if isinstance(v, Var) or v.name else repr(v.value)


_CMP = {">": ast.Gt, "<": ast.Lt, ">=": ast.GtE, "<=": ast.LtE, "==": ast.Eq, "!=": ast.NotEq}
_INTOP = {"//": ast.FloorDiv, "%": ast.Mod, "&": ast.BitAnd, "|": ast.BitOr, "^": ast.BitXor}


def statements(n: Node, imports: set[str], helpers: set[str], inline=None,
               cx=None) -> list[ast.stmt]:
    """One node as statements: one, except writes into arrays (allocate or copy, then write)."""
    target = ast.Name(n.out.name, ast.Store())
    if n.op == "check_scalar":
        test = ast.Compare(_np("ndim", [_name(n.args[0], inline)], imports=imports), [ast.NotEq()],
                           [ast.Constant(0)])
        error = ast.Call(ast.Name("ValueError", ast.Load()), [ast.Constant(
            f"{n.param('function')} must return a scalar to be differentiated")], [])
        return [ast.If(test, [ast.Raise(error, None)], [])]
    if n.op in ("tape", "push", "pop"):
        return [_tape_statement(n, target, inline, imports)]
    if n.op == "add_at":
        base, g, *index_args = n.args
        start = _start_write(base, inline, cx)
        index = _index(_shift(n.param("index")), n.args, inline, in_call=n.param("advanced"))
        if n.param("advanced"):
            call = _np("add.at", [ast.Name(n.out.name, ast.Load()), index, _name(g, inline)],
                       imports=imports)
            return [ast.Assign([target], start), ast.Expr(call)]
        slot = ast.Subscript(ast.Name(n.out.name, ast.Load()), index, ast.Store())
        return [ast.Assign([target], start), ast.AugAssign(slot, ast.Add(), _name(g, inline))]
    if n.op == "setitem":
        base, value, *index_args = n.args
        start = _start_write(base, inline, cx)
        index = _index(n.param("index"), n.args, inline)
        write = ast.Assign([ast.Subscript(ast.Name(n.out.name, ast.Load()), index, ast.Store())],
                           _name(value, inline))
        return [ast.Assign([target], start), write]
    if n.op in ("scatter", "scatter_add"):
        g, x, *index_args = n.args
        zeros = ast.Assign([target], _np("zeros", [ast.Attribute(_name(x, inline), "shape",
                                                                 ast.Load())], imports=imports))
        index = _index(_shift(n.param("index")), [g, x, *index_args], inline,
                       in_call=n.op == "scatter_add")
        if n.op == "scatter":
            write = ast.Assign([ast.Subscript(ast.Name(n.out.name, ast.Load()), index, ast.Store())],
                               _name(g, inline))
        else:
            call = _np("add.at", [ast.Name(n.out.name, ast.Load()), index, _name(g, inline)],
                       imports=imports)
            write = ast.Expr(call)
        return [zeros, write]
    if n.op == "ew" and n.note in GRADIENT_SUMS and len(n.args) == 2 and \
            n.param("expr") == SUM2 and _private(n.args[0], cx):
        add = ast.AugAssign(ast.Name(n.out.name, ast.Store()), ast.Add(), _name(n.args[1], inline))
        if n.args[0] == n.out:                                           # add in place
            return [add]
        return [ast.Assign([target], _name(n.args[0], inline)), add]
    return [ast.Assign([target], expression(n, imports, helpers, inline))]


GRADIENT_SUMS = ("branch: gradients add", "gradients add up over the iterations")
SUM2 = ew_symbols(2)[0] + ew_symbols(2)[1]


def _private(v, cx) -> bool:
    """A fresh array that only this statement reads: safe to change in place."""
    return (cx is not None and isinstance(v, Var) and v.name in cx.fresh
            and cx.reads.get(v.name) == 1)


def _start_write(base, inline, cx) -> ast.expr:
    """What a write into an array starts from: the array itself when nobody else can see
    it (a fresh array read only here), else a copy, so no input is ever changed."""
    if _private(base, cx):
        return _name(base, inline)
    return ast.Call(ast.Attribute(_name(base, inline), "copy", ast.Load()), [], [])


def _tape_statement(n: Node, target: ast.Name, inline, imports) -> ast.stmt:
    """Tapes: a stack (``append``/``pop``), or allocated once and indexed by the loop counter."""
    indexed = len(n.args) == {"tape": 1, "push": 3, "pop": 2}[n.op]
    if n.op == "tape":
        if not indexed:
            return ast.Assign([target], ast.List([], ast.Load()))
        count, shape = _name(n.args[0], inline), n.param("shape")
        if shape:
            size = ast.Tuple([count] + [ast.Constant(d) for d in shape], ast.Load())
            return ast.Assign([target], _np("empty", [size], imports=imports))
        fill = ast.Constant(0.0 if shape == () else None)
        return ast.Assign([target], ast.BinOp(ast.List([fill], ast.Load()), ast.Mult(), count))
    tape = _name(n.args[0])
    if n.op == "push":
        value = _name(n.args[1], inline)
        if indexed:
            slot = ast.Subscript(tape, _name(n.args[2], inline), ast.Store())
            return ast.Assign([slot], value)
        return ast.Expr(ast.Call(ast.Attribute(tape, "append", ast.Load()), [value], []))
    if indexed:
        return ast.Assign([target], ast.Subscript(tape, _name(n.args[1], inline), ast.Load()))
    return ast.Assign([target], ast.Call(ast.Attribute(tape, "pop", ast.Load()), [], []))


def _shift(spec):
    """getitem index specs count the array as argument 0; a scatter has g and x first."""
    shifted = []
    for entry in spec:
        if entry is None or entry is Ellipsis:
            shifted.append(entry)
        elif entry[0] == "at":
            shifted.append(("at", entry[1] + 1))
        else:
            shifted.append(("slice",) + tuple(None if k is None else k + 1 for k in entry[1:]))
    return tuple(shifted)


# ---------------------------------------------------------------- functions and modules


@dataclass
class _Emit:
    """What emitting one function needs: imports and helpers it records, inlined views."""

    imports: set[str]
    helpers: set[str]
    count: dict[str, int]
    fresh: set[str]
    inline: dict[str, ast.expr] = field(default_factory=dict)
    rows: list[tuple[int, str, str]] = field(default_factory=list)
    reads: dict[str, int] = field(default_factory=dict)


def _reads_on_a_path(fn: Function) -> dict[str, int]:
    """Reads of each name on any one path: the two sides of a branch count as one."""
    def block(stmts) -> dict[str, int]:
        count: dict[str, int] = {}

        def add(name, k=1):
            count[name] = count.get(name, 0) + k
        for s in stmts:
            if isinstance(s, If):
                add_values = [v for v in (s.cond,) if isinstance(v, Var)]
                for v in add_values:
                    add(v.name)
                sides = []
                for body, values in ((s.then, s.then_values), (s.orelse, s.else_values)):
                    side = block(body)
                    for v in values:
                        if isinstance(v, Var):
                            side[v.name] = side.get(v.name, 0) + 1
                    sides.append(side)
                for name in set(sides[0]) | set(sides[1]):
                    add(name, max(sides[0].get(name, 0), sides[1].get(name, 0)))
            elif isinstance(s, Loop):
                for v in s.bounds + s.inits + s.nexts + ((s.cond,) if s.cond else ()):
                    if isinstance(v, Var):
                        add(v.name)
                for name, k in block(s.cond_body + s.body).items():
                    add(name, k)
            else:
                for v in s.args:
                    if isinstance(v, Var):
                        add(v.name)
        return count
    total = block(fn.body)
    for v in flatten(fn.result):
        if isinstance(v, Var):
            total[v.name] = total.get(v.name, 0) + 1
    return total


def function_source(fn: Function, imports: set[str], helpers: set[str],
                    doc: str = "") -> str:
    """One generated function: forward lines, then backward lines, each with its comment."""
    params = []
    defaults = dict(fn.defaults)
    for p in fn.params:
        params.append(f"{p.name}={defaults[p.name]!r}" if p.name in defaults else p.name)
    lines = [f"def {fn.name}({', '.join(params)}):"]
    if doc:
        lines.append(f'    """{doc}"""')
    cx = _Emit(imports, helpers, uses(fn), _fresh_arrays(fn), reads=_reads_on_a_path(fn))
    phase = None
    for s in fn.body:
        now = "backward" if s.note else "forward"
        if now != phase:
            cx.rows.append((1, f"# {now}", ""))
            phase = now
        _emit_block((s,), 1, cx)
    width = min(max([4 * d + len(code) for d, code, c in cx.rows if c] + [0]), 48)
    for depth, code, comment in cx.rows:
        at = 0 if ":\n" in code else code.count("\n")     # a compound statement: its header
        for j, line in enumerate(code.split("\n")):
            text = "    " * depth + line
            if comment and j == at:
                text = f"{text:<{width}}  # {comment}"
            lines.append(text.rstrip())
    lines.append("    return " + _result(fn.result, top=True))
    return "\n".join(lines) + "\n"


def _assign(targets, values) -> str:
    """``a = x`` or ``a, b = x, y`` (simultaneous, as loop-carried updates need)."""
    pairs = [(t, v) for t, v in zip(targets, values) if not (isinstance(v, Var) and v == t)]
    if not pairs:
        return ""
    if len(pairs) == 1:
        return render(ast.Assign([ast.Name(pairs[0][0].name, ast.Store())], _name(pairs[0][1])))
    left = ast.Tuple([ast.Name(t.name, ast.Store()) for t, _ in pairs], ast.Store())
    right = ast.Tuple([_name(v) for _, v in pairs], ast.Load())
    return render(ast.Assign([left], right))


def _emit_block(stmts, depth: int, cx: _Emit) -> None:
    for s in stmts:
        if isinstance(s, Node):
            if _inlinable(s, cx.count):
                cx.inline[s.out.name] = expression(s, cx.imports, cx.helpers, cx.inline)
                continue
            comment = _comment(s)
            for k, stmt in enumerate(statements(s, cx.imports, cx.helpers, cx.inline, cx)):
                cx.rows.append((depth, render(stmt), comment if k == 0 else ""))
        elif isinstance(s, If):
            _emit_if(s, depth, cx)
        else:
            _emit_loop(s, depth, cx)


def _emit_if(s: If, depth: int, cx: _Emit) -> None:
    cx.rows.append((depth, f"if {render(_name(s.cond, cx.inline))}:", _comment(s)))
    for k, (block, values) in enumerate(((s.then, s.then_values), (s.orelse, s.else_values))):
        if k == 1:
            if not block and not s.outs:
                break
            cx.rows.append((depth, "else:", ""))
        start = len(cx.rows)
        _emit_block(block, depth + 1, cx)
        results = _assign(s.outs, values)
        if results:
            cx.rows.append((depth + 1, results, ""))
        if len(cx.rows) == start:
            cx.rows.append((depth + 1, "pass", ""))


def _range(s: Loop) -> str:
    start, stop, step = s.bounds
    if s.backward and _is_const(start, 0) and _is_const(step, 1):
        last = render(ast.BinOp(_name(stop), ast.Sub(), ast.Constant(1)))
        return f"range({last}, -1, -1)"            # the iterations in reverse
    if _is_const(step, 1):
        parts = [stop] if _is_const(start, 0) else [start, stop]
    else:
        parts = [start, stop, step]
    text = f"range({', '.join(render(_name(v)) for v in parts)})"
    return f"reversed({text})" if s.backward else text


def _is_const(v, value) -> bool:
    return isinstance(v, Const) and v.name is None and v.value == value


def _coalesce(s: Loop) -> Loop:
    """Compute a loop variable's next value straight into it (``x = x + dt * v``) when
    nothing after that line still needs the old value: no end-of-body shuffle."""
    mapping: dict[str, str] = {}
    body = list(s.body)
    for c, n in zip(s.carried, s.nexts):
        if not isinstance(n, Var) or s.nexts.count(n) != 1 or c in s.nexts:
            continue
        pos = next((i for i, t in enumerate(body) if isinstance(t, Node) and t.out == n), None)
        if pos is None or n.name in mapping:
            continue
        later = {v.name for t in body[pos + 1:] for inner in walk((t,))
                 for v in reads_here(inner) if isinstance(v, Var)}
        if c.name not in later:
            mapping[n.name] = c.name
    if not mapping:
        return s
    return replace(s, body=tuple(_rename_all(t, mapping) for t in body),
                   nexts=tuple(Var(mapping.get(v.name, v.name)) if isinstance(v, Var) else v
                               for v in s.nexts))


def _rename_all(t, mapping: dict[str, str]):
    def sub(v):
        return Var(mapping[v.name]) if isinstance(v, Var) and v.name in mapping else v
    if isinstance(t, Node):
        return replace(t, out=sub(t.out), args=tuple(sub(a) for a in t.args))
    if isinstance(t, If):
        return replace(t, cond=sub(t.cond), then=tuple(_rename_all(x, mapping) for x in t.then),
                       orelse=tuple(_rename_all(x, mapping) for x in t.orelse),
                       then_values=tuple(sub(v) for v in t.then_values),
                       else_values=tuple(sub(v) for v in t.else_values))
    return replace(t, bounds=tuple(sub(v) for v in t.bounds), inits=tuple(sub(v) for v in t.inits),
                   nexts=tuple(sub(v) for v in t.nexts), cond=sub(t.cond),
                   cond_body=tuple(_rename_all(x, mapping) for x in t.cond_body),
                   body=tuple(_rename_all(x, mapping) for x in t.body))


def _emit_loop(s: Loop, depth: int, cx: _Emit) -> None:
    s = _coalesce(s)
    before = _assign(s.carried, s.inits)
    if before:
        cx.rows.append((depth, before, ""))
    if s.index is not None:
        cx.rows.append((depth, f"for {s.index.name} in {_range(s)}:", _comment(s)))
    else:
        single = (len(s.cond_body) == 1 and isinstance(s.cond_body[0], Node)
                  and s.cond_body[0].out == s.cond and cx.count.get(s.cond.name) == 1)
        if single:
            test = expression(s.cond_body[0], cx.imports, cx.helpers, cx.inline)
            cx.rows.append((depth, f"while {render(test)}:", _comment(s)))
        else:
            cx.rows.append((depth, "while True:", _comment(s)))
            _emit_block(s.cond_body, depth + 1, cx)
            cx.rows.append((depth + 1, f"if not {render(_name(s.cond))}:", ""))
            cx.rows.append((depth + 2, "break", ""))
    start = len(cx.rows)
    _emit_block(s.body, depth + 1, cx)
    after = _assign(s.carried, s.nexts)
    if after:
        cx.rows.append((depth + 1, after, ""))
    if len(cx.rows) == start:
        cx.rows.append((depth + 1, "pass", ""))
    outs = _assign(s.outs, s.carried)
    if outs:
        cx.rows.append((depth, outs, ""))


#: Operations whose result may share memory with an argument (views, aliases, restores).
SHARING = {"getitem", "reshape", "transpose", "expand_dims", "squeeze", "broadcast_to", "alias",
           "pop", "cast", "unbroadcast"}


def _fresh_arrays(fn: Function) -> set[str]:
    """Values that are arrays nobody else can see, so writing into them in place is safe."""
    fresh: set[str] = set()
    count = uses(fn)
    for s in walk(fn.body):
        if isinstance(s, Node) and s.op not in SHARING:
            fresh.add(s.out.name)
        elif isinstance(s, Loop):
            for c, init, out in zip(s.carried, s.inits, s.outs):
                if isinstance(init, Var) and init.name in fresh and count.get(init.name) == 1:
                    fresh.update((c.name, out.name))
    return fresh


def _inlinable(n: Node, count: dict[str, int]) -> bool:
    """A temporary view used once (``X.T``) reads better inside the line that uses it."""
    return (n.op == "transpose" and n.param("axes") is None and count.get(n.out.name) == 1
            and n.out.name.startswith("tmp"))


def _comment(n) -> str:
    where = f"{os.path.basename(n.loc.file)}:{n.loc.line}" if n.loc else ""
    return f"{where}  {n.note}".strip() if n.note else where


def _result(result, top: bool = False) -> str:
    parts = [("(" + _result(item) + ("," if len(item) == 1 else "") + ")")
             if isinstance(item, tuple) else render(_name(item)) for item in result]
    return ", ".join(parts)


def module_source(functions: list[tuple[Function, str]], header: str) -> str:
    """A whole module: header, imports, constants, helpers, then the functions."""
    imports: set[str] = set()
    helpers: set[str] = set()
    bodies = [function_source(fn, imports, helpers, doc) for fn, doc in functions]
    constants: dict = {}
    for fn, _ in functions:
        constants.update(dict(fn.constants))
    out = [f'"""{header}"""', ""]
    if "math" in imports:
        out.append("import math")
    out.append("import numpy as np")
    out.append("")
    if constants:
        out.extend(f"{k} = {v!r}" for k, v in sorted(constants.items()))
        out.append("")
    for name in sorted(helpers):
        out.extend(["", HELPERS[name]])
    for body in bodies:
        out.extend(["", body])
    return "\n".join(out).rstrip("\n") + "\n"


__all__ = ["render", "module_source", "function_source", "statements", "expression", "SLICE_ALL",
           "Const", "ew_symbols"]
