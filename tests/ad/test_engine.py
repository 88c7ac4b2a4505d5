"""The reverse engine on a toy two-rule table (add, mul), apart from the full rule table.

Checks what the engine owns: reverse order, upstream x local, fan-out gradients add,
inactive values get no gradient, an unused input gets a zero gradient.
"""
import types

import numpy as np
import sympy

from symdiff.backend import codegen

from symdiff import ir
from symdiff.ir import Const, Function, Var, node
from symdiff.optimize.passes import optimize
from symdiff.ad.reverse import reverse

a, b = ir.ew_symbols(2)
ADD, MUL = a + b, a * b


def _toy_vjp(em, g, n, i):
    expr = n.param("expr")
    if expr == ADD:                                  # add distributes
        return em.ew_out(lambda u: u, [g])
    if expr == MUL:                                  # mul switches
        return em.ew_out(lambda u, other: u * other, [g, n.args[1 - i]])
    raise AssertionError(f"toy table has no rule for {expr}")


TOY = types.SimpleNamespace(
    vjp=_toy_vjp,
    describe=lambda n, i: "toy",
    differentiable=lambda n: n.op == "ew",
)


def _fn(body, params, result):
    return Function("f", tuple(Var(p) for p in params), tuple(body), (Var(result),))


def _run(fn, *args):
    text = codegen.module_source([(fn, "")], "toy")
    namespace = {}
    exec(text, namespace)
    return namespace[fn.name](*args)


def test_circuit_with_the_toy_table():
    body = [node(Var("q"), "ew", [Var("x"), Var("y")], expr=ADD, lib=""),
            node(Var("f"), "ew", [Var("q"), Var("z")], expr=MUL, lib="")]
    fn = _fn(body, ["x", "y", "z"], "f")
    grad = reverse(fn, (0, 1, 2), {n: () for n in "xyzqf"}, table=TOY)
    ir.verify(grad)
    assert _run(optimize(grad), -2.0, 5.0, -4.0) == (-4.0, -4.0, 3.0)


def test_fan_out_gradients_add():
    # f = x * x + x  ->  df/dx = 2x + 1
    body = [node(Var("s"), "ew", [Var("x"), Var("x")], expr=MUL, lib=""),
            node(Var("f"), "ew", [Var("s"), Var("x")], expr=ADD, lib="")]
    grad = reverse(_fn(body, ["x"], "f"), (0,), {"x": (), "s": (), "f": ()}, table=TOY)
    ir.verify(grad)
    dx = _run(grad, 3.0)
    assert dx == 7.0
    assert any(n.note == "branch: gradients add" for n in grad.body)


def test_unused_input_gets_zero_gradient_and_inactive_values_none():
    body = [node(Var("f"), "ew", [Var("x"), Const(2.0)], expr=MUL, lib="")]
    grad = reverse(_fn(body, ["x", "w"], "f"), (0, 1), {"x": (), "w": (2,), "f": ()},
                   table=TOY)
    dx, dw = _run(grad, 1.5, np.ones(2))
    assert dx == 2.0
    np.testing.assert_array_equal(dw, [0.0, 0.0])
    assert not any("dw" in str(a) for n in grad.body for a in n.args)


def test_reverse_leaves_its_input_alone():
    body = (node(Var("f"), "ew", [Var("x"), Var("x")], expr=MUL, lib=""),)
    fn = _fn(body, ["x"], "f")
    before = repr(fn)
    reverse(fn, (0,), {}, table=TOY)
    assert repr(fn) == before


def test_toy_rules_are_symbolic_exprs():
    assert ADD == sympy.Symbol("_0", real=True) + sympy.Symbol("_1", real=True)
