"""Annotations for teaching: each generated line's maths and shapes, as comments.

``symdiff compile --annotate`` (and ``Gradient.annotated_source``) write, beside every
line, the shapes involved, and above the backward lines the source line they
differentiate, the local derivative in mathematical form and where a broadcast is undone
(``symdiff compile examples/mlp.py -f mlp_loss --wrt W1,b1,W2,b2 --annotate --shapes
"X=(8,4), W1=(4,7), b1=(7,), W2=(7,3), b2=(3,), y=(8,)"``, sizes named as its docstring
names them):

    # mlp.py:23  h = np.maximum(0, X @ W1 + b1)
    # max routes: d max(0, X_W1_plus_b1)/dX_W1_plus_b1 = step(X_W1_plus_b1)
    # step(u) = 1 for u > 0, 0 for u < 0, 1/2 at u = 0: the code's 0.5*sign(u) + 0.5
    dX_W1_plus_b1 = dh * (0.5 * np.sign(X_W1_plus_b1) + 0.5)  # (N,H)
    # add distributes: d(X_W1 + b1)/db1 = 1, and
    # b1 was broadcast over axis 0: sum it back
    db1 = np.sum(dX_W1_plus_b1, axis=0)           # (H,) = sum of (N,H) over axis 0
    dW1_from_h = X.T @ dX_W1_plus_b1              # (D,H) = (N,D).T @ (N,H)

Annotations change comments only, never code. Shapes come from, in order: shapes given
by the caller (``--shapes "X=(N,D), W1=(D,H)"``; a dimension is a number or a name),
``float``/``int`` annotations (scalars), and the docstrings of the function and its module
(``X is (N, D)``, ``X: array of shape (N, D)``); then the compiler's shape inference carries
them through every line. Named sizes are tracked as distinct stand-in numbers that are
printed back as their names (``N``, ``N-1``, ``N*D``).
"""
from __future__ import annotations

import os
from typing import Callable

import sympy
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from .. import primitives as rules
from ..errors import SymdiffError
from ..ir import Const, Function, Node, Var, ew_symbols, walk
from ..optimize.passes import optimize
from ..primitives import elementwise as E
from ..frontend.shape_spec import (ShapeSpec, Sizes, check_spec, numeric, parse_shapes, resolve,
                         show_spec, stated_shapes)
from ..ir.shapes import infer_shapes, node_shape

#: Run-time checks of the generated code: no numbers to show.
CHECKS = ("check_scalar", "check_ndim", "check_floats")


# ---------------------------------------------------------------- shapes of every line


def _rule(n: Node, arg_shapes: list, arg_values: list):
    """Shapes of the backward's own primitives too, and allocations without allocating."""
    if n.op in ("alias", "copy", "zeros_like", "add_at"):
        return arg_shapes[0]
    if n.op == "broadcast_to" and isinstance(arg_values[1], tuple):
        return arg_values[1]                  # the shape, computed by np.shape(x) earlier
    if n.op == "np" and not n.param("keywords") and n.param("fn") in ("zeros", "ones", "empty"):
        value = arg_values[0]
        if isinstance(value, int) or isinstance(value, tuple) and \
                all(isinstance(d, int) for d in value):
            return (value,) if isinstance(value, int) else value
    if n.op == "np" and n.param("fn") == "arange" and not n.param("keywords") and \
            arg_values and all(isinstance(v, int) for v in arg_values):
        return (len(range(*arg_values)),)
    return node_shape(n, arg_shapes, arg_values)


def _numbers_in(fn: Function) -> set:
    """Every integer the program writes (constants, static parameters)."""
    found: set = set()

    def collect(v):
        if isinstance(v, (tuple, list)):
            for x in v:
                collect(x)
        elif isinstance(v, int) and not isinstance(v, bool):
            found.add(v)
    for s in walk(fn.body):
        if isinstance(s, Node):
            collect([a.value for a in s.args if isinstance(a, Const)] + [v for _, v in s.params])
    return found


def line_shapes(forward: Function, fn: Function, stated: ShapeSpec, given: ShapeSpec):
    """Shapes of every value of ``fn``, the gradient (or derivative) of ``forward`` (as the
    pipeline optimizes it before differentiating), and how to print their sizes."""
    numbers, sizes = resolve(stated, given, _numbers_in(forward))
    known = infer_shapes(forward, numbers, True, rule=_rule)      # the output is a scalar
    own = {p.name for p in forward.params}
    for p in fn.params:                # tangents (x_dot, v_x) have their argument's shape
        primal = dict(fn.tangents).get(p.name)
        if p.name not in own and primal in own and known.get(primal) is not None:
            known[p.name] = known[primal]
    return infer_shapes(fn, known, False, rule=_rule), sizes


#: Operations whose result shape exists only if their arguments' shapes fit together.
FITTING = {"ew", "compare", "where", "matmul"}
#: The helpers of matmul's and np.dot's gradients (the same formulas for vectors and matrices).
MATMUL_VJPS = ("matmul_vjp_left", "matmul_vjp_right", "dot_vjp_left", "dot_vjp_right")


def check_given(src, forward: Function, given: ShapeSpec) -> None:
    """Shapes given for ``src``'s parameters fit its operations, or a located error says
    where they do not (``X @ W1: (N,D) @ (E,H)``)."""
    params = [p.name for p in forward.params]
    given = {k: v for k, v in given.items() if k in params}
    if not given:
        return
    forward = optimize(forward)           # dead lines are not the program's to fit
    numbers, sizes = resolve(stated_shapes(src), given, _numbers_in(forward))
    shapes = infer_shapes(forward, numbers, True, rule=_rule)
    for n in walk(forward.body):
        if not isinstance(n, Node) or n.op not in FITTING or shapes.get(n.out.name) is not None:
            continue
        known = [shapes.get(a.name) if isinstance(a, Var) else () for a in n.args]
        if any(s is None for s in known):
            continue
        join = " @ " if n.op == "matmul" else ", "
        found = join.join(sizes.shape(s) for s in known)
        raise SymdiffError(f"the shapes given do not fit here: {found}", n.loc,
                           hint=f"make the shapes given ({show_spec(given)}) fit this line "
                                "(and the docstring's); a name is one size, and different "
                                "names are different sizes")


# ---------------------------------------------------------------- the comments


#: What the code computes for ``step(u)``, the derivative of ``max(0, u)``: at ``u = 0``
#: ties share the gradient (``0.5 * np.sign(u) + 0.5``), as JAX does.
STEP = "step(u) = 1 for u > 0, 0 for u < 0, 1/2 at u = 0: the code's 0.5*sign(u) + 0.5"


class _Math(StrPrinter):
    """Maths as a reader writes it: ``x^2``, ``max(0, x)``, ``step(x)`` for the step
    function (``STEP`` says what the code computes for it), differences as ``a - b``,
    and the arguments ``_0, _1...`` by their names, in the order the user wrote them."""

    def __init__(self, names: dict[str, str]):
        super().__init__({"full_prec": False})
        self.names = names

    def _print_Symbol(self, e):
        return self.names.get(e.name, e.name)

    def _print_Heaviside(self, e):
        return f"step({self._print(e.args[0])})"

    def _print_Max(self, e):
        return f"max({', '.join(self._print(a) for a in _ordered(e.args))})"

    def _print_Min(self, e):
        return f"min({', '.join(self._print(a) for a in _ordered(e.args))})"

    def _print_Add(self, e, order=None):
        terms = sorted(e.args, key=lambda t: t.could_extract_minus_sign())
        text = self._print(terms[0])
        for t in terms[1:]:
            if t.could_extract_minus_sign():
                text += f" - {self.parenthesize(-t, precedence(e))}"
            else:
                text += f" + {self.parenthesize(t, precedence(e))}"
        return text


def _ordered(args):
    """Numbers first, as in ``max(0, x)``."""
    return sorted(args, key=lambda a: not a.is_Number)


def _math(expr: sympy.Expr, names: dict[str, str]) -> str:
    """``expr`` as maths, its symbols printed as ``names`` says (``{"_0": "x"}``)."""
    return _Math(names).doprint(expr).replace("**", "^")


def annotator(src, forward: Function, given: ShapeSpec | None = None) -> Callable:
    """``annotate(fn)`` for codegen: the comment lines atop ``fn`` and its commentary.

    ``given`` shapes (by parameter name) win over those the source states."""
    forward = optimize(forward)       # as the gradient's forward part: its names, no others
    params = [p.name for p in forward.params]
    stated = stated_shapes(src)
    given = {k: v for k, v in (given or {}).items() if k in params}

    def annotate(fn: Function):
        shapes, sizes = line_shapes(forward, fn, stated, given)
        return _preamble(forward, shapes, sizes), Commentary(fn, shapes, sizes)
    return annotate


def _preamble(forward: Function, shapes: dict, sizes: Sizes) -> list[str]:
    known = [f"{p.name}={sizes.shape(shapes.get(p.name))}" for p in forward.params]
    lines = ["shapes: " + ", ".join(known)]
    if sizes.exact:
        lines.append("with " + ", ".join(f"{name}={d}" for d, name in sizes.exact.items()))
    if any(k.endswith("=?") for k in known):
        lines.append('(? = not known: state it in a docstring, e.g. "X is (N, D)", '
                     "or give it with --shapes)")
    return lines


class Commentary:
    """Writes one function's comments: ``(statement, default comment, inlined names)`` ->
    ``(comment beside it, comment lines above it)``. Remembers the last source line it
    announced, so a backward block of one source line gets one heading."""

    def __init__(self, fn: Function, shapes: dict, sizes: Sizes):
        self.shapes, self.sizes = shapes, sizes
        self.made = {s.out.name: s for s in walk(fn.body) if isinstance(s, Node)}
        self.heading = None

    def shape(self, v) -> str:
        if isinstance(v, Const):
            return "()" if isinstance(v.value, (int, float)) else "?"
        return self.sizes.shape(self.shapes.get(v.name))

    def operand(self, v, inline: set) -> str:
        """An argument's shape, written as the code writes it (``(N,H).T`` for ``h.T``)."""
        if isinstance(v, Var) and v.name in inline and v.name in self.made:
            return self.shape(self.made[v.name].args[0]) + ".T"
        return self.shape(v)

    def __call__(self, s, comment: str, inline: set) -> tuple[str, list[str]]:
        if not isinstance(s, Node) or not (s.derived or s.origin):     # forward, or a region
            if isinstance(s, Node) and s.op not in CHECKS + ("push", "tape"):
                return f"{comment}  {self.shapes_of(s, inline)}".strip(), []
            if s.loc is not None:
                self.heading = (s.loc.file, s.loc.line)
            return comment, []
        above = []
        loc = self.attributed(s)
        if loc is not None and (loc.file, loc.line) != self.heading:
            self.heading = (loc.file, loc.line)
            above.append(f"{os.path.basename(loc.file)}:{loc.line}  {loc.text.strip()}")
        lesson, note = self.lesson(s)
        above += lesson.split("\n") if lesson else []
        beside = self.shapes_of(s, inline)
        return f"{beside}  {note}".strip(), above

    def attributed(self, s: Node):
        """The source line a backward line belongs to: its own, except for a sum of
        gradients placed at an ``if`` or a loop's header (where the branches join), which
        belongs to the line whose gradient it adds in, when there is one such line."""
        if not (s.gradient_sum and s.loc is not None and _header(s.loc.text)):
            return s.loc
        added = {self.made[a.name].origin[0].loc for a in s.args[1:]
                 if isinstance(a, Var) and a.name in self.made
                 and self.made[a.name].origin is not None}
        added.discard(None)
        return added.pop() if len(added) == 1 else s.loc

    # ------------------------------------------------------------ shapes beside a line

    def shapes_of(self, n: Node, inline: set) -> str:
        """``(N,H) = (N,D) @ (D,H)``: the value's shape from its arguments' (empty when
        the value's own shape is not known)."""
        text = self._shapes_of(n, inline)
        return "" if text.startswith(("?", "= ?")) else text

    def _shapes_of(self, n: Node, inline: set) -> str:
        out, op, a = self.shape(n.out), n.op, n.args
        arg = [self.operand(v, inline) for v in a]
        if op == "matmul":
            return f"{out} = {arg[0]} @ {arg[1]}"
        if op == "outer":
            return f"{out} = outer({arg[0]}, {arg[1]})"
        if op in MATMUL_VJPS:
            return f"{out} = {self.matmul_vjp(n, arg)}"
        if op in ("sum", "mean", "amax", "amin"):
            what = {"amax": "max", "amin": "min"}.get(op, op)
            axis = n.param("axis")
            over = "" if axis is None else f" over {_axes(axis)}"
            return f"{out} = {what} of {arg[0]}{over}"
        if op == "unbroadcast":
            axes = self.broadcast_axes(a[0], a[1])
            if axes is None:
                return f"{out} = {arg[0]} summed to the shape of {a[1]}"
            return f"{out} = sum of {arg[0]} over {_axes(axes)}" if axes else f"{out} = {arg[0]}"
        if op == "broadcast_to":
            return f"{out} = {arg[0]} broadcast"
        if op == "transpose":
            return f"{out} = {arg[0]}.T" if n.param("axes") is None else \
                f"{out} = {arg[0]} transposed"
        if op in ("reshape", "expand_dims", "squeeze"):
            return f"{out} = {arg[0]} reshaped"
        if op == "getitem":
            return f"{out} = part of {arg[0]}"
        if op in ("scatter", "scatter_add"):
            return f"{out} = zeros with {arg[0]} written in"
        if op == "add_at":
            return f"{out} = {arg[0]} with {arg[1]} added in"
        if op == "setitem":
            return f"{out} = {arg[0]} with {arg[1]} written in"
        if op == "compare":
            return f"{out} = {arg[0]} {n.param('symbol')} {arg[1]}"
        if op == "where":
            return f"{out} = where({', '.join(arg)})"
        if op == "shape":
            return f"= {self.shape(a[0])}"
        if op == "dim":
            shape = self.shapes.get(a[0].name) if isinstance(a[0], Var) else None
            return "" if shape is None else f"= {self.sizes.show(shape[n.param('axis')])}"
        if op in CHECKS + ("tape", "push", "pop", "size", "ndim", "intop", "not", "cast"):
            return ""
        if op == "ew":
            arrays = [x for v, x in zip(a, arg) if isinstance(v, Var)]
            spread = [x for x in arrays if x not in (out, "()")]
            return f"{out} from {', '.join(arrays)}" if spread and out != "?" else out
        return out

    def matmul_vjp(self, n: Node, arg: list[str]) -> str:
        """What the helper computes for these ranks, as ``vjp_matmul`` would write it."""
        g, x, y = arg
        rx, ry = (len(self.shapes[v.name]) if isinstance(v, Var) and
                  self.shapes.get(v.name) is not None else None for v in n.args[1:])
        if n.op in ("matmul_vjp_left", "dot_vjp_left"):
            forms = {(1, 2): f"{g} @ {y}.T", (2, 2): f"{g} @ {y}.T", (2, 1): f"outer({g}, {y})",
                     (1, 1): f"{g} * {y}"}
        else:
            forms = {(2, 1): f"{x}.T @ {g}", (2, 2): f"{x}.T @ {g}", (1, 2): f"outer({x}, {g})",
                     (1, 1): f"{g} * {x}"}
        return forms.get((rx, ry), f"d/d{n.args[1 if n.op.endswith('left') else 2]} of {x} @ {y}")

    # ------------------------------------------------------------ the maths above a line

    def lesson(self, n: Node) -> tuple[str, str]:
        """(a comment line above ``n``, a note beside it): the maths of its backward step,
        and why an argument of the same node gets no gradient, where one does not."""
        above, beside = self._lesson(n)
        beside = beside or (n.note if n.gradient_sum else "")   # "branch: gradients add"
        if n.origin is None or not above:
            return above, beside
        f, i = n.origin
        notes = [self.skipped(f, j) for j, a in enumerate(f.args)
                 if j != i and self.is_skipped(a)]
        return "\n".join([above, *notes]), beside

    def _lesson(self, n: Node) -> tuple[str, str]:
        if n.origin is None:
            return "", n.note
        f, i = n.origin
        arg = f.args[i]
        if f.op == "ew":
            if n.op in ("ew", "alias"):
                return self.local_derivative(f, i), ""
            if n.op in ("sum", "unbroadcast") and not self.has_own_line(n):
                return f"{self.local_derivative(f, i)}, and\n{self.summed_back(n, arg)}", ""
            if n.op in ("sum", "unbroadcast", "reshape"):
                return self.summed_back(n, arg), ""
        if f.op == "matmul" and n.op in MATMUL_VJPS:
            formula = self.matmul_vjp(n, [str(v) for v in n.args])
            if formula.startswith("d/d"):
                return f"matmul: d({f.args[0]} @ {f.args[1]})/d{arg}, for any ranks", ""
            return f"matmul: d{arg} = {formula} (the helper also handles other ranks)", ""
        if f.op in ("sum", "mean") and n.op == "broadcast_to":
            return (f"{f.op} distributes: every element of {arg} gets the gradient of "
                    f"{f.out}" + (", divided by the count" if f.op == "mean" else ""), "")
        if f.op in ("amax", "amin"):
            word = "max" if f.op == "amax" else "min"
            if n.op == "compare":
                return f"{word} routes: the gradient goes where {arg} equals its {word}", ""
            if n.op == "sum":
                return "", "ties share it"
        if f.op == "getitem" and n.op in ("scatter", "scatter_add", "add_at"):
            repeats = " (repeats add up)" if n.op != "scatter" else ""
            return (f"index routes: d{f.out} goes back where {f.out} was read from "
                    f"{arg}{repeats}", "")
        if f.op in ("where", "setitem") and n.op in ("sum", "unbroadcast", "reshape"):
            return self.summed_back(n, arg), ""
        if f.op in ("reshape", "expand_dims", "squeeze") and n.op == "reshape":
            return f"reshape routes: the gradient takes {arg}'s shape again", ""
        if f.op == "transpose":
            return "transpose routes: the gradient is transposed back", ""
        return "", ""

    def has_own_line(self, n: Node) -> bool:
        """Whether the local derivative that ``n`` sums back was applied on a line of its own
        (a local derivative of 1 is not: the gradient comes straight through)."""
        made = self.made.get(n.args[0].name) if isinstance(n.args[0], Var) else None
        return made is not None and made.origin == n.origin

    def local_derivative(self, f: Node, i: int) -> str:
        """``mul switches: d(q*z)/dq = z``, in maths, and in the code's form if it differs."""
        expr = f.param("expr")
        names = {s.name: str(a) for s, a in zip(ew_symbols(len(f.args)), f.args)}
        names[E.OUT.name] = str(f.out)
        leaf = ew_symbols(len(f.args))[i]
        exact = _math(E._clean(sympy.diff(expr, leaf)), names)
        head = f"d {_math(expr, names)}" if _atomic(expr) else f"d({_math(expr, names)})"
        text = f"{head}/d{f.args[i]} = {exact}"
        code = _math(E.local_derivative(expr, i), names)
        if code != exact:
            text += f" = {code}"
        gate = rules.gate(f)
        text = f"{gate}: {text}" if gate else text
        return text + ("\n" + STEP if "step(" in text else "")

    def is_skipped(self, v) -> bool:
        """Whether ``v`` is a max or min the output does not depend on (the shift of a
        softmax): the chain rule gives it no gradient."""
        made = self.made.get(v.name) if isinstance(v, Var) else None
        return made is not None and made.op in ("amax", "amin") and bool(made.param("constant"))

    def skipped(self, f: Node, j: int) -> str:
        made = self.made[f.args[j].name]
        word = "max" if made.op == "amax" else "min"
        return (f"no gradient for {made.out} (the {word} of {made.args[0]}): shifting a row "
                "by a constant\nleaves the result unchanged (a softmax is shift-invariant), "
                "so its gradient is 0")

    def summed_back(self, n: Node, arg) -> str:
        """``b was broadcast over axis 0: sum it back``, from the shapes where known."""
        if n.op == "reshape":
            return f"... and reshape it to {arg}'s shape"
        if n.op == "sum":
            axis = n.param("axis")
            if axis is None:
                return f"{arg} was broadcast to every element: sum them all back"
            return f"{arg} was broadcast over {_axes(axis)}: sum it back"
        axes = self.broadcast_axes(*n.args)
        if axes is None:
            return f"if {arg} was broadcast, sum the gradient back to its shape"
        if not axes:
            return f"{arg} was not broadcast: nothing to sum"
        return f"{arg} was broadcast over {_axes(axes)}: sum it back"

    def broadcast_axes(self, g, like) -> tuple | None:
        """The axes along which ``like`` was broadcast to ``g``'s shape (None: not known)."""
        gs = self.shapes.get(g.name) if isinstance(g, Var) else None
        xs = self.shapes.get(like.name) if isinstance(like, Var) else None
        if gs is None or xs is None or len(gs) < len(xs):
            return None
        lead = len(gs) - len(xs)
        return tuple(range(lead)) + tuple(lead + k for k, d in enumerate(xs)
                                          if d == 1 and gs[lead + k] != 1)


def _axes(axis) -> str:
    """``axis 0`` or ``axes 0, 1``."""
    axes = axis if isinstance(axis, tuple) else (axis,)
    return f"axis {axes[0]}" if len(axes) == 1 else "axes " + ", ".join(map(str, axes))


def _header(text: str) -> bool:
    """Whether a source line opens a block (``if ...:``, ``for ...:``, ``while ...:``)."""
    word = text.strip().split(" ", 1)[0].rstrip(":")
    return word in ("if", "elif", "else", "for", "while")


def _atomic(expr: sympy.Expr) -> bool:
    return isinstance(expr, (sympy.Function, sympy.Max, sympy.Min)) or expr.is_Symbol


__all__ = ["annotator", "check_given", "Commentary", "line_shapes", "parse_shapes", "stated_shapes",
           "numeric", "show_spec", "check_spec", "resolve", "Sizes"]
