"""Stage 6, codegen: IR -> Python AST -> source text (via astor), with comments.

Functions, branches and loops are laid out here; each node becomes statements in
``codegen_nodes``, rendered by ``render`` (the one place astor is used).
Comments are not part of Python's AST, so they are added beside the rendered
statements: forward lines name the source line they come from, backward lines add the
gate and the local derivative they apply (``# f.py:3  mul switches: df/dq = z``).
The emitted module imports only what it uses (NumPy, ``math``) and carries the few
helpers it calls; which writes may happen in place is decided in ``in_place``.
"""
from __future__ import annotations

import ast
import math
import os
from dataclasses import dataclass, field, replace
from typing import Callable

from .codegen_math import SHADOWED
from .codegen_nodes import (HELPERS, _name, expression, render, statements)
from ..util.deep import deep
from ..errors import SymdiffError
from ..ir import Const, Function, If, Loop, Node, Var, map_blocks, reads_here, uses, walk
from ..ad.masks import QUIET, QUIET_WHY, discards_branches
from .naming import readable_renaming, renamed as with_names, renamed_text
from .jit import numba_renaming
from .inside import inlinable as _inlinable, spread_or_summed as _spread_or_summed
from .inside import summed_inside
from .accumulate import added_next, added_where_made
from .in_place import fresh_arrays, reads_on_a_path, shape_reads, writes_in_place
from .quoting import comment_text, docstring


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
    in_place: set[str] = field(default_factory=set)    # writes that may change their base
    copied: set[str] = field(default_factory=set)      # views copied, so a write is in place
    commentary: Callable | None = None    # (stmt, comment, inlined names) -> (comment, lines above)
    jit: bool = False               # code numba can compile (``numba_friendly`` IR)
    fills: set[str] = field(default_factory=set)    # values np.full spreads: print inside it
    summed: set[str] = field(default_factory=set)   # values unbroadcast sums or broadcast_to
                                                    # spreads: print inside the call
    added: set[str] = field(default_factory=set)    # contributions the gradient sum right
                                                    # after adds in: print inside the sum

    def comment(self, s, depth: int) -> str:
        """The comment beside a statement; annotations may add comment lines above it."""
        comment = _comment(s)
        if self.commentary is None:
            return comment
        comment, above = self.commentary(s, comment, set(self.inline))
        self.rows.extend((depth, f"# {comment_text(line)}", "") for line in above)
        return comment


def parameter_list(fn: Function, number: Callable = None) -> list[str]:
    """A generated function's parameters as written: the user's, with their defaults
    (``number`` writes one; NumPy's spelling by default), then ``*`` and the module arrays
    it receives by keyword."""
    number = number or _number
    defaults, received = dict(fn.defaults), dict(fn.received)
    params = [f"{p.name}={number(defaults[p.name])}" if p.name in defaults else p.name
              for p in fn.params if p.name not in received]
    return params + ["*", *received] if received else params


def forwarded_arguments(fn: Function) -> str:
    """The call that passes a generated function's parameters on: the user's by position,
    the module arrays by keyword (``x, y, W0=W0``)."""
    received = dict(fn.received)
    return ", ".join([p.name for p in fn.params if p.name not in received] +
                     [f"{name}={name}" for name in received])


def function_source(fn: Function, imports: set[str], helpers: set[str],
                    doc: str = "", annotate: Callable | None = None,
                    jit: bool = False) -> str:
    """One generated function: forward lines, then backward lines, each with its comment.

    ``annotate(fn)`` returns comment lines for the top of the body and a commentary
    function that writes each statement's comments instead of the default ones.
    """
    params = parameter_list(fn)
    lines = (["@jit_or_numpy"] if jit else []) + [f"def {fn.name}({', '.join(params)}):"]
    if discards_branches(fn.body):
        lines.insert(0, f"@np.errstate({QUIET})  # {QUIET_WHY}")
    if doc:
        lines.append(docstring(doc, "    "))
    fresh, reads = fresh_arrays(fn), reads_on_a_path(fn)
    copied: set[str] = set()                # (numba copies no number: only in NumPy code)
    in_place = writes_in_place(fn.body, fresh, reads, shape_reads(fn), None if jit else copied)
    cx = _Emit(imports, helpers, uses(fn), fresh, reads=reads, in_place=in_place,
               copied=copied, jit=jit,
               fills={a.name for s in walk(fn.body) if isinstance(s, Node) and s.op == "fill"
                      for a in s.args[1:] if isinstance(a, Var)},
               summed=_spread_or_summed(fn), added=added_next(fn.body))
    if annotate is not None:
        preamble, cx.commentary = annotate(fn)
        cx.rows.extend((1, f"# {comment_text(line)}", "") for line in preamble)
    phases = ["backward" if s.derived else "forward" for s in fn.body]
    headed = sum(a != b for a, b in zip(phases, phases[1:])) <= 1   # not when interleaved
    phase = None
    for s, now in zip(fn.body, phases):
        if headed and now != phase:
            cx.rows.append((1, f"# {now}", ""))
            phase = now
        _emit_block((s,), 1, cx)
    width = min(max([4 * d + len(code) for d, code, c in cx.rows if c] + [0]), 48)
    for depth, code, comment in cx.rows:
        at = 0 if ":\n" in code else code.count("\n")     # a compound statement: its header
        for j, line in enumerate(code.split("\n")):
            text = "    " * depth + line
            if comment and j == at:
                text = f"{text:<{width}}  # {comment_text(comment)}"
            lines.append(text.rstrip())
    lines.append("    return " + _result(fn.result, top=True))
    return "\n".join(lines) + "\n"


def _added_inside(n: Node, cx: _Emit) -> bool:
    """Whether ``n``, a contribution the next line adds in, is written inside that line
    (when it prints as one expression)."""
    if not (n.temporary and n.out.name in cx.added and cx.count.get(n.out.name) == 1):
        return False
    try:
        cx.inline[n.out.name] = expression(n, cx.imports, cx.helpers, cx.inline)
    except NotImplementedError:            # it prints as statements: it keeps its lines
        return False
    return True


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
            if _inlinable(s, cx.count, cx.fills, cx.summed):
                cx.inline[s.out.name] = expression(s, cx.imports, cx.helpers, cx.inline)
                continue
            if _added_inside(s, cx):
                continue
            comment = cx.comment(s, depth)
            for k, stmt in enumerate(statements(s, cx.imports, cx.helpers, cx.inline, cx)):
                cx.rows.append((depth, render(stmt), comment if k == 0 else ""))
        elif isinstance(s, If):
            _emit_if(s, depth, cx)
        else:
            _emit_loop(s, depth, cx)


def _emit_if(s: If, depth: int, cx: _Emit, test: str = "") -> None:
    _check_depth(s, depth + 1)
    comment = cx.comment(s, depth)
    keyword = "elif" if test else "if"
    cx.rows.append((depth, f"{keyword} {test or render(_name(s.cond, cx.inline))}:", comment))
    for k, (block, values) in enumerate(((s.then, s.then_values), (s.orelse, s.else_values))):
        if k == 1:
            if not block and not s.outs:
                break
            chained = _elif(s, cx)
            if chained is not None:             # else: if ... is written elif ...
                _emit_if(chained[0], depth, cx, chained[1])
                return
            cx.rows.append((depth, "else:", ""))
        start = len(cx.rows)
        _emit_block(block, depth + 1, cx)
        results = _assign(s.outs, values)
        if results:
            cx.rows.append((depth + 1, results, ""))
        if len(cx.rows) == start:
            cx.rows.append((depth + 1, "pass", ""))


#: Python refuses more than 100 levels of indentation; blocks nested deeper than this
#: (after ``elif`` chains are kept flat) are refused with the statement's location.
MAX_DEPTH = 98


def _check_depth(s, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise SymdiffError(f"blocks nested more than {MAX_DEPTH} levels deep cannot be "
                           "generated: Python's indentation limit", s.loc,
                           hint="move the inner blocks into a helper function")


#: Operations an ``elif`` test may compute inline (one expression, no statements).
TESTS = {"compare", "ew", "not", "intop", "cast", "getitem", "alias"}


def _elif(s: If, cx: _Emit):
    """``(inner, test)`` when the else side of ``s`` is only another branch (and the node
    computing its condition): that branch, its results renamed to those of ``s``, is
    written as ``elif test:``. None when the else side does more."""
    *before, inner = s.orelse or (None,)
    if not isinstance(inner, If) or len(before) > 1:
        return None
    values = s.else_values
    if not all(isinstance(v, Var) for v in values) or len(set(values)) != len(values) \
            or set(values) != set(inner.outs) or any(cx.count.get(v.name) != 1 for v in values):
        return None
    if before:
        n = before[0]
        if not (isinstance(n, Node) and n.out == inner.cond and n.op in TESTS):
            return None
        test = render(expression(n, cx.imports, cx.helpers, cx.inline))
        if cx.count.get(n.out.name) != 1:       # the backward reads it too: keep its name
            if cx.jit:
                return None
            test = f"({n.out.name} := {test})"
    else:
        test = render(_name(inner.cond, cx.inline))
    renamed = dict(zip([v.name for v in values], s.outs))
    return replace(inner, outs=tuple(renamed[o.name] for o in inner.outs)), test


def _range(s: Loop, jit: bool = False) -> str:
    start, stop, step = s.bounds
    if s.backward and jit and not (_is_const(start, 0) and _is_const(step, 1)):
        return render(_reversed_range(start, stop, step))
    if s.backward and _is_const(start, 0) and _is_const(step, 1):
        last = ast.BinOp(_name(stop), ast.Sub(), ast.Constant(1))    # the iterations in reverse
        parts = [last, ast.UnaryOp(ast.USub(), ast.Constant(1)),
                 ast.UnaryOp(ast.USub(), ast.Constant(1))]
        return render(ast.Call(ast.Name("range", ast.Load()), parts, []))
    if _is_const(step, 1):
        values = [stop] if _is_const(start, 0) else [start, stop]
    else:
        values = [start, stop, step]
    text = render(ast.Call(ast.Name("range", ast.Load()), [_name(v) for v in values], []))
    return f"reversed({text})" if s.backward else text


def _reversed_range(start, stop, step) -> ast.expr:
    """``reversed(range(start, stop, step))`` as a range, which numba compiles:
    ``range(stop - 1, start - 1, -1)``, or from the last element for other steps."""
    def minus(a, b):
        if isinstance(a, Const) and a.name is None and isinstance(b, Const) and b.name is None:
            return _name(Const(a.value - b.value))
        return ast.BinOp(_name(a), ast.Sub(), _name(b))
    if _is_const(step, 1):
        parts = [minus(stop, Const(1)), minus(start, Const(1)), _name(Const(-1))]
    else:
        count = ast.Call(ast.Name("len", ast.Load()), [ast.Call(
            ast.Name("range", ast.Load()), [_name(start), _name(stop), _name(step)], [])], [])
        last = ast.BinOp(_name(start), ast.Add(), ast.BinOp(
            ast.BinOp(count, ast.Sub(), ast.Constant(1)), ast.Mult(), _name(step)))
        parts = [last, minus(start, step), ast.UnaryOp(ast.USub(), _name(step))]
    return ast.Call(ast.Name("range", ast.Load()), parts, [])


def _is_const(v, value) -> bool:
    return isinstance(v, Const) and v.name is None and v.value == value


def _coalesce(s: Loop) -> tuple[Loop, dict[str, str]]:
    """Compute a loop variable's next value straight into it (``x = x + dt * v``, or a
    branch that assigns it) when nothing after that line still needs the old value: no
    end-of-body shuffle. Also returns the renaming (next value -> loop variable)."""
    mapping: dict[str, str] = {}
    body = list(s.body)
    for c, n in zip(s.carried, s.nexts):
        if not isinstance(n, Var) or s.nexts.count(n) != 1 or c in s.nexts:
            continue
        pos = next((i for i, t in enumerate(body)
                    if isinstance(t, Node) and t.out == n or isinstance(t, If) and n in t.outs),
                   None)
        if pos is None or n.name in mapping:
            continue
        later = {v.name for t in body[pos + 1:] for inner in walk((t,))
                 for v in reads_here(inner) if isinstance(v, Var)}
        if c.name not in later and not _reads_after_writing(body[pos], c):
            mapping[n.name] = c.name
    if not mapping:
        return s, mapping
    return replace(s, body=tuple(_rename_all(t, mapping) for t in body),
                   nexts=tuple(Var(mapping.get(v.name, v.name)) if isinstance(v, Var) else v
                               for v in s.nexts)), mapping


def _reads_after_writing(t, c: Var) -> bool:
    """Statements that assign their target before reading their arguments (``dx = zeros``,
    then ``dx[i] = g``) must not also read the variable they would overwrite."""
    if not isinstance(t, Node):
        return False
    if t.op in ("scatter", "scatter_add", "full"):
        return c in t.args
    if t.op in ("setitem", "add_at") or t.op == "ew" and t.derived:
        return c in t.args[1:]
    return False


def _rename_all(t, mapping: dict[str, str]):
    def sub(v):
        return Var(mapping[v.name]) if isinstance(v, Var) and v.name in mapping else v
    if isinstance(t, Node):
        return replace(t, out=sub(t.out), args=tuple(sub(a) for a in t.args))
    if isinstance(t, If):
        t = replace(t, cond=sub(t.cond), outs=tuple(sub(v) for v in t.outs),
                    then_values=tuple(sub(v) for v in t.then_values),
                    else_values=tuple(sub(v) for v in t.else_values))
    else:
        t = replace(t, bounds=tuple(sub(v) for v in t.bounds),
                    inits=tuple(sub(v) for v in t.inits),
                    nexts=tuple(sub(v) for v in t.nexts), cond=sub(t.cond))
    return map_blocks(t, lambda block: tuple(_rename_all(x, mapping) for x in block))


def _emit_loop(s: Loop, depth: int, cx: _Emit) -> None:
    _check_depth(s, depth + 1)
    s, mapping = _coalesce(s)
    cx.in_place |= {new for old, new in mapping.items() if old in cx.in_place}
    cx.copied |= {new for old, new in mapping.items() if old in cx.copied}
    before = _assign(s.carried, s.inits)
    if before:
        cx.rows.append((depth, before, ""))
    comment = cx.comment(s, depth)
    if s.index is not None:
        cx.rows.append((depth, f"for {s.index.name} in {_range(s, cx.jit)}:", comment))
    else:
        single = (len(s.cond_body) == 1 and isinstance(s.cond_body[0], Node)
                  and s.cond_body[0].out == s.cond and cx.count.get(s.cond.name) == 1)
        if single:
            test = expression(s.cond_body[0], cx.imports, cx.helpers, cx.inline)
            cx.rows.append((depth, f"while {render(test)}:", comment))
        else:
            cx.rows.append((depth, "while True:", comment))
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


def _comment(n) -> str:
    where = f"{os.path.basename(n.loc.file)}:{n.loc.line}" if n.loc else ""
    return f"{where}  {n.note}".strip() if n.note else where


def _number(value) -> str:
    """A module constant as Python source: ``np.inf`` and ``np.nan`` have no literal."""
    if isinstance(value, float) and not math.isfinite(value):
        return "np.nan" if math.isnan(value) else ("-np.inf" if value < 0 else "np.inf")
    return repr(value)


def _result(result, top: bool = False) -> str:
    parts = [("(" + _result(item) + ("," if len(item) == 1 else "") + ")")
             if isinstance(item, tuple) else repr(item.value)
             if isinstance(item, Const) and item.name is None else render(_name(item))
             for item in result]
    return ", ".join(parts)


#: The module-level names generated functions refer to: modules and helpers.
GLOBALS = ("np", "math", "numba", *HELPERS)


def _aliases(functions: list[Function]) -> dict[str, str]:
    """Another name for each module-level name that a generated function's own variables
    shadow (a parameter called ``np`` or ``unbroadcast``): the user's names stay theirs."""
    own = {name for fn in functions for name in fn.names()} | {fn.name for fn in functions}
    taken = own | set(GLOBALS)
    aliases = {}
    for name in GLOBALS:
        if name in own:
            candidates = (["numpy"] if name == "np" else []) + [f"{name}_{k}" for k in range(1, 99)]
            aliases[name] = next(a for a in candidates if a not in taken)
            taken.add(aliases[name])
    return aliases


def _renaming_comments(annotate: Callable, renamings: dict) -> Callable:
    """``annotate`` whose comments name values as the renamed functions do."""
    def renaming(fn: Function):
        new = renamings.get(fn.name, {})
        preamble, commentary = annotate(fn)

        def comments(s, comment, inlined):
            beside, above = commentary(s, comment, inlined)
            return renamed_text(beside, new), [renamed_text(line, new) for line in above]
        return [renamed_text(line, new) for line in preamble], comments
    return renaming


def _function_text(fn: Function, imports: set[str], helpers: set[str], doc: str,
                   annotate: Callable | None, jit: bool) -> str:
    """``function_source``; for numba, written again with the names its versions of a
    rebound name would clash with renamed (``jit.numba_renaming``)."""
    text = function_source(fn, imports, helpers, doc, annotate, jit)
    new = numba_renaming(fn, text) if jit else {}
    return function_source(with_names(fn, new), imports, helpers, doc, annotate, jit) \
        if new else text


def _accumulations(fn: Function, annotate) -> Function:
    """A loop's gradient sums beside their contributions, except in annotated code, where
    each backward step keeps its own line and lesson."""
    return fn if annotate is not None else added_where_made(fn)


@deep
def module_source(functions: list[tuple[Function, str]], header: str,
                  extra: list[str | Callable] = (), annotate: Callable | None = None,
                  jit: bool = False) -> str:
    """A whole module: header, imports, constants, helpers, the functions, then ``extra``
    (functions written as text, or what writes it given the aliases). ``annotate``: see
    ``function_source``. ``jit`` decorates each function with ``jit_or_numpy``
    (numba.njit, or NumPy with one warning where numba cannot compile it) and writes loops
    numba can compile."""
    imports: set[str] = {"numba"} if jit else set()
    helpers: set[str] = {"jit_or_numpy"} if jit else set()
    taken = set(GLOBALS) | {fn.name for fn, _ in functions}
    renamings = {fn.name: readable_renaming(fn, taken) for fn, _ in functions}
    functions = [(with_names(summed_inside(_accumulations(fn, annotate), renamings[fn.name]),
                             renamings[fn.name]), doc) for fn, doc in functions]
    if annotate is not None:
        annotate = _renaming_comments(annotate, renamings)
    shadowed = _aliases([fn for fn, _ in functions])
    SHADOWED.update(shadowed)
    try:
        bodies = [_function_text(fn, imports, helpers, doc, annotate, jit)
                  for fn, doc in functions]
    finally:
        SHADOWED.clear()
    constants: dict = {}
    for fn, _ in functions:
        constants.update(dict(fn.constants))
    out = [docstring(header), ""]
    modules = [("math", "math"), ("numba", "numba"), ("numpy", "np"),
               ("scipy.linalg", "scipy.linalg"), ("scipy.special", "scipy.special")]
    for module, name in modules:
        if module in imports or name == "np":
            out.append(f"import {module}" if module == name else f"import {module} as {name}")
        if (module in imports or name == "np") and name in shadowed:
            alias = shadowed[name]
            out.append(f"import {module}" if module == alias else f"import {module} as {alias}")
    out.append("")
    if constants:
        out.extend(f"{k} = {_number(v)}" for k, v in sorted(constants.items()))
        out.append("")
    for name in sorted(helpers):
        out.extend(["", HELPERS[name]])
    renamed = [f"{shadowed[name]} = {name}" for name in sorted(helpers) if name in shadowed]
    if renamed:
        out.extend(["", *renamed])
    for body in [*bodies, *(e(shadowed) if callable(e) else e for e in extra)]:
        out.extend(["", body])
    return "\n".join(out).rstrip("\n") + "\n"


__all__ = ["render", "module_source", "function_source", "statements", "expression", "Const"]
