"""Random symdiff test programs for property-based fuzzing, as hypothesis strategies.

``programs()`` draws a :class:`Program`: the text of a small module that defines

    def f(x, y, w):
        ...
        return <scalar>

with ``x`` and ``y`` float arrays of shape (3,) and ``w`` a Python float. The body is built
from what the README promises symdiff understands:

- arithmetic ``+ - * /`` (a division only ever by something kept away from zero:
  ``1.0 + e * e``, ``1.0 + e ** 2``, ``2.0 + np.cos(e)``), unary minus, ``** 2``, ``@``;
- elementwise functions inside their domains: ``np.sin np.cos np.tanh``,
  ``np.exp(np.tanh(e))``, ``np.log(1.0 + e * e)``, ``np.sqrt(1.0 + e * e)``, their ``math``
  twins on scalars, and the kinked ``np.abs np.maximum np.minimum np.clip abs max min``;
- reductions ``np.sum np.mean np.max np.min np.dot np.linalg.norm`` and methods
  ``.sum() .max()``; broadcasting with scalars and outer products
  ``a[:, None] * b[None, :]`` reduced again (over an axis or entirely);
- reads ``v[0]``, ``v[-1]``, ``v[i]``, ``v[2 - i]``, ``v[i - 1]``, ``v[1:]``, ``v[::-1]``,
  ``np.concatenate((v[1:], v[:1]))``;
- local arrays (``np.zeros(3)``, ``np.ones(3)``, ``v.copy()``, fresh results of arithmetic)
  written through ``a[i] = ...``, ``a[i] += ...``, ``a[1:] = ...``, ``a += ...``;
- ``if / elif / else`` and conditional expressions on scalar conditions, ``for i in
  range(...)`` loops with loop-carried scalars and arrays, ``while k < 3`` loops with a
  counter (optionally ``and`` a data-dependent condition), ``break``, ``continue``, early
  ``return`` (also from inside loops), nested loops, and a module-level helper ``h(a, b)``;
- with ``aliasing``: writes into local arrays through a second name (``p = a[1:]``,
  ``a[::-1]``, ``a[None][0]``, ``a.T``, ``p = a``, then ``p[i] = ...``, ``p *= ...``) and
  through helpers that write into their argument (``scale_into(a[1:], s)``).

Programs are depth-limited so that each one compiles in a small fraction of a second.

Kinks and branches. A program may compare data with a threshold, take ``np.max`` or
``abs``, so a gradient check is only meaningful away from the kinks. ``pick_inputs``
therefore runs a *probed* copy of the module (``probe_source``: every comparison and every
kinked call is replaced by a wrapper that records the distance to its kink) and accepts
only inputs whose smallest distance is at least ``MARGIN``.

``check_program`` is the property: symdiff's gradient with respect to all three
arguments passes ``symdiff.check_grad``, has the kind of its argument, the shape-generic
``Gradient.source`` gives the same numbers as the specialized call, ``value_and_grad``'s
value is ``f``'s, and nothing mutates the inputs. A failure of ``check_grad`` counts only
if a fourth-order difference disagrees too (rounding in its second-order difference is
not a symdiff bug).

``reduce_program`` shrinks a failing program (delete statements, inline branches and loops,
replace expressions by their parts) while it keeps failing the same way
(``failure_signature``); ``scripts/fuzz.py --reduce-file`` drives it.
"""
from __future__ import annotations

import ast
import copy
import math
import operator
import re
import signal
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

import symdiff
import fuzz_operators
from support import (as_tuple, assert_float_dtype, assert_generic_agrees, assert_kinds,
                     load_module)

#: Smallest accepted distance of a branch condition or kink from its switching point.
MARGIN = 1e-2
#: Largest accepted |f(x, y, w)|: keeps central differences accurate.
MAX_VALUE = 1e3

CONSTANTS = ("0.5", "2.0", "0.3", "1.5", "0.1", "3.0")
THRESHOLDS = ("0.0", "0.3", "-0.5", "1.0")


# --------------------------------------------------------------------------- programs


@dataclass
class Program:
    """A generated module: ``source`` defines ``f(x, y, w)`` (and maybe a helper ``h``)."""

    source: str
    features: frozenset = field(default_factory=frozenset)

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"Program(source={self.source!r})"


class _Env:
    """What a statement may read and write at its position in the program."""

    def __init__(self, vec, scal, ints, loops):
        self.vec = vec          # names of (3,) float arrays
        self.scal = scal        # names of float scalars
        self.ints = ints        # (name, low, high): loop counters with low <= value < high <= 3
        self.loops = loops      # enclosing loops, innermost last: "for" or "while"

    def child(self) -> "_Env":
        return _Env(list(self.vec), list(self.scal), list(self.ints), list(self.loops))


class _Generator:
    """Draws one program. Every choice goes through hypothesis, so it shrinks."""

    def __init__(self, draw, max_expr_depth: int, max_nesting: int, max_statements: int,
                 control_flow: bool, require: tuple = (), aliasing: bool = False,
                 operators: bool = False):
        self.draw = draw
        self.aliasing = aliasing
        self.operators = operators
        self.writers: dict[str, str] = {}     # helpers that write into their argument
        self.require = require
        self.max_expr_depth = max_expr_depth
        self.max_nesting = max_nesting
        self.max_statements = max_statements
        self.control_flow = control_flow
        self.count = 0
        # arrays nobody else refers to: the only ones a subscript or in-place write may touch
        self.writable: set[str] = set()
        # arrays some other name may alias (a bare `b = a` or `b = a[::-1]` happened)
        self.aliased: set[str] = {"x", "y"}
        self.helper = False
        self.features: set[str] = set()

    # ---------------------------------------------------------------- drawing helpers

    def pick(self, options):
        return self.draw(st.sampled_from(list(options)))

    def chance(self) -> bool:
        return self.draw(st.booleans())

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    # ---------------------------------------------------------------- leaves

    def index(self, env: _Env) -> str:
        """An index valid for a (3,) array here: a constant or a loop counter expression."""
        options = ["0", "1", "2", "-1"]
        for name, low, _high in env.ints:
            options += [name, f"2 - {name}"]
            if low >= 1:
                options.append(f"{name} - 1")
        return self.pick(options)

    def vec_leaf(self, env: _Env) -> str:
        name = self.pick(env.vec)
        if self.draw(st.integers(0, 4)) == 0:
            self.features.add("reversed")
            return f"{name}[::-1]"
        return name

    def scal_leaf(self, env: _Env) -> str:
        kind = self.pick(["name", "index", "const"] + (["counter"] if env.ints else []))
        if kind == "name":
            return self.pick(env.scal)
        if kind == "index" and env.vec:
            self.features.add("index")
            return f"{self.pick(env.vec)}[{self.index(env)}]"
        if kind == "counter":
            name = self.pick([n for n, _, _ in env.ints])
            return f"({name} + 1.0)"
        return self.pick(CONSTANTS)

    # ---------------------------------------------------------------- expressions

    def unary(self, e: str, scalar: bool) -> str:
        forms = ["np.sin({0})", "np.cos({0})", "np.tanh({0})", "(-({0}))", "(({0}) ** 2)",
                 "np.exp(np.tanh({0}))", "np.log(1.0 + ({0}) * ({0}))",
                 "np.sqrt(1.0 + ({0}) * ({0}))", "np.abs({0})", "np.clip({0}, -1.0, 1.0)",
                 "np.square({0})", "np.log1p(({0}) ** 2)", "np.arctan({0})"]
        if scalar:
            forms += ["math.sin({0})", "math.tanh({0})", "math.exp(math.cos({0}))",
                      "math.sqrt(1.0 + ({0}) ** 2)", "abs({0})", "float({0})"]
        form = self.pick(forms)
        if any(k in form for k in ("abs", "clip")):
            self.features.add("kink")
        return form.format(e)

    def denominator(self, env: _Env, depth: int, scalar: bool) -> str:
        e = self.expr(env, depth, scalar or self.chance())
        return self.pick(["(1.0 + ({0}) * ({0}))", "(1.0 + ({0}) ** 2)",
                          "(2.0 + np.cos({0}))"]).format(e)

    def expr(self, env: _Env, depth: int, scalar: bool) -> str:
        return self.scal_expr(env, depth) if scalar else self.vec_expr(env, depth)

    def vec_expr(self, env: _Env, depth: int) -> str:
        if depth <= 0:
            return self.vec_leaf(env)
        forms = ["leaf", "unary", "binary", "binary", "mixed", "divide", "outer", "roll",
                 "kink2"]
        if self.helper:
            forms.append("helper")
        if self.operators:
            forms += ["operator", "operator"]
        form = self.pick(forms)
        d = depth - 1
        if form == "operator":
            self.features.add("operator")
            return fuzz_operators.vec_form(self, env, d)
        if form == "leaf":
            return self.vec_leaf(env)
        if form == "unary":
            return self.unary(self.vec_expr(env, d), scalar=False)
        if form == "binary":
            op = self.pick(["+", "-", "*"])
            return f"({self.vec_expr(env, d)} {op} {self.vec_expr(env, d)})"
        if form == "mixed":
            self.features.add("broadcast")
            op = self.pick(["+", "-", "*"])
            a, b = self.vec_expr(env, d), self.scal_expr(env, d)
            return f"({a} {op} {b})" if self.chance() else f"({b} {op} {a})"
        if form == "divide":
            return f"({self.vec_expr(env, d)} / {self.denominator(env, d, False)})"
        if form == "outer":
            self.features.add("outer")
            return self.outer(env, axis=self.pick(["0", "1"]))
        if form == "roll":
            self.features.add("concatenate")
            name = self.pick(env.vec)
            return f"np.concatenate(({name}[1:], {name}[:1]))"
        if form == "kink2":
            self.features.add("kink")
            fn = self.pick(["np.maximum", "np.minimum"])
            a, b = self.vec_expr(env, d), self.expr(env, d, self.chance())
            return f"{fn}({a}, {b if b != a else self.pick(THRESHOLDS)})"
        self.features.add("helper")
        a = self.vec_expr(env, d)
        b = self.expr(env, d, self.chance())
        return f"h({a}, {b})" if self.chance() else f"h({b}, {a})"

    def outer(self, env: _Env, axis: str | None) -> str:
        """A (3, 3) outer combination of two arrays, reduced over an axis or entirely."""
        names = list(env.vec)
        a = self.pick(names)
        b = self.pick([n for n in names if n != a] or names)
        inner = self.pick(["{a}[:, None] * {b}[None, :]", "np.tanh({a}[:, None] - {b}[None, :])",
                           "{a}[:, None] + {b}[None, :]"]).format(a=a, b=b)
        reduce = self.pick(["np.sum", "np.mean", "np.max"])
        if reduce == "np.max":
            self.features.add("max")
        return f"{reduce}({inner})" if axis is None else f"{reduce}({inner}, axis={axis})"

    def scal_expr(self, env: _Env, depth: int) -> str:
        if depth <= 0:
            return self.scal_leaf(env)
        forms = ["leaf", "reduce", "reduce", "unary", "binary", "binary", "divide", "dot",
                 "outer", "shifted", "kink2"]
        if self.control_flow and depth >= 2:
            forms.append("ifexp")
        if self.helper:
            forms.append("helper")
        if self.operators:
            forms += ["operator", "operator"]
        form = self.pick(forms)
        d = depth - 1
        if form == "operator":
            self.features.add("operator")
            return fuzz_operators.scal_form(self, env, d)
        if form == "leaf":
            return self.scal_leaf(env)
        if form == "reduce":
            fn = self.pick(["np.sum({})", "np.mean({})", "np.max({})", "np.min({})",
                            "({}).sum()", "np.linalg.norm({})", "({}).max()"])
            if "max" in fn or "min" in fn:
                self.features.add("max")
            return fn.format(self.vec_expr(env, d))
        if form == "unary":
            return self.unary(self.scal_expr(env, d), scalar=True)
        if form == "binary":
            op = self.pick(["+", "-", "*"])
            return f"({self.scal_expr(env, d)} {op} {self.scal_expr(env, d)})"
        if form == "divide":
            return f"({self.scal_expr(env, d)} / {self.denominator(env, d, True)})"
        if form == "dot":
            a, b = self.vec_expr(env, d), self.vec_expr(env, d)
            return self.pick(["np.dot({}, {})", "({} @ {})"]).format(a, b)
        if form == "outer":
            self.features.add("outer")
            return self.outer(env, axis=None)
        if form == "shifted":
            self.features.add("slice")
            a, b = self.pick(env.vec), self.pick(env.vec)
            return self.pick(["np.sum({a}[1:] * {b}[:-1])", "np.dot({a}[:2], {b}[1:])",
                              "np.mean({a}[1:] - {b}[:2])"]).format(a=a, b=b)
        if form == "kink2":
            self.features.add("kink")
            fn = self.pick(["max", "min", "np.maximum", "np.minimum"])
            a, b = self.scal_expr(env, d), self.scal_expr(env, d)
            return f"{fn}({a}, {b if b != a else self.pick(THRESHOLDS)})"
        if form == "ifexp":
            self.features.add("ifexp")
            return f"({self.scal_expr(env, d)} if {self.condition(env, 1)} " \
                   f"else {self.scal_expr(env, d)})"
        self.features.add("helper")
        return f"h({self.scal_expr(env, d)}, {self.scal_expr(env, d)})"

    def condition(self, env: _Env, depth: int = 2) -> str:
        kinds = ["w", "data", "data"] + (["counter"] if env.ints else [])
        kind = self.pick(kinds)
        if kind == "w":
            return self.pick(["w > 0.0", "w < 0.0", "w > 0.0 and {c}"]).format(
                c=f"{self.scal_expr(env, 1)} > {self.pick(THRESHOLDS)}")
        if kind == "counter":
            name = self.pick([n for n, _, _ in env.ints])
            return self.pick(["{i} == 1", "{i} < 2", "{i} >= 1", "{i} == 0"]).format(i=name)
        op = self.pick([">", "<"])
        cond = f"{self.scal_expr(env, self.pick(range(1, depth + 1)))} {op} " \
               f"{self.pick(THRESHOLDS)}"
        if self.draw(st.integers(0, 3)) == 0:
            cond = f"not ({cond})" if self.chance() else f"{cond} or w > 0.0"
        return cond

    # ---------------------------------------------------------------- statements

    def depth_here(self, env: _Env) -> int:
        """Expression depth for a statement: shallower inside loops, shrinks towards 1."""
        return self.draw(st.integers(1, max(1, self.max_expr_depth - len(env.loops))))

    def assign(self, env: _Env, lines: list[str], scalar: bool, target: str | None) -> None:
        depth = self.depth_here(env)
        if scalar:
            name = target or self.fresh("s")
            lines.append(f"{name} = {self.scal_expr(env, depth)}")
            if name not in env.scal:
                env.scal.append(name)
            return
        value = self.vec_expr(env, depth)
        bare = value.split("[")[0]
        if value in env.vec or (value.endswith("[::-1]") and bare in env.vec):
            # a bare name (or a view of one) aliases its source: neither may be written
            # through again, and inside a loop only arrays nobody writes may be aliased
            if bare in self.writable or (target and target in self.writable):
                value = f"(1.0 * {value})"
            else:
                self.aliased.add(bare)
                if target:
                    self.aliased.add(target)
        name = target or self.fresh("v")
        lines.append(f"{name} = {value}")
        if name not in env.vec:
            env.vec.append(name)
        if target is None and value not in env.vec and not value.endswith("[::-1]"):
            self.writable.add(name)
        if name in self.aliased:
            self.writable.discard(name)

    def local_array(self, env: _Env, lines: list[str]) -> None:
        self.features.add("local_array")
        name = self.fresh("a")
        source = self.pick(["np.zeros(3)", "np.ones(3)", "{}.copy()"])
        if "copy" in source:
            source = source.format(self.pick(env.vec))
        lines.append(f"{name} = {source}")
        env.vec.append(name)
        self.writable.add(name)

    def writable_array(self, env: _Env, lines: list[str]) -> str:
        """A local array nothing aliases (made here if there is none)."""
        targets = [n for n in env.vec if n in self.writable]
        if not targets:
            self.local_array(env, lines)
            targets = [env.vec[-1]]
        return self.pick(targets)

    def write(self, env: _Env, lines: list[str]) -> None:
        """A subscript or in-place write into a local array that nothing aliases."""
        a = self.writable_array(env, lines)
        self.features.add("write")
        depth = max(1, self.depth_here(env) - 1)
        forms = ["{a}[{i}] = {s}", "{a}[{i}] += {s}", "{a}[{i}] -= {s}", "{a}[{i}] *= {s}",
                 "{a}[1:] = ({v})[:2]", "{a}[:2] += ({v})[1:]", "{a} += {v}", "{a} *= {s}"]
        lows = [low for _, low, _ in env.ints if low >= 1]
        if lows:
            forms.append("{a}[{r}] = 0.5 * {a}[{r} - 1] + {s}")
        form = self.pick(forms)
        r = self.pick([n for n, low, _ in env.ints if low >= 1]) if "{r}" in form else ""
        lines.append(form.format(a=a, i=self.index(env), r=r, s=self.scal_expr(env, depth),
                                 v=self.vec_expr(env, depth)))

    #: Views of a (3,) array and how many elements they have.
    VIEWS = (("{a}[1:]", 2), ("{a}[:2]", 2), ("{a}[::2]", 2), ("{a}[::-1]", 3), ("{a}", 3),
             ("{a}[-2:]", 2), ("{a}[None][0]", 3), ("{a}.T", 3))
    #: Helpers that write into their first argument (``s`` a float).
    WRITERS = {"scale_into": "out *= s", "fill_into": "out[:] = np.sin(out) * s",
               "add_into": "out[1:] += s * out[:-1]", "set_first": "out[0] = s",
               "accumulate_into": "for i in range(len(out)):\n        out[i] += s * (i + 1.0)"}

    def write_through_alias(self, env: _Env, lines: list[str]) -> None:
        """Write into a local array through a second name: a view, a plain alias, or a
        helper's argument (NumPy's in-place semantics; the second name is not read later)."""
        a = self.writable_array(env, lines)
        self.features.add("alias")
        s = self.scal_expr(env, max(1, self.depth_here(env) - 1))
        if self.chance():
            name = self.pick(sorted(self.WRITERS))
            self.writers[name] = self.WRITERS[name]
            view = self.pick(["{a}", "{a}[1:]", "{a}[::-1]", "{a}[:2]"]).format(a=a)
            lines.append(f"{name}({view}, {s})")
            return
        form, size = self.pick(self.VIEWS)
        v = self.fresh("p")
        lines.append(f"{v} = {form.format(a=a)}")
        i = self.pick([str(k) for k in range(size)] + ["-1"])
        lines.append(self.pick(["{v}[{i}] = {s}", "{v} *= {s}", "{v} += {s}",
                                "{v}[{i}] -= {s}", "{v}[:] = np.tanh({v}) + {s}",
                                "{v}[{i}] *= {s}"]).format(v=v, i=i, s=s))

    def writer_sources(self) -> list[str]:
        return [f"def {name}(out, s):\n    {body}\n" for name, body in sorted(self.writers.items())]

    def update(self, env: _Env, lines: list[str]) -> None:
        """Reassign or augment a variable that already exists (loop-carried in a loop)."""
        scalars = [n for n in env.scal]
        arrays = [n for n in env.vec]
        scalar = self.chance() if arrays else True
        depth = self.depth_here(env)
        if scalar:
            name = self.pick(scalars)
            form = self.pick(["{n} = {e}", "{n} += {e}", "{n} -= {e}",
                              "{n} = 0.5 * {n} + {e}", "{n} = np.tanh({n}) + {e}",
                              "{n} *= np.tanh({e})", "{n} /= {d}"])
            d = self.denominator(env, depth - 1, True) if "{d}" in form else ""
            lines.append(form.format(n=name, e=self.scal_expr(env, depth), d=d))
            return
        name = self.pick(arrays)
        form = self.pick(["=", "carried", "augmented"] if name in self.writable
                         else ["=", "carried"])
        if form == "=":
            self.assign(env, lines, scalar=False, target=name)
        elif form == "carried":
            lines.append(self.pick(["{n} = 0.5 * {n} + {e}", "{n} = np.tanh({n}) * {e}",
                                    "{n} = np.sin({n} + {e})"])
                         .format(n=name, e=self.expr(env, depth, self.chance())))
        else:
            op = self.pick(["+=", "-=", "*="])
            e = self.expr(env, depth, self.chance())
            lines.append(f"{name} {op} {'np.tanh(' + e + ')' if op == '*=' else e}")

    def statement(self, env: _Env, nesting: int, kind: str | None = None) -> list[str]:
        if kind is None:
            kinds = ["scalar", "vector", "scalar", "vector", "update", "update", "write"]
            if self.aliasing:
                kinds += ["alias", "alias"]
            if self.control_flow and nesting < self.max_nesting:
                kinds += ["if", "if", "for", "for", "while"]
            kind = self.pick(kinds)
        lines: list[str] = []
        if kind in ("scalar", "vector"):
            self.assign(env, lines, scalar=kind == "scalar", target=None)
        elif kind == "update":
            self.update(env, lines)
        elif kind == "write":
            self.write(env, lines)
        elif kind == "alias":
            self.write_through_alias(env, lines)
        elif kind == "if":
            self.if_statement(env, nesting, lines)
        elif kind == "for":
            self.for_loop(env, nesting, lines)
        else:
            self.while_loop(env, nesting, lines)
        return lines

    def block(self, env: _Env, nesting: int, low: int, high: int) -> list[str]:
        lines: list[str] = []
        for _ in range(self.draw(st.integers(low, high))):
            lines += self.statement(env, nesting)
        return lines

    def terminator(self, env: _Env) -> str | None:
        """Maybe end an `if` body with return / break / continue."""
        options = [None, "return"]
        if env.loops:
            options.append("break")
            if env.loops[-1] == "for":
                options.append("continue")
        choice = self.pick(options)
        if choice == "return":
            self.features.add("early_return")
            return f"return {self.final_value(env)}"
        if choice is not None:
            self.features.add(choice)
        return choice

    def if_statement(self, env: _Env, nesting: int, lines: list[str]) -> None:
        self.features.add("if")
        n_elif = self.draw(st.integers(0, 1))
        has_else = self.chance()
        # a new name assigned on every path is visible after the `if`
        joint = self.fresh("t") if has_else and self.chance() else None
        joint_scalar = self.chance()
        branches = [("if", self.condition(env))] + [("elif", self.condition(env))] * n_elif
        if has_else:
            branches.append(("else", None))
        for keyword, cond in branches:
            inner = env.child()
            body = self.block(inner, nesting + 1, 1, 2)
            if joint:
                self.assign(inner, body, joint_scalar, target=joint)
            end = self.terminator(inner)
            if end:
                body.append(end)
            lines.append(f"{keyword} {cond}:" if cond else "else:")
            lines += ["    " + line for line in body]
        if joint:
            (env.scal if joint_scalar else env.vec).append(joint)
            if not joint_scalar:
                self.writable.discard(joint)
                self.aliased.add(joint)

    def loop_body(self, env: _Env, nesting: int, kind: str, counter) -> list[str]:
        inner = env.child()
        inner.loops.append(kind)
        inner.ints.append(counter)
        statements = []
        for _ in range(self.draw(st.integers(1, 2))):
            statements.append((inner.child(), self.statement(inner, nesting + 1)))
        if self.draw(st.integers(0, 2)) == 0:
            # a conditional exit (break / continue / return) before one of the statements,
            # reading only what is defined there
            self.features.add("loop_exit")
            where = self.draw(st.integers(0, len(statements)))
            exit_env = statements[where][0] if where < len(statements) else inner.child()
            end = self.terminator(exit_env) or "break"
            self.features.add(end.split()[0])
            statements.insert(where, (None, [f"if {self.condition(exit_env)}:", "    " + end]))
        return [line for _, lines in statements for line in lines]

    def loop_counter(self, env: _Env, names) -> str:
        used = {n for n, _, _ in env.ints}
        return next(n for n in names if n not in used)

    def for_loop(self, env: _Env, nesting: int, lines: list[str]) -> None:
        self.features.add("for")
        name = self.loop_counter(env, ("i", "j", "l"))
        low, high = self.pick([(0, 3), (1, 3), (0, 2)])
        header = f"range({high})" if low == 0 else f"range({low}, {high})"
        body = self.loop_body(env, nesting, "for", (name, low, high))
        lines.append(f"for {name} in {header}:")
        lines += ["    " + line for line in body]

    def while_loop(self, env: _Env, nesting: int, lines: list[str]) -> None:
        self.features.add("while")
        name = self.loop_counter(env, ("k", "m", "n"))
        cond = f"{name} < 3"
        if self.draw(st.integers(0, 2)) == 0:
            self.features.add("data_while")
            cond += f" and {self.scal_expr(env, 1)} < {self.pick(['1.0', '2.0', '3.0'])}"
        body = self.loop_body(env, nesting, "while", (name, 0, 3))
        lines.append(f"{name} = 0")
        lines.append(f"while {cond}:")
        lines += ["    " + line for line in body + [f"{name} += 1"]]

    def final_value(self, env: _Env) -> str:
        form = self.pick(["sum+scalar", "sum", "scalar"])
        depth = self.depth_here(env)
        if form == "scalar":
            return self.scal_expr(env, depth)
        total = f"np.sum({self.vec_expr(env, depth)})"
        return total if form == "sum" else f"{total} + {self.scal_expr(env, depth)}"

    def helper_source(self) -> str:
        env = _Env([], ["a", "b"], [], [])
        saved = self.control_flow, self.helper
        self.control_flow, self.helper = False, False
        lines = []
        if self.chance():
            lines.append(f"t = {self.elementwise(env, 2)}")
            env.scal.append("t")
        lines.append(f"return {self.elementwise(env, 2)} * b + a")
        self.control_flow, self.helper = saved
        return "def h(a, b):\n" + "".join(f"    {line}\n" for line in lines)

    def elementwise(self, env: _Env, depth: int) -> str:
        """An expression that works on scalars and arrays alike (for the helper)."""
        if depth <= 0:
            return self.pick(env.scal + list(CONSTANTS[:2]))
        form = self.pick(["leaf", "unary", "binary", "divide"])
        if form == "leaf":
            return self.pick(env.scal)
        if form == "unary":
            e = self.elementwise(env, depth - 1)
            return self.pick(["np.sin({0})", "np.tanh({0})", "np.exp(np.tanh({0}))",
                              "np.sqrt(1.0 + ({0}) ** 2)", "(({0}) ** 2)"]).format(e)
        if form == "binary":
            return f"({self.elementwise(env, depth - 1)} {self.pick(['+', '-', '*'])} " \
                   f"{self.elementwise(env, depth - 1)})"
        return f"({self.elementwise(env, depth - 1)} / " \
               f"(1.0 + ({self.elementwise(env, depth - 1)}) ** 2))"

    def program(self) -> Program:
        parts = ["import math\n\nimport numpy as np\n"]
        if self.control_flow and self.draw(st.integers(0, 3)) == 0:
            parts.append(self.helper_source())
            self.helper = True
        env = _Env(["x", "y"], ["w"], [], [])
        # the statements asked for (`require`) go in among the drawn ones, in a drawn order
        kinds = [None] * self.draw(st.integers(0 if self.require else 1, self.max_statements))
        kinds += [self.pick(kind) if isinstance(kind, tuple) else kind for kind in self.require]
        body = []
        for kind in self.draw(st.permutations(kinds)):
            body += self.statement(env, 0, kind)
        body.append(f"return {self.final_value(env)}")
        parts += self.writer_sources()
        parts.append("def f(x, y, w):\n" + "".join(f"    {line}\n" for line in body))
        source = "\n\n".join(tidy(p) for p in parts)
        return Program(source, frozenset(self.features))


def tidy(text: str) -> str:
    """Drop the generator's defensive parentheses: ast round trip (keeps the semantics)."""
    return ast.unparse(ast.parse(text)) + "\n"


@st.composite
def programs(draw, max_expr_depth: int = 3, max_nesting: int = 2, max_statements: int = 4,
             control_flow: bool = True, require: tuple = (), aliasing: bool = False,
             operators: bool = False) -> Program:
    """A random, valid module text defining ``f(x, y, w)`` (see the module docstring).

    ``require`` lists statements the body must contain at its top level besides the drawn
    ones: ``"if"``, ``"for"``, ``"while"``, ``"write"``, ``"update"``, ... or a tuple of
    alternatives (``("for", "while")``), so a short run can aim at one feature. With
    ``aliasing``, statements also write into local arrays through views, aliases and
    helpers' arguments (``"alias"``). With ``operators``, expressions also draw from
    fuzz_operators.py (remainders, ``or``/``and``, ``astype``, ``np.full``/``np.linspace``,
    norms with ``ord``, powers, ``where`` traps).
    """
    return _Generator(draw, max_expr_depth, max_nesting, max_statements, control_flow,
                      require, aliasing, operators).program()


# --------------------------------------------------------------------------- inputs

class _Probe(fuzz_operators.OperatorProbe):
    """Runs a module with every comparison and kink recorded: how close did it come?"""

    def __init__(self):
        self.margin = math.inf

    def note(self, distance) -> None:
        d = np.min(np.abs(np.asarray(distance, dtype=float))) if np.size(distance) else math.inf
        self.margin = min(self.margin, float(d))

    def compare(self, op, left, right):
        if not (isinstance(left, (int, np.integer)) and isinstance(right, (int, np.integer))):
            self.note(np.asarray(left, dtype=float) - np.asarray(right, dtype=float))
        return op(left, right)

    def reduce_max(self, fn, a, axis=None, **kw):
        a = np.asarray(a, dtype=float)
        flat = a.reshape(-1) if axis is None else np.moveaxis(a, axis, -1)
        if flat.shape[-1] > 1:
            top = np.sort(flat, axis=-1)
            self.note(top[..., -1] - top[..., -2] if fn is np.max else top[..., 1] - top[..., 0])
        return fn(a, axis=axis, **kw)

    def pair(self, fn, a, b):
        self.note(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))
        return fn(a, b)

    def absolute(self, fn, a):
        self.note(a)
        return fn(a)

    def clip(self, a, low, high):
        self.note(np.asarray(a, dtype=float) - low)
        self.note(np.asarray(a, dtype=float) - high)
        return np.clip(a, low, high)


_COMPARE = {ast.Gt: "gt", ast.Lt: "lt", ast.GtE: "ge", ast.LtE: "le", ast.Eq: "eq",
            ast.NotEq: "ne"}


def _expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


class _ProbeTransformer(ast.NodeTransformer):
    def visit_Compare(self, node):
        self.generic_visit(node)
        op = _COMPARE[type(node.ops[0])]
        return ast.Call(func=_expr("_probe.compare"),
                        args=[_expr(f"operator.{op}"), node.left, node.comparators[0]],
                        keywords=[])

    def visit_Call(self, node):
        self.generic_visit(node)
        name = ast.unparse(node.func)

        def call(fn, *args):
            return ast.Call(func=_expr(fn), args=list(args), keywords=node.keywords)

        if name in ("np.max", "np.min"):
            return call("_probe.reduce_max", _expr(name), *node.args)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("max", "min") \
                and name not in ("np.max", "np.min") and not node.args:
            return call("_probe.reduce_max", _expr(f"np.{node.func.attr}"), node.func.value)
        if name in ("np.maximum", "np.minimum", "max", "min") and len(node.args) == 2:
            return call("_probe.pair", _expr(name), *node.args)
        if name in ("np.abs", "abs"):
            return call("_probe.absolute", _expr(name), *node.args)
        if name == "np.clip":
            return call("_probe.clip", *node.args)
        probe = fuzz_operators.probe_call(name)
        if probe:
            return call(probe, *([_expr(name)] if "remainder" in probe else []), *node.args)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Mod):
            return ast.Call(func=_expr("_probe.remainder"),
                            args=[_expr("operator.mod"), node.left, node.right], keywords=[])
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        node.values[:-1] = [ast.Call(func=_expr("_probe.truth"), args=[v], keywords=[])
                            for v in node.values[:-1]]
        return node


def probe_source(source: str) -> str:
    """The module with every comparison and kinked call routed through ``_probe``."""
    tree = _ProbeTransformer().visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree))


def run_probed(program: Program | str, args) -> tuple[float, float]:
    """(f(*args), the smallest distance of any comparison or kink from its switch)."""
    probe = _Probe()
    namespace = {"_probe": probe, "operator": operator}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)   # the reducer's odd programs
        code = compile(probe_source(str(program)), "<probed program>", "exec")
    exec(code, namespace)
    given = copy_args(args)
    # a `where` trap computes NaN and inf in its untaken branch; elsewhere they are errors
    trap = "np.where" in str(program)
    with np.errstate(all="raise", **(dict(invalid="ignore", divide="ignore") if trap else {})):
        value = float(namespace["f"](*given))
    for a, b in zip(given, args):
        if not np.array_equal(a, b):
            raise AssertionError("the program writes into its arguments")
    return value, probe.margin


def draw_args(rng: np.random.Generator) -> tuple:
    """x, y of shape (3,), normal with a scale of 1 (or, one time in four, 4: far enough
    out to change the sign of ``v + 3.0``); w a float with 0.3 <= |w| <= 1.5 (or 4.5)."""
    scale = 4.0 if rng.uniform() < 0.25 else 1.0
    x = scale * rng.standard_normal(3)
    y = scale * rng.standard_normal(3)
    w = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 1.5 if scale == 1.0 else 4.5))
    return x, y, w


def pick_inputs(program: Program | str, seed: int, tries: int = 25):
    """Arguments well away from every kink and branch switch, or None if none were found."""
    rng = np.random.default_rng(seed)
    for _ in range(tries):
        args = draw_args(rng)
        try:
            value, margin = run_probed(program, args)
        except (FloatingPointError, OverflowError, ZeroDivisionError):
            continue
        if math.isfinite(value) and abs(value) <= MAX_VALUE and margin >= MARGIN:
            return args
    return None


def copy_args(args) -> tuple:
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


# --------------------------------------------------------------------------- the property

#: Seconds one program may take to compile and check (they take well under one).
TIME_LIMIT = 20


class TooSlow(Exception):
    """Compiling and checking one small program took longer than TIME_LIMIT."""


@contextmanager
def time_limit(seconds: int = TIME_LIMIT):
    """Raise TooSlow after ``seconds`` (SIGALRM; a no-op where there is none)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum, frame):
        raise TooSlow(f"compiling and checking this program took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

WRT = (0, 1, 2)


def richardson_gradient(fn, args, i, h=1e-4) -> np.ndarray:
    """A fourth-order central difference: the referee when check_grad's own differences
    are in doubt (its plain central difference is only second order)."""
    x = np.array(args[i], dtype=float)
    out = np.zeros(x.shape)
    for k in range(x.size):
        def at(step, k=k):
            shifted = list(copy_args(args))
            moved = x.copy().reshape(-1)
            moved[k] += step
            shifted[i] = moved.reshape(x.shape) if x.ndim else float(moved[0])
            return float(fn(*shifted))
        out.reshape(-1)[k] = (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h)
    return out


def check_program(program: Program | str, args, folder: Path) -> None:
    """The fuzzing property. Raises (AssertionError, GradientCheckError, SymdiffError, any
    crash) if symdiff gets f wrong at ``args``."""
    module = load_module(folder, "fuzz", str(program))
    f = module.f
    originals = copy_args(args)
    try:
        with warnings.catch_warnings():
            # the inputs are away from every kink: a skipped element would hide a mismatch
            warnings.simplefilter("error", symdiff.KinkWarning)
            symdiff.check_grad(f, *args, wrt=WRT)
    except symdiff.GradientCheckError:
        # The plain central difference can lose digits to rounding; a gradient that also
        # disagrees with a fourth-order difference is wrong.
        grads = symdiff.grad(f, wrt=WRT)(*copy_args(args))
        for i, got in zip(WRT, grads):
            # a fast-varying f (sin of large arguments) needs the smaller step
            if not any(np.allclose(got, richardson_gradient(f, args, i, h), rtol=1e-5,
                                   atol=1e-6) for h in (1e-4, 1e-5)):
                raise
    for a, b in zip(args, originals):
        np.testing.assert_array_equal(a, b, err_msg="check_grad or f changed an input")

    g = symdiff.grad(f, wrt=WRT)
    grads = as_tuple(g(*args), True)
    for k, part in enumerate(grads):
        assert np.all(np.isfinite(part)), f"gradient {k} is not finite: {part!r}"
    assert_kinds(grads, args, WRT)
    assert_float_dtype(grads, args, WRT)
    assert_generic_agrees(g, args, grads, True)
    for a, b in zip(args, originals):
        np.testing.assert_array_equal(a, b, err_msg="the gradient changed an input")

    value, grads_too = symdiff.value_and_grad(f, wrt=WRT)(*args)
    want = f(*copy_args(args))
    np.testing.assert_allclose(value, want, rtol=1e-12, atol=1e-12,
                               err_msg="value_and_grad: value differs from f")
    for k, (a, b) in enumerate(zip(grads_too, grads)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12,
                                   err_msg=f"value_and_grad: gradient {k} differs from grad")
    check_other_modes(f, args, grads, g)


def check_other_modes(f, args, grads, g) -> None:
    """Forward mode agrees with the gradient (jvp = grad . v) and the Hessian-vector product
    with central differences of the gradient along v."""
    rng = np.random.default_rng(0)
    vs = [rng.standard_normal(np.shape(a)) if isinstance(a, np.ndarray) else
          float(rng.standard_normal()) for a in args]
    value, slope = symdiff.jvp(f, wrt=WRT)(*copy_args(args), *vs)
    np.testing.assert_allclose(value, f(*copy_args(args)), rtol=1e-12, atol=1e-12,
                               err_msg="jvp: value differs from f")
    want = sum(float(np.sum(g * v)) for g, v in zip(grads, vs))
    np.testing.assert_allclose(slope, want, rtol=1e-9, atol=1e-9,
                               err_msg="jvp: tangent differs from grad . v")
    hv = symdiff.hvp(f, wrt=WRT)(*copy_args(args), *vs)
    for k, part in enumerate(hv):
        assert np.all(np.isfinite(part)), f"hvp: part {k} is not finite: {part!r}"

    def along(h):
        moved = [a + h * v for a, v in zip(copy_args(args), vs)]
        return g(*moved)
    def difference(k, h):
        steps = [along(s * h)[k] for s in (-2, -1, 1, 2)]
        return (steps[0] - 8 * steps[1] + 8 * steps[2] - steps[3]) / (12 * h)
    for k, got in enumerate(hv):
        if np.allclose(got, difference(k, 1e-5), rtol=1e-5, atol=1e-5):
            continue          # a fast-varying gradient needs the smaller step
        np.testing.assert_allclose(got, difference(k, 1e-4), rtol=1e-5, atol=1e-5,
                                   err_msg=f"hvp: part {k} differs from differences of grad")


# --------------------------------------------------------------------------- shrinking

def failure_signature(error: BaseException) -> str:
    """What kind of failure this is, without the numbers, paths and names that vary."""
    if isinstance(error, symdiff.GradientCheckError):
        return "GradientCheckError"
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = re.sub(r"\S*\.py:\d+:\d+:\s*", "", text)
    text = re.sub(r"\b[A-Za-z_]\w*_\d+\b", "NAME", text)
    text = re.sub(r"\d+(\.\d*)?(e-?\d+)?", "N", text)
    return f"{type(error).__name__}: {text[:60]}"


def _stmt_lists(tree):
    for node in ast.walk(tree):
        for name in ("body", "orelse"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block


def _expr_sites(tree):
    """(parent, field, index or None) of every expression read (not an assignment target,
    not what a loop iterates over)."""
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if isinstance(parent, ast.For) and name == "iter":
                continue
            children = value if isinstance(value, list) else [value]
            for i, child in enumerate(children):
                if isinstance(child, ast.expr) and not isinstance(getattr(child, "ctx", None),
                                                                   (ast.Store, ast.Del)):
                    yield parent, name, (i if isinstance(value, list) else None)


def _statement_edits(tree):
    for b, block in enumerate(_stmt_lists(tree)):
        for s, stmt in enumerate(block):
            yield ("delete", b, s)
            if isinstance(stmt, (ast.If, ast.For, ast.While)):
                yield ("body", b, s)
                if stmt.orelse:
                    yield ("else", b, s)
                    yield ("no_else", b, s)


def _expression_edits(tree):
    for k, (parent, name, i) in enumerate(_expr_sites(tree)):
        node = getattr(parent, name)[i] if i is not None else getattr(parent, name)
        children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
        for c in range(len(children)):
            yield ("child", k, c)
        for leaf in ("1.0", "w", "x"):
            if ast.unparse(node) != leaf:
                yield ("leaf", k, leaf)


def _apply(tree, edit):
    tree = copy.deepcopy(tree)
    kind, k, extra = edit
    if kind in ("delete", "body", "else", "no_else"):
        block = list(_stmt_lists(tree))[k]
        stmt = block[extra]
        if kind == "delete":
            replacement = []
        elif kind == "body":
            replacement = stmt.body
        elif kind == "else":
            replacement = stmt.orelse
        else:
            stmt.orelse = []
            replacement = [stmt]
        block[extra:extra + 1] = replacement
        if not block:
            block.append(ast.Pass())
        return tree
    parent, name, i = list(_expr_sites(tree))[k]
    node = getattr(parent, name)[i] if i is not None else getattr(parent, name)
    new = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)][extra] \
        if kind == "child" else _expr(extra)
    if i is None:
        setattr(parent, name, new)
    else:
        getattr(parent, name)[i] = new
    return tree


def reduce_program(source: str, still_fails, log=None) -> str:
    """Greedily delete statements, inline branches and loops, and replace expressions by
    their parts or by leaves while ``still_fails(source)`` holds: a small failing program."""
    tree = ast.parse(source)
    changed = True
    while changed:
        changed = False
        for edits in (_statement_edits, _expression_edits):
            k = 0
            while True:
                todo = list(edits(tree))
                if k >= len(todo):
                    break
                candidate = _apply(tree, todo[k])
                try:
                    text = tidy(ast.unparse(ast.fix_missing_locations(candidate)))
                except Exception:  # noqa: BLE001 - an edit may make invalid code
                    k += 1
                    continue
                if len(text) < len(source) and still_fails(text):
                    tree, source, changed = ast.parse(text), text, True
                    if log:
                        log(f"reduced to {len(text)} characters")
                else:
                    k += 1
    return source


def failure_of(source: str, seed: int, folder: Path):
    """The error check_program raises for this module at inputs from ``seed`` (or None)."""
    args = pick_inputs(source, seed)
    if args is None:
        return None
    try:
        check_program(source, args, folder)
    except Exception as error:  # noqa: BLE001
        return error
    return None
