"""The compiler, start to end, in the order of the design's diagram:

    Python source --parse--> AST --fence--> checked AST --lower--> IR (forward graph)
        --reverse--> IR (forward + backward) --optimize--> IR --codegen--> source text

``frontend.parse`` gives a ``FunctionSource`` (``source_of(f)``, or ``functions_of_file``
for the CLI); the drivers below run the rest, one stage a call:

- ``forward_ir(src)``: ``frontend.lower.lower`` (which runs ``frontend.fence`` first),
  then ``optimize.fuse.fuse``: the forward graph;
- ``chain_rule_ir(src, wrt)``: ``ir.shapes.infer_shapes``, then ``ad.reverse.reverse``:
  forward + backward as the chain rule writes it, before any optimizer pass;
- ``gradient_ir(src, wrt)``: ``optimize.passes.optimize`` on that (its passes in order,
  to a fixed point), then ``ad.returns.own_results``: what codegen prints;
- ``gradient_module(items, header)``: ``backend.codegen.module_source`` on the graphs of
  ``grad_<name>`` and ``value_and_grad_<name>`` (``backend.jit.numba_friendly`` first
  with ``jit``): the source text.

Forward mode (``jvp_ir``, ``ad.forward.jvp`` in place of ``reverse``), vector-Jacobian
products (``vjp_ir``) and Hessian-vector products (``hvp_ir``, forward mode over
``gradient_ir``) take the same path. ``ir.verify`` checks the graph after each stage.

    >>> from symdiff.frontend.parse import source_of
    >>> print(gradient_module([(source_of(f), (0,))], header="Gradients of f."))
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from .backend import codegen
from .util.deep import deep
from .ad.forward import jvp
from .optimize.fuse import fuse
from .optimize.invariance import shift_invariant_extrema
from .optimize.kind_folding import specialized
from .ir import Function, Var, verify
from .backend.jit import numba_friendly
from .frontend.custom_rules import refuse_second_order, release_rule_points
from .frontend.lower import RankNeeded, lower
from .optimize.passes import PASSES, fold_into_sums, implicit_broadcasts, optimize
from .optimize.lean import lean_aliases
from .optimize.ranks import simplify_broadcasts
from .frontend.parse import FunctionSource
from .frontend.received_arrays import noted
from .ad.returns import own_results
from .backend.quoting import docstring
from .ad.reverse import reverse_with_shapes
from .ir.shapes import infer_shapes, mark_items


@deep
def forward_ir(src: FunctionSource, shapes: dict[str, Any] | None = None) -> Function:
    """parse -> fence -> lower -> fuse: the forward graph of one function (``shapes``: the
    parameters' shapes, read only where a lowering depends on a rank)."""
    fn = fuse(lower(src, shapes=shapes))        # lower() runs the fence first
    verify(fn)
    return fn


def lowered_for(src: FunctionSource, forward: Function | None, given: dict) -> Function:
    """The forward graph for a specialization: the one lowered once, unless its lowering
    asked for the rank of a parameter this specialization knows the shape of
    (``Function.rank_questions``, e.g. np.gradient(f) of an N-D f): then lowered again."""
    if forward is None:
        try:
            forward = forward_ir(src)
        except RankNeeded:
            if not any(given.get(a.arg) is not None for a in src.tree.args.args):
                raise
            return forward_ir(src, given)
    if any(given.get(name) is not None for name in forward.rank_questions):
        return forward_ir(src, given)
    return forward


@deep
def gradient_ir(src: FunctionSource, wrt: tuple[int, ...], with_value: bool = False,
                tuple_out: bool = False, arg_shapes: dict[str, Any] | None = None,
                forward: Function | None = None) -> Function:
    """The optimized forward + backward graph; shapes specialize it when they are known."""
    grad, passes, shapes = chain_rule_ir(src, wrt, with_value, tuple_out, arg_shapes, forward)
    grad = own_results(optimize(grad, passes=passes), shapes, skip=1 if with_value else 0)
    verify(grad)
    return mark_items(grad, shapes)


@deep
def chain_rule_ir(src: FunctionSource, wrt: tuple[int, ...], with_value: bool = False,
                  tuple_out: bool = False, arg_shapes: dict[str, Any] | None = None,
                  forward: Function | None = None) -> tuple[Function, tuple, dict]:
    """The forward + backward graph as the chain rule writes it, before the optimizer runs
    on it; the passes that will (in order); and the static shapes (``mark_items`` ends
    the pipeline with them)."""
    given = {**annotated_shapes(src), **(arg_shapes or {})}
    fn = specialized(lowered_for(src, forward, given), src, given)  # isinstance(x, ...) answered
    fn = optimize(fn)                          # loop variables nobody reads get no gradient
    fn = shift_invariant_extrema(fn)           # the max a softmax subtracts gets none either
    output = fn.result[0] if len(fn.result) == 1 else None
    unsure = isinstance(output, Var) and infer_shapes(fn, given, False).get(output.name) is None
    shapes = infer_shapes(fn, given)         # assumes the output is a scalar, as grad needs
    grad, shapes = reverse_with_shapes(fn, wrt, shapes, with_value=with_value,
                                       tuple_out=tuple_out, check_output=unsure)
    verify(grad)
    return grad, _with_shapes(shapes), shapes


@deep
def jvp_ir(src: FunctionSource, wrt: tuple[int, ...], arg_shapes: dict[str, Any] | None = None,
           forward: Function | None = None) -> Function:
    """Forward mode: f's value and its directional derivative along tangents for ``wrt``."""
    given = {**annotated_shapes(src), **(arg_shapes or {})}
    fn = optimize(specialized(lowered_for(src, forward, given), src, given))
    shapes = infer_shapes(fn, given, False)
    out = _checked(jvp(fn, wrt, shapes))
    return mark_items(out, infer_shapes(out, with_tangents(shapes, out, wrt), False))


@deep
def vjp_ir(src: FunctionSource, wrt: tuple[int, ...], arg_shapes: dict[str, Any] | None = None,
           forward: Function | None = None) -> Function:
    """Reverse mode for any output: the gradients of ``sum(out * dout)``, dout a parameter."""
    given = {**annotated_shapes(src), **(arg_shapes or {})}
    fn = shift_invariant_extrema(optimize(specialized(lowered_for(src, forward, given), src,
                                                      given)))
    shapes = infer_shapes(fn, given, False)
    grad, shapes = reverse_with_shapes(fn, wrt, shapes, tuple_out=True, seeded=True)
    verify(grad)
    grad = own_results(optimize(grad, passes=_with_shapes(shapes)), shapes)
    verify(grad)
    return mark_items(replace(grad, name=f"vjp_{src.tree.name}"), shapes)


@deep
def hvp_ir(src: FunctionSource, wrt: tuple[int, ...], tuple_out: bool = False,
           arg_shapes: dict[str, Any] | None = None, forward: Function | None = None
           ) -> Function:
    """Hessian-vector products: forward mode applied to the generated gradient.

    ``hvp_f(x, ..., v)`` returns the directional derivative of the gradient along v."""
    given = {**annotated_shapes(src), **(arg_shapes or {})}
    refuse_second_order(lowered_for(src, forward, given))
    grad = gradient_ir(src, wrt, tuple_out=tuple_out, arg_shapes=arg_shapes, forward=forward)
    grad = release_rule_points(grad)          # custom_jvp: its rule's own derivative
    shapes = infer_shapes(grad, given, False)
    names = ("v",) if len(wrt) == 1 else tuple("v_" + grad.params[i].name for i in wrt)
    out = _checked(jvp(grad, wrt, shapes, names, name=f"hvp_{src.tree.name}", with_value=False))
    return mark_items(out, infer_shapes(out, with_tangents(given, out, wrt), False))


def with_tangents(shapes: dict, fn: Function, wrt: tuple[int, ...]) -> dict:
    """Shapes of the parameters, with each tangent (the last parameters) shaped like its
    argument."""
    tangents = fn.params[len(fn.params) - len(wrt):]
    return {**shapes, **{t.name: shapes[fn.params[i].name] for t, i in zip(tangents, wrt)
                         if fn.params[i].name in shapes}}


def _checked(fn: Function) -> Function:
    verify(fn)
    fn = optimize(fn)
    verify(fn)
    return fn


def _with_shapes(shapes: dict) -> tuple:
    """The optimizer's passes, and those that need the static shapes (or what the program
    says of them without sizes: ``simplify_broadcasts``)."""
    return PASSES + (partial(fold_into_sums, shapes=shapes),
                     partial(implicit_broadcasts, shapes=shapes),
                     partial(simplify_broadcasts, shapes=shapes), lean_aliases)


def annotated_shapes(src: FunctionSource) -> dict[str, tuple]:
    """Parameters annotated ``float`` or ``int`` are scalars: shape ()."""
    return {a.arg: () for a in src.tree.args.args
            if isinstance(a.annotation, ast.Name) and a.annotation.id in ("float", "int")}


def describe_wrt(fn: Function, wrt: tuple[int, ...]) -> str:
    return ", ".join(fn.params[i].name for i in wrt)


@deep
def gradient_module(items: list[tuple[FunctionSource, tuple[int, ...]]], header: str,
                    with_value_too: bool = True, tuple_out: bool = False,
                    arg_shapes: dict[str, Any] | None = None, mode: str = "reverse",
                    order: int = 1, annotate=None, jit: bool = False,
                    backend: str = "numpy") -> str:
    """Source of a module with, per function, ``grad_<name>`` and ``value_and_grad_<name>``
    (reverse mode) or ``jvp_<name>`` (forward mode), and with ``order=2`` also
    ``hvp_<name>`` and ``hessian_<name>``.

    ``arg_shapes`` specialize each function to the shapes of its parameters named there;
    ``annotate(src, forward)``, when given, returns what writes the comments of the lines
    of the functions generated from ``src`` (``annotate.annotator``); ``jit`` writes them
    for numba (``jit.numba_friendly``, each decorated ``jit_or_numpy``); ``backend="array-api"``
    writes array-API code (``backend.array_api_module``)."""
    functions, extra, owners = [], [], {}
    for src, wrt in items:
        forward = lowered_for(src, None, arg_shapes or {})
        own = _own(forward, arg_shapes)
        where = f"{src.tree.name} ({_short(src.file)}:{src.tree.lineno})"
        names = describe_wrt(forward, wrt)
        if mode == "forward":
            functions.append((jvp_ir(src, wrt, own, forward),
                              f"Value of {where} and its derivative along tangents for {names}."))
        else:
            functions += [(plan.build(), plan.doc) for plan in
                          reverse_plans(src, forward, wrt, with_value_too, tuple_out, own)]
        if order == 2:
            hvp = hvp_ir(src, wrt, tuple_out, own, forward)
            functions.append((hvp, f"Hessian of {where} with respect to {names}, times v."
                                   "\n\n    Forward mode applied to the gradient."))
            extra.append(hessian_source(forward, wrt, tuple_out, where) if backend != "array-api"
                         else (forward, wrt, tuple_out, where))
        owners.update({fn.name: (src, forward) for fn, _ in functions if fn.name not in owners})
    functions = [(fn, noted(doc, fn)) for fn, doc in functions]
    if backend == "array-api":               # its Hessian is written there, in its calls
        from .backend.array_api_module import module_source
        return module_source(functions, header, _commenting(annotate, owners), extra)
    if jit:
        functions = [(numba_friendly(fn), doc) for fn, doc in functions]
    return codegen.module_source(functions, header, extra, _commenting(annotate, owners), jit=jit)


@dataclass(frozen=True)
class Planned:
    """One reverse-mode function of a generated module before it is compiled: what to build
    and what to call it."""

    src: FunctionSource
    forward: Function
    wrt: tuple[int, ...]
    with_value: bool
    tuple_out: bool
    arg_shapes: dict[str, Any] | None
    name: str
    doc: str

    def build(self, stage=gradient_ir):
        """``stage`` (``gradient_ir`` or ``chain_rule_ir``) for this function, named."""
        made = stage(self.src, self.wrt, self.with_value, self.tuple_out, self.arg_shapes,
                     self.forward)
        if isinstance(made, tuple):
            return (replace(made[0], name=self.name),) + made[1:]
        return replace(made, name=self.name)


def reverse_plans(src: FunctionSource, forward: Function, wrt: tuple[int, ...],
                  with_value_too: bool = True, tuple_out: bool = False,
                  arg_shapes: dict[str, Any] | None = None) -> list[Planned]:
    """``grad_<name>`` and (``with_value_too``) ``value_and_grad_<name>`` of one function."""
    where = f"{src.tree.name} ({_short(src.file)}:{src.tree.lineno})"
    names = describe_wrt(forward, wrt)
    plans = [Planned(src, forward, wrt, False, tuple_out, arg_shapes, f"grad_{src.tree.name}",
                     f"Gradient of {where} with respect to {names}.")]
    if with_value_too:
        plans.append(Planned(src, forward, wrt, True, tuple_out, arg_shapes,
                             f"value_and_grad_{src.tree.name}",
                             f"Value of {where} and its gradient with respect to {names}."))
    return plans


@deep
def plan_module(items: list[tuple[FunctionSource, tuple[int, ...]]], with_value_too: bool = True,
                tuple_out: bool = False, arg_shapes: dict[str, Any] | None = None
                ) -> list[Planned]:
    """The reverse-mode functions of a module, in order, each to be built."""
    plans = []
    for src, wrt in items:
        forward = lowered_for(src, None, arg_shapes or {})
        plans += reverse_plans(src, forward, wrt, with_value_too, tuple_out,
                               _own(forward, arg_shapes))
    return plans


def module_of(plans: list[Planned], functions: list[Function], header: str,
              annotate=None, jit: bool = False) -> str:
    """The module holding these built functions (one per plan), annotated if asked."""
    owners = {plan.name: (plan.src, plan.forward) for plan in plans}
    if jit:
        functions = [numba_friendly(fn) for fn in functions]
    return codegen.module_source([(fn, noted(plan.doc, fn)) for plan, fn in zip(plans, functions)],
                                 header, (), _commenting(annotate, owners), jit=jit)


def _own(forward: Function, arg_shapes: dict[str, Any] | None) -> dict[str, Any] | None:
    """The shapes of this function's own parameters (others belong to other functions)."""
    params = {p.name for p in forward.params}
    return {k: v for k, v in (arg_shapes or {}).items() if k in params} or None


def _commenting(annotate, owners: dict):
    if annotate is None:
        return None
    return lambda fn: annotate(*owners[fn.name])(fn)


#: The local names of ``hessian_<name>``; one that a parameter uses is renamed (``k_1``).
HESSIAN_LOCALS = ("wrt", "blocks", "j", "columns", "k", "vs", "a", "hv", "i", "stacked", "c",
                  "row")


def hessian_source(fn: Function, wrt: tuple[int, ...], tuple_out: bool, where: str):
    """``hessian_<name>``: one ``hvp_<name>`` per unit vector, assembled into blocks.

    Returns what writes its text given the module's aliases (``codegen.module_source``):
    numpy is ``numpy`` there when a parameter is called ``np``."""
    taken = {p.name for p in fn.params}
    names = {}
    for local in HESSIAN_LOCALS:
        names[local] = next(c for c in [local] + [f"{local}_{k}" for k in range(1, 99)]
                            if c not in taken)
        taken.add(names[local])
    signature = ", ".join(codegen.parameter_list(fn))   # module arrays: by keyword
    received = dict(fn.received)
    params = ", ".join(p.name for p in fn.params if p.name not in received)
    passed = "".join(f", {name}={name}" for name in received)
    chosen = ", ".join(fn.params[i].name for i in wrt)
    several = tuple_out or len(wrt) > 1
    n = len(wrt)
    doc = f"Hessian of {where} with respect to {chosen}: one hvp_{fn.name} per unit\n" \
        "    vector" + (", in blocks H[i][j]." if several else ".")
    lines = [f"def hessian_{fn.name}({signature}):", docstring(noted(doc, fn), "    "),
             f"    {{wrt}} = ({chosen}{',' if n == 1 else ''})",
             f"    {{blocks}} = [[None] * {n} for _ in range({n})]",
             f"    for {{j}} in range({n}):",
             "        {columns} = []",
             "        for {k} in range({np}.size({wrt}[{j}])):",
             "            {vs} = [{np}.zeros({np}.shape({a})) for {a} in {wrt}]",
             "            {vs}[{j}].flat[{k}] = 1.0",
             f"            {{hv}} = hvp_{fn.name}({params}, *{{vs}}{passed})",
             "            {columns}.append({hv} if isinstance({hv}, tuple) else ({hv},))",
             f"        for {{i}} in range({n}):",
             "            {stacked} = {np}.stack([{np}.asarray({c}[{i}], dtype=float) "
             "for {c} in {columns}], -1)",
             "            {blocks}[{i}][{j}] = {stacked}.reshape({np}.shape({wrt}[{i}]) + "
             "{np}.shape({wrt}[{j}]))",
             "    return tuple(tuple({row}) for {row} in {blocks})" if several else
             "    return {blocks}[0][0]"]
    text = "\n".join(line.replace("{", "{{").replace("}", "}}") if k == 1 else line
                     for k, line in enumerate(lines)) + "\n"
    return lambda aliases: text.format(np=aliases.get("np", "np"), **names)


def _short(path: str) -> str:
    import os
    return os.path.basename(path)
