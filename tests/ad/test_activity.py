"""One activity analysis for both modes (``symdiff.ad.activity``), and stages that return
what they compute instead of writing into their arguments.

The reverse and forward modes once had an analysis each, with "no derivative" sets that
differed: reverse mode counted ``zeros_like`` and the scalar check as carrying a
gradient (constants: a bug, harmless only because reverse mode never met them), forward
mode ignored the max a softmax subtracts (``constant``, ``optimize.invariance``) and so
computed its tangent, which the result does not depend on.
"""
import numpy as np
import pytest

import symdiff
from symdiff import ir, pipeline
from symdiff.ad import activity, forward, reverse
from symdiff.frontend.parse import source_of
from symdiff.ir import Const, Function, Var, node
from support import directional_difference

x_, y_ = ir.ew_symbols(2)


def _fn(body, params, result):
    return Function("f", tuple(Var(p) for p in params), tuple(body), (Var(result),))


def test_both_modes_use_the_one_analysis():
    assert reverse.active_names is activity.active_names
    assert forward.active_names is activity.active_names
    assert reverse.refuse_steps is forward.refuse_steps is activity.refuse_steps


def test_constants_the_derivative_stages_write_carry_no_derivative():
    body = [node(Var("z"), "zeros_like", [Var("x")], known=True),
            node(Var("c"), "check_scalar", [Var("x")], function="f"),
            node(Var("n"), "cast", [Var("x")], type="int"),
            node(Var("q"), "ew", [Var("x"), Var("z")], expr=x_ * y_, lib=""),
            node(Var("s"), "shape", [Var("q")])]
    active = activity.active_names(_fn(body, ["x"], "q"), {"x"})
    assert active == {"x", "q"}


def test_a_tape_is_active_when_an_active_value_is_pushed():
    body = [node(Var("t"), "tape", []),
            node(Var("k"), "push", [Var("t"), Var("x")]),
            node(Var("y"), "pop", [Var("t")], restored=True),
            node(Var("u"), "tape", []),
            node(Var("k2"), "push", [Var("u"), Const(1.0)]),
            node(Var("w"), "pop", [Var("u")], restored=True)]
    active = activity.active_names(_fn(body, ["x"], "y"), {"x"})
    assert {"t", "y"} <= active and not {"u", "w"} & active


def test_a_max_the_output_is_invariant_to_gets_neither_gradient_nor_tangent():
    def loss(s):
        m = np.max(s, axis=1, keepdims=True)
        shifted = s - m
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        return np.sum(log_probs * log_probs)
    src = source_of(loss)
    grad = pipeline.gradient_ir(src, (0,))
    marked = [n for n in ir.nodes(grad.body) if n.op == "amax"]
    assert marked and all(n.param("constant") for n in marked)
    active = activity.active_names(grad, {"s"})
    assert not {n.out.name for n in marked} & active
    hvp = pipeline.hvp_ir(src, (0,))
    assert not any(n.op == "compare" for n in ir.nodes(hvp.body))   # no tie count for m

    rng = np.random.default_rng(3)
    s = rng.standard_normal((3, 4))
    s[0, 1] = s[0, 3] = s[0].max() + 0.5              # a tie in the max of row 0
    v = rng.standard_normal(s.shape)
    got = symdiff.hvp(loss)(s, v)
    want = directional_difference(symdiff.grad(loss), [s], [0], [v], h=1e-5)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    value, g = symdiff.value_and_grad(loss)(s)
    assert np.isclose(value, loss(s))


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_an_integer_cast_of_a_differentiated_value_is_refused_in_both_modes(mode):
    def f(x):
        return int(x) * x
    with pytest.raises(symdiff.SymdiffError, match="not differentiable"):
        if mode == "grad":
            symdiff.grad(f)(1.5)
        else:
            symdiff.jvp(f)(1.5, 1.0)


def test_reverse_returns_the_shapes_and_leaves_its_argument_alone():
    def f(W, x):
        h = np.tanh(W @ x)
        return np.sum(h * h)
    fn = pipeline.forward_ir(source_of(f))
    from symdiff.ir.shapes import infer_shapes
    given = infer_shapes(fn, {"W": (3, 2), "x": (2,)})
    before = dict(given)
    grad, shapes = reverse.reverse_with_shapes(fn, (0, 1), given)
    assert given == before                               # not written into
    assert shapes["dW"] == (3, 2) and shapes["dx"] == (2,)
    assert {k: shapes[k] for k in given} == given
    assert reverse.reverse(fn, (0, 1), given) == grad
    assert given == before
