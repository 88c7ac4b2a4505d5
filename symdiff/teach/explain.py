"""Backpropagation worked out by hand, node by node, with the compiler's own numbers.

    >>> print(symdiff.explain(f, -2.0, 5.0, -4.0))     # f(x, y, z) = (x + y) * z
    Forward pass
    node  operation  value  ...
    q     x + y      3
    f     q * z      -12
    Backward pass: downstream gradient = upstream gradient x local gradient
    node  operation  upstream gradient  input  local gradient  downstream gradient  gate
    f     q * z      df/df = 1          q      df/dq = z = -4  df/dq = -4           mul switches
    ...

The forward table lists every node in program order with its value; the backward table
lists, in the order the chain rule runs, every node's upstream gradient and, for each of
its inputs, the local gradient and the downstream gradient (their product), with the gate
pattern of the backprop lessons: *add distributes*, *mul switches*, *max routes*, and a
value used in several places (a branch) receives the *sum* of the gradients coming back.
Every number comes from running the compiled gradient (``symdiff.trace``). Loops show
one row per iteration; branches show the side that ran.

An ``Explanation`` prints as a terminal table (``str``), ``.markdown()``, ``.latex()``,
and shows itself in a notebook (``_repr_html_``).
"""
from __future__ import annotations

import ast
from typing import Any, Callable

import numpy as np

from ..frontend import fence
from ..backend.codegen_nodes import expression, render, statements
from ..errors import Loc, SymdiffError
from ..ir import Node
from ..frontend.parse import FunctionSource, source_of
from .gates import gate_name, local_formula
from .locations import where as where_of
from .labels import Labels, gradient_name, node_code, vjp_maths
from . import latex
from .tables import Table, latex_escape
from .trace import Trace, trace

#: Arrays up to this many elements are shown with their numbers, larger ones by shape.
SMALL = 9
#: Rows per table shown by default (a long loop runs thousands of nodes).
LIMIT = 200


def explain(fn: Callable, *args, wrt=None, fuse: bool = True, **kwargs) -> "Explanation":
    """A worked example of backpropagation through ``fn`` at these arguments.

    Args:
      fn: a function written with ``def`` whose output is a scalar.
      *args, **kwargs: the inputs. Integers are taken as floats, except where the function
        uses them as indices or counts (labels, loop bounds); lists become arrays.
      wrt: names or positions of the arguments to differentiate, as for ``symdiff.grad``;
        by default every float argument.
      fuse: False keeps one node per operation (the teaching mode of ``--gates``): the
        sigmoid ``1 / (1 + np.exp(-z))`` is shown as its four gates, not as one node.

    Returns:
      An ``Explanation``: the forward and backward tables, node by node; ``str`` prints
      them, ``.markdown()`` and ``.latex()`` render them, a notebook shows them.

    Example:
      >>> def f(x, y, z):
      ...     q = x + y
      ...     return q * z
      >>> print(symdiff.explain(f, -2.0, 5.0, -4.0))      # doctest: +SKIP
    """
    src = source_of(fn)
    fence.check(src)
    return Explanation(trace(src, bind_arguments(src, args, kwargs), wrt_names(src, wrt),
                             fuse=fuse))


def wrt_names(src: FunctionSource, wrt) -> tuple[str, ...] | None:
    """``wrt`` (a name, a position or a tuple of them; None for every float argument) as
    parameter names."""
    if wrt is None:
        return None
    from ..api import resolve_wrt
    params = [a.arg for a in src.tree.args.args]
    positions, _ = resolve_wrt(wrt, params, src)
    return tuple(dict.fromkeys(params[i] for i in positions))


def bind_arguments(src: FunctionSource, args: tuple, kwargs: dict) -> dict[str, Any]:
    """Parameter name -> value, for a call ``f(*args, **kwargs)`` (defaults filled later)."""
    params = [a.arg for a in src.tree.args.args]
    call = f"call it as {src.name}({', '.join(params)})"
    if len(args) > len(params):
        raise SymdiffError(f"{src.name}() takes {len(params)} arguments, got {len(args)}",
                           src.loc(src.tree), hint=call)
    bound = dict(zip(params, args))
    for name, value in kwargs.items():
        if name not in params:
            raise SymdiffError(f"{src.name}() has no parameter `{name}`", src.loc(src.tree),
                               hint=call)
        if name in bound:
            raise SymdiffError(f"{src.name}() got two values for `{name}`", src.loc(src.tree),
                               hint=call)
        bound[name] = value
    return bound


def parse_arguments(text: str, src: FunctionSource) -> dict[str, Any]:
    """``"x=-2, y=5, z=[1, 2]"`` (as in a call, Python literals only) -> name -> value."""
    where = "--at"

    def fail(message: str, col: int, hint: str):
        raise SymdiffError(message, Loc(where, 1, max(col, 0), text), hint=hint)
    example = ", ".join(f"{a.arg}=..." for a in src.tree.args.args)
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError as exc:
        fail(f"cannot read the argument values: {exc.msg}", (exc.offset or 3) - 3,
             f'write them as in a call: --at "{example}"')
    if not isinstance(call, ast.Call) or call.func.end_col_offset != 1:
        fail("cannot read the argument values", 0, f'write them as in a call: --at "{example}"')
    values: list = []
    for item in list(call.args) + [k.value for k in call.keywords]:
        try:
            value = ast.literal_eval(item)
        except (ValueError, TypeError, SyntaxError):
            fail("not a literal value: only numbers, True/False and (nested) lists of them",
                 item.col_offset - 2, "write the number itself, e.g. 2.0 or [[1, 2], [3, 4]]")
        column = item.col_offset - 2
        values.append(_literal_input(value, lambda m, column=column: fail(
            m, column, "use numbers, or lists of numbers of equal lengths")))
    for k in call.keywords:
        if k.arg is None:
            fail("** is not allowed here", k.value.col_offset - 4,
                 f'name each value: --at "{example}"')
    args = tuple(values[:len(call.args)])
    kwargs = {k.arg: v for k, v in zip(call.keywords, values[len(call.args):])}
    params = [a.arg for a in src.tree.args.args]
    for k in call.keywords:
        if k.arg not in params:
            fail(f"{src.name}() has no parameter `{k.arg}`", k.col_offset - 2,
                 f"its parameters are: {', '.join(params)}")
    bound = bind_arguments(src, args, kwargs)
    optional = params[len(params) - len(src.tree.args.defaults):] if src.tree.args.defaults \
        else []
    missing = [p for p in params if p not in bound and p not in optional]
    if missing:
        fail(f"no value for {', '.join(missing)}", len(text),
             f'give every parameter a value: --at "{example}"')
    return bound


def _literal_input(value, fail):
    """A number, a bool, or an array of them (nested lists of equal lengths)."""
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except ValueError:
            fail("lists of unequal lengths do not make an array")
        if not array.size:
            fail("an empty list has no numbers")
        if array.dtype.kind in "biuf":
            return array
    fail(f"{type(value).__name__} values cannot be arguments here")


# ---------------------------------------------------------------- numbers and code as text


def format_value(value: Any, small: int = SMALL) -> str:
    """``3``, ``0.7311``, ``[2, -3, -3]``; arrays larger than ``small`` by their shape."""
    if value is None:
        return "0"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    a = without_round_off(np.asarray(value))
    if a.ndim == 0:
        return _number(a.item())
    if a.size > small:
        return f"{_shape(a.shape)} array"
    return _nested(a.tolist())


#: Below this fraction of an array's largest element (or below ROUND_OFF_SCALAR for a
#: number), a float is round-off: 0.1 + 0.2 - 0.3 is shown as 0, not as 5.551e-17.
ROUND_OFF = 1e-12
ROUND_OFF_SCALAR = 1e-14


def without_round_off(a: np.ndarray) -> np.ndarray:
    """``a`` with round-off shown as the zero it stands for."""
    if a.dtype.kind != "f" or not a.size:
        return a
    top = float(np.max(np.abs(a))) if np.all(np.isfinite(a)) else 0.0
    limit = max(ROUND_OFF * top, ROUND_OFF_SCALAR) if a.ndim else ROUND_OFF_SCALAR
    return np.where(np.abs(a) < limit, 0.0, a) if top else a


def _nested(items) -> str:
    if isinstance(items, list):
        return "[" + ", ".join(_nested(x) for x in items) + "]"
    return _number(items)


def _number(x) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, complex):
        return str(x)
    text = f"{x:.4g}"
    return "0" if text == "-0" else text


def _shape(shape: tuple) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def shape_text(value: Any) -> str:
    """``(3,)`` for an array, empty for a scalar."""
    return _shape(np.shape(value)) if np.ndim(value) else ""


# ---------------------------------------------------------------- the worked example


class Explanation:
    """The worked example: a forward table, a backward table, and the gradients."""

    def __init__(self, run: Trace):
        self.run = run
        self.labels = Labels(run)

    # ------------------------------------------------------------ tables

    def _name(self, source) -> str:
        return source if isinstance(source, str) else self.labels.step[source]

    def _d(self, label: str) -> str:
        return f"d{self.labels.output}/{gradient_name(label)}"

    def forward_table(self, limit: int | None = LIMIT) -> Table:
        run = self.run
        loops = bool(run.contexts)
        headers = ("node", "operation", "value", "shape", "line")
        headers += ("iteration",) if loops else ()
        rows = []
        for name, value in run.args.items():
            rows.append((name, "input", format_value(value), shape_text(value), "")
                        + (("",) if loops else ()))
        for kind, k in run.order:
            if kind == "step":
                step = run.steps[k]
                rows.append((self.labels.step[k], self.labels.operation[k],
                             format_value(step.value),
                             shape_text(step.value), _where(step.node))
                            + ((run.contexts.get(step.context, ""),) if loops else ()))
                continue
            b = run.branches[k]
            context = (run.contexts.get(b.context, ""),) if loops else ()
            if kind == "if":
                side = "True: the if block ran" if b.taken else "False: the else block ran"
                rows.append((f"if {self.labels.of(b.cond)}", "branch", side, "", "") + context)
            else:
                rows.extend((self.labels.of(out), f"{self.labels.of(chosen)} (branch result)",
                             format_value(value),
                             shape_text(value), "") + context
                            for out, chosen, value in b.results
                            if self.labels.of(out) != self.labels.of(chosen))
        kinds = ("code", "code", "value", "code", "", "")
        return _limited(Table("Forward pass", headers, rows, kinds), limit)

    def contributions(self) -> dict[Any, list[int]]:
        """Source of a value -> the backprops that send it a gradient (more than one: a branch)."""
        found: dict[Any, list[int]] = {}
        for k, b in enumerate(self.run.backprops):
            source = self.run.steps[b.step].inputs[b.arg]
            if source is not None and b.part is not None:
                found.setdefault(source, []).append(k)
        return found

    def backward_table(self, limit: int | None = LIMIT) -> Table:
        run = self.run
        loops = bool(run.contexts)
        headers = ("node", "operation", "upstream gradient", "input", "local gradient",
                   "downstream gradient", "gate") + (("iteration",) if loops else ())
        found = self.contributions()
        rows: list[tuple[str, ...]] = []
        last = None
        for b in run.backprops:
            step = run.steps[b.step]
            n = step.node
            where = (run.contexts.get(step.context, ""),) if loops else ()
            first = b.step != last
            last = b.step
            if first and len(found.get(b.step, ())) > 1:
                rows.append(self._branch_row(b.step, found[b.step], b.upstream) + where)
            source = step.inputs[b.arg]
            arg = self.labels.source(source, n.args[b.arg].name)
            label = self.labels.step[b.step]
            single = source is None or len(found.get(source, ())) <= 1
            down = format_value(b.part)
            rows.append((label if first else "", self.labels.operation[b.step] if first else "",
                         f"{self._d(label)} = {format_value(b.upstream)}" if first else "",
                         arg, self._local(b), f"{self._d(arg)} = {down}" if single else down,
                         gate_name(n, self.labels.inputs(b.step))) + where)
        for name in run.wrt:
            if len(found.get(name, ())) > 1:
                rows.append(self._branch_row(name, found[name], run.gradients[name])
                            + (("",) if loops else ()))
        kinds = ("code", "code", "gradient", "code", "code", "gradient", "", "")
        return _limited(Table("Backward pass: downstream gradient = upstream gradient x "
                              "local gradient", headers, rows, kinds), limit)

    def _local(self, b) -> str:
        """``df/dq = z = -4`` for an elementwise node; the VJP as a formula for the others:
        ``dh = d(h @ W2) @ W2.T``."""
        n = self.run.steps[b.step].node
        names = self.labels.inputs(b.step)
        label = self.labels.step[b.step]
        arg = self.labels.source(self.run.steps[b.step].inputs[b.arg], n.args[b.arg].name)
        if n.op == "ew":
            formula = f"{gradient_name(label)}/{gradient_name(arg)} = " + \
                local_formula(n, b.arg, {**names, n.out.name: label})
            value = format_value(b.local)
            return formula if formula.endswith(f"= {value}") else f"{formula} = {value}"
        upstream, part = b.names
        fixed = {**self.labels.by_name, **names, upstream: gradient_name(label),
                 part: gradient_name(arg)}
        return vjp_maths(rule_code(b.rule), fixed, part)

    def _branch_row(self, source, parts: list[int], total) -> tuple[str, ...]:
        values = [format_value(self.run.backprops[k].part) for k in parts]
        shown = " + ".join(values[:4]) + (f" + ... ({len(values)} terms)" if len(values) > 4
                                          else "")
        name = self._name(source)
        return (name, f"used {len(parts)} times", shown, "", "",
                f"{self._d(name)} = {format_value(total)}", "branch: gradients add")

    # ------------------------------------------------------------ summary

    def gradients(self) -> list[tuple[str, str]]:
        """(``df/dx``, value) for every differentiated argument."""
        return [(self._d(name), format_value(self.run.gradients[name], small=100))
                for name in self.run.wrt]

    def title(self) -> str:
        fn = self.run.fn
        args = ", ".join(f"{k}={format_value(v)}" for k, v in self.run.args.items())
        where = f" ({where_of(fn.loc)})" if fn.loc else ""
        return f"Backpropagation through {fn.name}({args}){where}"

    def _summary(self) -> list[str]:
        out = [f"{self.labels.output} = {format_value(self.run.value)}"]
        return out + [f"{d} = {v}" for d, v in self.gradients()]

    def text(self, limit: int | None = LIMIT) -> str:
        """Terminal tables (tables longer than ``limit`` rows are cut; None: all)."""
        return "\n\n".join([self.title(), self.forward_table(limit).text(),
                            self.backward_table(limit).text(),
                            "Result\n" + "\n".join(self._summary())]) + "\n"

    def markdown(self, limit: int | None = LIMIT) -> str:
        summary = "\n".join(f"- `{line}`" for line in self._summary())
        return "\n\n".join([f"### {self.title()}", self.forward_table(limit).markdown(),
                            self.backward_table(limit).markdown(),
                            "**Result**\n\n" + summary]) + "\n"

    def latex(self, limit: int | None = LIMIT, standalone: bool = False) -> str:
        """LaTeX: the tables as longtables that fit the page, derivatives as
        ``\\frac{\\partial f}{\\partial x}``; needs the packages of ``latex.PACKAGES``
        (``standalone``: a complete article that pdflatex compiles)."""
        summary = "\\\\\n".join(latex.cell(line, "gradient") if "/" in line else
                                latex.cell(line, "value") for line in self._summary())
        body = "\n\n".join([latex.table(self.forward_table(limit)),
                             latex.table(self.backward_table(limit)),
                             r"{\raggedright\noindent\textbf{Result}\\" + "\n" + summary +
                             r"\par}"]) + "\n"
        if standalone:
            return latex.document(body, self.title())
        needs = ", ".join(latex.PACKAGES)
        return (f"% needs \\usepackage{{{needs}}}\n"
                rf"\subsection*{{{latex_escape(self.title())}}}" + "\n\n" + body)

    def html(self, limit: int | None = LIMIT) -> str:
        import html as escape
        summary = "".join(f"<li><code>{escape.escape(line)}</code></li>"
                          for line in self._summary())
        return (f"<div><h4>{escape.escape(self.title())}</h4>"
                f"{self.forward_table(limit).html()}{self.backward_table(limit).html()}"
                f"<p><b>Result</b></p><ul>{summary}</ul></div>")

    def format(self, kind: str, limit: int | None = LIMIT) -> str:
        """``text``, ``markdown`` or ``latex``."""
        makers = {"text": self.text, "markdown": self.markdown, "latex": self.latex}
        if kind not in makers:
            raise SymdiffError(f"unknown format `{kind}`", hint="use text, markdown or latex")
        return makers[kind](limit)

    def __str__(self) -> str:
        return self.text()


    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"<Explanation of {self.run.fn.name}: {len(self.run.steps)} forward steps>"


def _limited(table: Table, limit: int | None) -> Table:
    """The first ``limit`` rows, and a note of how many were left out."""
    if limit is None or len(table.rows) <= limit:
        return table
    return Table(table.title, table.headers, table.rows[:limit], table.kinds,
                 f"... and {len(table.rows) - limit} more rows (the first {limit} are shown)")


def _where(n: Node) -> str:
    return where_of(n.loc)


def rule_code(rule) -> list[str]:
    """A VJP's backward nodes as code, a temporary ``.T`` written where it is used."""
    inline: dict = {}
    lines = []
    for r in rule:
        if r.op == "transpose" and r.param("axes") is None and r.temporary:
            inline[r.out.name] = expression(r, set(), set(), inline)
        else:
            lines += [render(s) for s in statements(r, set(), set(), inline)]
    return lines


__all__ = ["explain", "Explanation", "bind_arguments", "parse_arguments", "format_value",
           "node_code", "shape_text", "rule_code"]
