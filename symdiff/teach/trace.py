"""Run a gradient, as the compiler builds it, on given numbers, recording every value.

``explain`` and ``graph`` show only numbers recorded here. The gradient graph is the one
``symdiff.grad`` compiles (forward optimized, then the chain rule with the rule table),
with two additions made through the rule table itself: after each vector-Jacobian
product (VJP) the compiler emits, the *local derivative* of that node (for elementwise
nodes: SymPy's derivative, as the rule uses it) and a *mark* that reads the upstream
gradient, the local derivative and the contribution. The graph is not optimized further,
so every gradient the chain rule produces is kept, and it runs node by node, each node as
the Python statements codegen writes for it (never in place, so each recorded value stays
as it was computed). Branches run the way their condition says; loops run iteration by
iteration, and every value is recorded with the iterations it belongs to.

    >>> run = trace(source_of(f), {"x": -2.0, "y": 5.0, "z": -4.0})
    >>> [(s.node.out.name, s.value) for s in run.steps]
    [('q', 3.0), ('f', -12.0)]
    >>> run.gradients
    {'x': -4.0, 'y': -4.0, 'z': 3.0}
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .. import primitives as rules
from ..backend.codegen_nodes import HELPER_NEEDS, HELPERS, render, statements
from ..errors import SymdiffError
from ..ir import (Const, Function, If, Loop, Node, Value, Var, ew_symbols, flatten, node, verify,
                  walk)
from ..optimize.passes import optimize
from ..frontend.parse import FunctionSource
from ..frontend.lower import lower
from ..pipeline import annotated_shapes, forward_ir
from ..ad.reverse import reverse
from ..primitives import elementwise as E
from ..ir.shapes import infer_shapes
from ..primitives.registry import primitive

MARK = "explain_mark"

#: Where a value came from: a forward step (its index), a parameter (its name), or nothing
#: the graph draws (a loop counter).
Source = int | str | None


@dataclass(frozen=True)
class Step:
    """One forward node as it ran: its value, and where each of its arguments came from."""

    node: Node
    context: tuple[int, ...]           # iteration numbers of the enclosing loops
    value: Any
    inputs: tuple[Source, ...]         # one per argument of the node
    arg_values: tuple[Any, ...]


@dataclass(frozen=True)
class Backprop:
    """One VJP as it ran: upstream gradient x local derivative -> contribution to an input."""

    step: int                          # the forward step it differentiates
    arg: int                           # which argument of that step's node
    upstream: Any
    local: Any                         # the local derivative's value (elementwise nodes)
    part: Any                          # the contribution; None when it is zero
    rule: tuple[Node, ...]             # the backward nodes the VJP emitted
    names: tuple[str, str] = ("", "")  # the variables of the upstream gradient, the part


@dataclass(frozen=True)
class Branch:
    """A forward branch as it ran: which side its condition chose."""

    context: tuple[int, ...]
    cond: str
    taken: bool
    results: tuple[tuple[str, str, Any], ...] = ()   # (result, the value it took, value)


@dataclass
class Trace:
    """Everything that ran: forward steps in order, VJPs in the order the backward ran them."""

    fn: Function
    args: dict[str, Any]
    wrt: tuple[str, ...]
    steps: list[Step] = field(default_factory=list)
    backprops: list[Backprop] = field(default_factory=list)
    value: Any = None
    value_source: Source = None        # where the returned value came from
    gradients: dict[str, Any] = field(default_factory=dict)
    contexts: dict[tuple[int, ...], str] = field(default_factory=dict)   # -> "t=2, j=0"
    branches: list[Branch] = field(default_factory=list)
    #: the forward run in order: ("step", k), ("if", k) and ("results", k) for branch k
    order: list[tuple[str, int]] = field(default_factory=list)
    #: the names the user's source binds (a value the compiler renamed, ``loss_2``, is
    #: shown by the user's name, ``loss``)
    user_names: frozenset[str] = frozenset()

    @property
    def output(self) -> str:
        result = self.fn.result[0]
        return result.name if isinstance(result, Var) else self.fn.name


@dataclass(frozen=True)
class Mark:
    """What one VJP emitted, known when the graph is built (values come when it runs)."""

    node: Node
    arg: int
    rule: tuple[Node, ...]
    names: tuple[str, str] = ("", "")  # the variables of the upstream gradient, the part


class MarkingRules:
    """The rule table, plus a local derivative and a mark after every VJP it emits."""

    def __init__(self, table=rules):
        self.table = table
        self.marks: list[Mark] = []

    def __getattr__(self, name: str):
        return getattr(self.table, name)

    def vjp(self, em, g: Value, n: Node, i: int) -> Value | None:
        start = len(em.b.body)
        part = self.table.vjp(em, g, n, i)
        rule = tuple(em.b.body[start:])
        local = _local_derivative(em, n, i) if primitive(n.op).elementwise else None
        self.marks.append(Mark(n, i, rule, (_var_name(g), _var_name(part))))
        nothing = Const(None)
        em.b.body.append(node(em.b.names.fresh("mark"), MARK,
                              [g, nothing if part is None else part,
                               nothing if local is None else local],
                              n.loc, "explain", mark=len(self.marks) - 1))
        return part


def _var_name(v: Value | None) -> str:
    return v.name if isinstance(v, Var) else ""


def _local_derivative(em, n: Node, i: int) -> Value:
    """d out / d arg i of an elementwise node, the expression its VJP multiplies by."""
    local = E.local_derivative(n.param("expr"), i)
    k = len(n.args)
    expr = local.xreplace({E.OUT: ew_symbols(k + 1)[k]})
    return em.b.ew(expr, [*n.args, n.out], "local", n.loc, n.param("lib") or "", "local")


def gradient_graph(src: FunctionSource, forward: Function, shapes: dict[str, Any],
                   wrt: tuple[int, ...]) -> tuple[Function, MarkingRules]:
    """The marked gradient graph of ``forward``, specialized to ``shapes``."""
    given = {**annotated_shapes(src), **shapes}
    table = MarkingRules()
    grad = reverse(forward, wrt, infer_shapes(forward, given), with_value=True,
                   tuple_out=True, table=table)
    verify(grad)
    return grad, table


def trace(src: FunctionSource, args: dict[str, Any], wrt: tuple[str, ...] | None = None,
          fuse: bool = True) -> Trace:
    """Compile and run the gradient of ``src`` at ``args`` (parameter name -> value).

    Parameters left out take their defaults; ``wrt`` defaults to every parameter that
    holds floats. ``fuse=False`` (the teaching mode of ``--gates``) keeps one node per
    operation: ``1 / (1 + np.exp(-z))`` stays four gates (negate, exp, add 1, reciprocal)
    instead of one sigmoid node.
    """
    forward = optimize(forward_ir(src) if fuse else unfused_ir(src))
    params = [p.name for p in forward.params]
    given, args = set(args), {**dict(forward.defaults), **args}
    missing = [p for p in params if p not in args]
    if missing:
        raise SymdiffError(f"{src.name}() needs a value for {', '.join(missing)}",
                           src.loc(src.tree), hint=f"give every parameter a value: "
                                                   f"{', '.join(params)}")
    counts = index_params(forward)
    args = {p: _as_input(args[p], p in counts or p not in given) for p in params}
    if wrt is None:
        wrt = tuple(p for p in params if _is_float(args[p]))
    if not wrt:
        raise SymdiffError(f"{src.name} has no float argument to differentiate",
                           src.loc(src.tree), hint="pass real-valued inputs as floats, e.g. 2.0")
    shapes = {p: np.shape(args[p]) for p in params if not isinstance(args[p], (bool, str))}
    grad, table = gradient_graph(src, forward, shapes, tuple(params.index(w) for w in wrt))
    run = Trace(forward, {p: args[p] for p in params}, tuple(wrt),
                user_names=source_names(src))
    machine = _Machine(run, table, {n.out.name for n in walk(forward.body)
                                    if isinstance(n, Node)})
    machine.env.update(run.args)
    machine.env.update(dict(grad.constants))
    machine.source.update({p: p for p in params})
    machine.block(grad.body)
    value, grads = grad.result
    run.value = machine.value(value)
    run.value_source = machine.origin(value)
    run.gradients = {w: machine.value(g) for w, g in zip(wrt, flatten((grads,)))}
    return run


def source_names(src: FunctionSource) -> frozenset[str]:
    """Every name the function's source binds or reads (its variables and parameters)."""
    return frozenset(n.id for n in ast.walk(src.tree) if isinstance(n, ast.Name)) | \
        frozenset(a.arg for a in ast.walk(src.tree) if isinstance(a, ast.arg))


def unfused_ir(src: FunctionSource) -> Function:
    """The forward graph as lowering writes it, one node per operation (not fused)."""
    fn = lower(src)
    verify(fn)
    return fn


def index_params(fn: Function) -> set[str]:
    """Parameters whose numbers are used as indices or counts (labels, ``steps``)."""
    counted: set[str] = set()
    producers = {}
    for s in walk(fn.body):
        if isinstance(s, Node):
            producers[s.out.name] = s
            counts = primitive(s.op).counts
            if counts is not None:              # indices, shapes, numbers of points
                counted.update(a.name for a in counts(s) if isinstance(a, Var))
        elif isinstance(s, Loop):
            counted.update(a.name for a in s.bounds if isinstance(a, Var))
    todo = list(counted)
    while todo:                       # what an index is computed from is an index too
        n = producers.get(todo.pop())
        if n is None or primitive(n.op).shape_only:
            continue
        for a in n.args:
            if isinstance(a, Var) and a.name not in counted:
                counted.add(a.name)
                todo.append(a.name)
    return {p.name for p in fn.params if p.name in counted}


def _as_input(value, counts: bool):
    """Lists become arrays; integers become floats, except in indices and counts."""
    if isinstance(value, (list, tuple)):
        value = np.asarray(value)
    if counts or isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (int, np.integer)):
        return float(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu":
        return value.astype(float)
    return value


def _is_float(value) -> bool:
    return not isinstance(value, (bool, int)) and np.asarray(value).dtype.kind == "f"


class _Machine:
    """Runs IR statements one by one in a namespace, recording steps and VJPs."""

    def __init__(self, run: Trace, table: MarkingRules, forward_names: set[str]):
        self.run, self.table, self.forward_names = run, table, forward_names
        self.env: dict[str, Any] = {"np": np, "math": math}
        self.source: dict[str, Source] = {}
        self.context: list[int] = []
        self.helpers: set[str] = set()
        self.step_at: dict[tuple[str, tuple[int, ...]], int] = {}
        self.code: dict[int, Any] = {}

    def value(self, v: Value) -> Any:
        return self.env[v.name] if isinstance(v, Var) else v.value

    def origin(self, v: Value) -> Source:
        return self.source.get(v.name) if isinstance(v, Var) else None

    def block(self, stmts) -> None:
        for s in stmts:
            if isinstance(s, Node):
                self.node(s)
            elif isinstance(s, If):
                self.branch(s)
            else:
                self.loop(s)

    def node(self, n: Node) -> None:
        if primitive(n.op).family == "teaching":
            self.mark(n)
            return
        try:
            exec(self.compiled(n), self.env)
        except Exception as exc:  # noqa: BLE001 - NumPy reports bad inputs in many ways
            raise SymdiffError(f"computing {n.out.name} failed: {type(exc).__name__}: {exc}",
                               n.loc, hint="check the shapes and values of the arguments"
                               ) from None
        if n.out.name not in self.env:
            return                        # a push onto a tape binds nothing
        if n.derived or n.out.name not in self.forward_names:
            self.source.pop(n.out.name, None)
            return
        context = tuple(self.context)
        self.step_at[(n.out.name, context)] = len(self.run.steps)
        self.source[n.out.name] = len(self.run.steps)
        self.run.order.append(("step", len(self.run.steps)))
        self.run.steps.append(Step(n, context, self.env[n.out.name],
                                   tuple(self.origin(a) for a in n.args),
                                   tuple(self.value(a) for a in n.args)))

    def compiled(self, n: Node):
        """The node as codegen writes it (never in place), compiled once."""
        code = self.code.get(id(n))
        if code is None:
            imports: set[str] = set()
            before = set(self.helpers)
            text = "\n".join(render(s) for s in statements(n, imports, self.helpers))
            for name in sorted(self.helpers - before):
                for needed in HELPER_NEEDS.get(name, ()) + (name,):
                    exec(HELPERS[needed], self.env)
            code = compile(text, "<symdiff trace>", "exec")
            self.code[id(n)] = code
        return code

    def mark(self, n: Node) -> None:
        mark = self.table.marks[n.param("mark")]
        step = self.step_at.get((mark.node.out.name, tuple(self.context)))
        if step is None:
            return
        upstream, part, local = (self.value(a) for a in n.args)
        self.run.backprops.append(Backprop(step, mark.arg, upstream, local, part, mark.rule,
                                           mark.names))

    def branch(self, s: If) -> None:
        taken = bool(self.value(s.cond))
        block, values = (s.then, s.then_values) if taken else (s.orelse, s.else_values)
        k = len(self.run.branches)
        if not s.derived:                 # a forward branch
            self.run.branches.append(Branch(tuple(self.context), str(s.cond), taken))
            self.run.order.append(("if", k))
        self.block(block)
        self.bind(s.outs, values)
        if not s.derived:
            results = tuple((out.name, str(v), self.env[out.name])
                            for out, v in zip(s.outs, values))
            self.run.branches[k] = replace(self.run.branches[k], results=results)
            self.run.order.append(("results", k))

    def bind(self, names, values) -> None:
        """Simultaneous assignment, as codegen writes it: ``a, b = x, y``."""
        pairs = [(self.value(v), self.origin(v)) for v in values]
        for name, (value, origin) in zip(names, pairs):
            self.env[name.name] = value
            self.source[name.name] = origin

    def loop(self, s: Loop) -> None:
        self.bind(s.carried, s.inits)
        if s.index is not None:
            span = range(*(int(self.value(b)) for b in s.bounds))
            order = list(reversed(span) if s.backward else span)
            for k, i in enumerate(order):
                self.env[s.index.name] = i
                self.source.pop(s.index.name, None)
                number = len(order) - 1 - k if s.backward else k
                self.iteration(s, number, f"{s.index}={i}", run_body=True)
        else:
            k = 0
            while self.iteration(s, k, f"iteration {k + 1}", run_body=False):
                k += 1
        self.bind(s.outs, s.carried)

    def iteration(self, s: Loop, number: int, label: str, run_body: bool) -> bool:
        self.context.append(number)
        context = tuple(self.context)
        if not s.backward:
            outer = self.run.contexts.get(context[:-1])
            self.run.contexts[context] = f"{outer}, {label}" if outer else label
        if not run_body:                  # a while loop: test the condition first
            self.block(s.cond_body)
            run_body = bool(self.value(s.cond))
        if run_body:
            self.block(s.body)
            self.bind(s.carried, s.nexts)
        self.context.pop()
        return run_body


__all__ = ["trace", "unfused_ir", "source_names", "Trace", "Step", "Backprop", "Branch",
           "index_params", "MarkingRules", "gradient_graph", "MARK"]
