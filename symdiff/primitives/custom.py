"""A function whose backward pass the user gives (``symdiff.custom_vjp``): one node.

    out = custom_vjp(value, x1, ..., xn, s1, ..., sk)        # out is value

``value`` and what the backward pass reads (``s``: the residuals of the rule's forward
part, the arguments it is not differentiated by) come from the rule's forward part,
inlined like a helper; no gradient flows back through them. The node's ``backward``
parameter holds the rule's backward part, lowered on stand-ins for the ``s`` and for the
upstream gradient: reverse mode writes those statements into the backward pass, the
stand-ins replaced by the node's ``s`` and its upstream gradient and every name they bind
made fresh, and each xi's gradient is what they return for it. Forward mode has no rule
to run: it is refused, where the function is called.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import Loc, SymdiffError
from ..ir import Const, If, Loop, Node, Value, Var, bound_here, bound_inside, walk
from ..primitives.arrays import infer_shape
from .registry import Primitive, register


@dataclass(frozen=True, eq=False)
class Backward:
    """A rule's backward part, lowered: its statements, the stand-ins they read (for the
    node's arguments after the inputs, and for the upstream gradient), and what they
    return for each input (None: no gradient)."""

    name: str                         # the custom function
    inputs: int                       # how many arguments have a gradient (x1 .. xn)
    saved: tuple[Var, ...]            # stand-ins for s1 .. sk
    upstream: Var                     # the stand-in for the upstream gradient
    body: tuple
    results: tuple[Value | None, ...]
    loc: Loc | None = None            # where the backward part returns

    def __repr__(self) -> str:
        return f"<backward of {self.name}>"


def _vjp(em, g: Value, n: Node, i: int) -> Value | None:
    """Input i's part of the backward statements, written once for all the inputs."""
    rule = n.param("backward")
    if not 1 <= i <= rule.inputs:
        return None                   # the value and the residuals: no gradient
    key = (id(n), g)
    if key not in em.written:
        em.written[key] = (n, _splice(em, g, n, rule))
    part = em.written[key][1][i - 1]
    if part is None or isinstance(part, Const) and part.value in (0, None):
        return None
    want, got = em.shape(n.args[i]), em.shape(part)
    if want is not None and got is not None and tuple(want) != tuple(got):
        raise SymdiffError(f"the backward rule of `{rule.name}` returns a gradient of shape "
                           f"{tuple(got)} for its argument {i} of shape {tuple(want)}",
                           rule.loc, hint="return one gradient per argument, each shaped "
                                          "like its argument")
    return part


def _splice(em, g: Value, n: Node, rule: Backward) -> tuple:
    """The rule's statements in the backward pass; what they return for each input."""
    if isinstance(g, Const) and isinstance(g.value, int):
        g = Const(float(g.value))
    rename: dict[str, Value] = dict(zip((v.name for v in rule.saved),
                                        n.args[1 + rule.inputs:]))
    rename[rule.upstream.name] = g
    for s in walk(rule.body):
        for v in bound_here(s) + bound_inside(s):
            rename[v.name] = em.b.names.fresh(v.name)
    for s in rule.body:
        em.b.body.append(_renamed(s, rename, em))
    for s in walk(em.b.body[-len(rule.body):] if rule.body else ()):
        if isinstance(s, Node):        # the shapes the backward's rules choose forms by
            em.set_shape(s.out, infer_shape(s, [em.shape(a) for a in s.args],
                                            [getattr(a, "value", None) for a in s.args]))
    return tuple(None if r is None else _sub(r, rename) for r in rule.results)


def _sub(v, rename: dict):
    return rename.get(v.name, v) if isinstance(v, Var) else v


def _renamed(s, rename: dict, em):
    """Statement ``s`` (and its blocks) with the names of ``rename``, in the backward."""
    def vs(values):
        return tuple(_sub(v, rename) for v in values)

    def block(stmts):
        return tuple(_renamed(t, rename, em) for t in stmts)
    if isinstance(s, Node):
        return replace(s, out=_sub(s.out, rename), args=vs(s.args), role=em.role,
                       origin=em.origin)
    if isinstance(s, If):
        return replace(s, cond=_sub(s.cond, rename), then=block(s.then),
                       orelse=block(s.orelse), outs=vs(s.outs),
                       then_values=vs(s.then_values), else_values=vs(s.else_values),
                       role=em.role)
    assert isinstance(s, Loop)
    return replace(s, index=_sub(s.index, rename), bounds=vs(s.bounds), carried=vs(s.carried),
                   inits=vs(s.inits), body=block(s.body), nexts=vs(s.nexts), outs=vs(s.outs),
                   cond_body=block(s.cond_body), cond=_sub(s.cond, rename), role=em.role)


def _no_forward_mode(em, n: Node, ts):
    name = n.param("custom_rule")
    raise SymdiffError(f"forward mode through `{name}` is not supported: its rule "
                       "(custom_vjp) gives the backward pass only", n.loc,
                       hint="use grad, value_and_grad, vjp or jacobian(f, mode='reverse') "
                            f"here (reverse mode), or give `{name}` a forward rule with "
                            "@symdiff.custom_jvp")


def _first_shape(n, s, v):
    return s[0]


register(
    Primitive("custom_vjp", "custom", "the value of a function whose backward pass the user "
              "gives (custom_vjp)", shape=_first_shape, partial_shapes=True, vjp=_vjp,
              jvp=_no_forward_mode, printer=lambda n, p: p.a[0],
              params=(("custom_rule", "name"), ("backward", "any")),
              gradient_args=lambda n: range(1, 1 + n.param("backward").inputs)),
)


__all__ = ["Backward"]
