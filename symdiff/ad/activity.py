"""Activity: which values depend on a differentiated argument, for both modes.

A value is *active* when it is computed from a differentiated argument through
operations a derivative flows through; only active values get a gradient (reverse mode)
or a tangent (forward mode). The same analysis serves both modes, and a generated
gradient too (forward mode over it makes Hessian-vector products): a tape is active when
an active value is pushed on it, and what is popped from an active tape is active. Loops
feed values back, so the analysis runs to a fixed point.

Values a derivative cannot flow through are refused here too, in both modes: a
differentiated value through floor, round, ``int()`` or into the bounds of
``np.arange`` has a gradient that is zero almost everywhere, never a useful one.

    >>> active_names(fn, {"x"})          # x and everything computed from it
"""
from __future__ import annotations


from .. import primitives as rules
from ..errors import SymdiffError
from ..ir import Function, If, Node, Var, bound_here, bound_inside, reads_here, walk
from ..ir.dtypes import integer_array
from ..primitives.registry import primitive

def carries_derivative(n: Node, table=rules) -> bool:
    """Whether a derivative flows from ``n``'s arguments to its value: its registry entry
    says so (``carries_gradient``: not for indices, masks, shapes, zeros of a shape, an
    integer cast), and ``table.differentiable`` (which leaves out a max the output is
    invariant to, ``optimize.invariance``); a push fills its tape with what it saves."""
    entry = primitive(n.op)
    return entry.fills_argument is not None or entry.carries_gradient(n) and \
        table.differentiable(n)


def active_names(fn: Function, seeds, table=rules) -> set[str]:
    """The names of the values computed from ``seeds`` (names) by operations a
    derivative flows through (``carries_derivative``), at any depth."""
    active = set(seeds)
    while True:                                  # loops feed values back: to a fixed point
        before = len(active)
        _active_block(fn.body, active, table)
        if len(active) == before:
            return active


def is_active(v, active: set[str]) -> bool:
    return isinstance(v, Var) and v.name in active


def _active_block(stmts, active: set[str], table) -> None:
    for s in stmts:
        if isinstance(s, Node):
            filled = primitive(s.op).fills_argument
            if filled is not None:               # push(tape, value, ...) fills the tape
                if is_active(s.args[1], active):
                    active.add(s.args[filled].name)
            elif carries_derivative(s, table) and any(is_active(a, active) for a in s.args):
                active.add(s.out.name)
        elif isinstance(s, If):
            _active_block(s.then, active, table)
            _active_block(s.orelse, active, table)
            for out, a, b in zip(s.outs, s.then_values, s.else_values):
                if is_active(a, active) or is_active(b, active):
                    active.add(out.name)
        else:
            for c, init, out in zip(s.carried, s.inits, s.outs):
                if is_active(init, active):
                    active.update((c.name, out.name))
            _active_block(s.cond_body, active, table)
            _active_block(s.body, active, table)
            for c, nxt, out in zip(s.carried, s.nexts, s.outs):
                if is_active(nxt, active) or c.name in active:
                    active.update((c.name, out.name))


# ---------------------------------------------------------------- refusals


#: Functions whose value jumps: their gradient is zero almost everywhere, never useful.
STEPS = {"floor", "ceil", "round", "rint", "trunc"}


def refuse_ranges(fn: Function, active: set[str]) -> None:
    """np.arange of a differentiated value: its length jumps, and its elements are not
    a smooth function of the bounds that a rule could state. Refused, never a zero."""
    for n in walk(fn.body):
        if isinstance(n, Node) and n.op == "np" and n.param("fn") == "arange" and \
                any(is_active(a, active) for a in n.args):
            raise SymdiffError("np.arange of a differentiated value is not differentiable", n.loc,
                               hint="write start + step * np.arange(n) with an integer n, or "
                                    "np.linspace(start, stop, n)")


def refuse_integer_fills(fn: Function, active: set[str]) -> None:
    """np.full_like(x, a) has x's dtype: integers truncate a, whose gradient is then zero
    almost everywhere. An x known to hold integers (``np.arange(3)``, ``.astype(int)``) is
    refused here; one whose dtype the program does not show is checked where it is made
    (``primitives.arrays.check_fill_prototype``), unless dtype= says float."""
    made = {n.out.name: n for n in walk(fn.body) if isinstance(n, Node)}
    for n in made.values():
        if n.op == "fill" and n.param("fn") == "full_like" and not n.param("dtype") and \
                is_active(n.args[1], active) and not is_active(n.args[0], active) and \
                integer_array(lambda v: made.get(v.name), n.args[0]):
            raise SymdiffError("np.full_like(x, a) has the dtype of x, which holds integers "
                               "(a would be truncated, its gradient zero)", n.loc,
                               hint="write np.full_like(x, a, dtype=float), or "
                                    "np.full(x.shape, a)")


def refuse_steps(fn: Function, active: set[str]) -> None:
    """A differentiated value through floor/round/int(): refused, never a silent zero;
    unless only ``stop_gradient`` reads it, where no derivative is asked of it."""
    refuse_ranges(fn, active)
    refuse_integer_fills(fn, active)
    steps = [n for n in walk(fn.body) if isinstance(n, Node) and _is_step(n) and
             any(is_active(a, active) for a in n.args)]
    needed = _reaching_the_result(fn) if steps else set()
    for n in steps:
        if n.out.name in needed:
            step = n.op == "np"
            what = f"np.{n.param('fn')}" if step else n.param("spelling", "int()")
            raise SymdiffError(f"{what} is not differentiable: its gradient is zero almost "
                               "everywhere", n.loc,
                               hint="compute it outside the function and pass the result in, "
                                    "or use a smooth function of the input instead")


def _is_step(n: Node) -> bool:
    return n.op == "np" and n.param("fn") in STEPS or n.op == "cast" and \
        n.param("type") == "int"


def _reaching_the_result(fn: Function) -> set[str]:
    """The names whose value reaches the result other than through ``stop_gradient`` (or
    an argument no gradient flows to, ``gradient_args``: a custom_vjp's residuals): of a
    branch or a loop that binds one, every value it reads (conditions, bounds too)."""
    needed = {v.name for v in fn.result if isinstance(v, Var)}
    backwards = list(walk(fn.body))[::-1]     # a chain in one sweep; loops in a few
    while True:
        before = len(needed)
        for s in backwards:
            if isinstance(s, Node):
                if s.out.name in needed and not s.param("stop_gradient"):
                    flows = primitive(s.op).gradient_args
                    args = s.args if flows is None else [s.args[k] for k in flows(s)]
                    needed.update(a.name for a in args if isinstance(a, Var))
            elif any(v.name in needed for v in bound_here(s) + bound_inside(s)):
                needed.update(v.name for v in reads_here(s) if isinstance(v, Var))
        if len(needed) == before:
            return needed


__all__ = ["active_names", "carries_derivative", "is_active", "refuse_steps", "STEPS"]
