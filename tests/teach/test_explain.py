"""symdiff.teach.explain and the trace behind it: every number checked, every format printed.

The numbers a worked example shows come from ``symdiff.teach.trace``. They are checked three
ways: the gradients it ends with equal ``symdiff.grad``'s and central differences; the
chain rule holds between its rows (each downstream gradient is upstream x local; the
gradients flowing into a value add up to the upstream gradient its node saw); and each
local derivative of a scalar node matches central differences of that node's own code.
"""
from __future__ import annotations

import math

import re

import numpy as np
import pytest

import symdiff
from symdiff.check import numerical_gradient
from symdiff.backend.codegen_nodes import render, statements
from symdiff.teach.explain import Explanation, format_value, parse_arguments
from symdiff.ir import Var
from symdiff.frontend.parse import source_of
from symdiff.frontend.source_modules import functions_of_file
from symdiff.teach.trace import trace
import control_flow_corpus as corpus
from support import EXAMPLES_DIR


def run_of(fn, *args):
    src = source_of(fn)
    return trace(src, dict(zip([a.arg for a in src.tree.args.args], args)))


def assert_gradients(fn, run, args):
    """The traced gradients are symdiff.grad's, and central differences agree."""
    wrt = run.wrt
    expected = symdiff.grad(fn, wrt=tuple(wrt))(*args)
    params = list(run.args)
    for name, want in zip(wrt, expected):
        got = run.gradients[name]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        numeric = numerical_gradient(fn, tuple(args), params.index(name))
        np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(run.value, fn(*args), rtol=1e-12)


def assert_chain_rule(run):
    """Downstream = upstream x local (elementwise nodes); what flows into a value adds up
    to the upstream gradient of the node that computed it (or to an input's gradient)."""
    flowing: dict = {}
    for b in run.backprops:
        source = run.steps[b.step].inputs[b.arg]
        if source is not None and b.part is not None:
            flowing.setdefault(source, []).append(b.part)
        n = run.steps[b.step].node
        if n.op == "ew" and b.part is not None and \
                np.shape(b.part) == np.shape(b.local) == np.shape(b.upstream):
            np.testing.assert_allclose(b.part, np.multiply(b.upstream, b.local), rtol=1e-12,
                                       atol=1e-300)
    if run.value_source is not None:
        flowing.setdefault(run.value_source, []).append(1.0)
    seen = set()
    for b in run.backprops:
        if b.step in seen:
            continue
        seen.add(b.step)
        parts = flowing.get(b.step, [])
        if parts:
            np.testing.assert_allclose(sum(parts[1:], parts[0]), b.upstream, rtol=1e-12,
                                       atol=1e-12)
        else:                     # the zero gradient of a branch side that did not run
            assert not np.any(b.upstream), f"step {b.step}: a gradient from nowhere"

    for name in run.wrt:
        parts = flowing.get(name, [])
        if parts:
            np.testing.assert_allclose(sum(parts[1:], parts[0]), run.gradients[name],
                                       rtol=1e-12, atol=1e-12)
        else:
            assert not np.any(run.gradients[name])


def node_derivative(run, step, i, eps=1e-6):
    """Central differences of one scalar node's own code with respect to argument i."""
    n = step.node
    code = "\n".join(render(s) for s in statements(n, set(), set()))

    def at(delta):
        env = {"np": np, "math": math, **dict(run.fn.constants)}
        env.update({a.name: v for a, v in zip(n.args, step.arg_values) if isinstance(a, Var)})
        env[n.args[i].name] = step.arg_values[i] + delta
        exec(code, env)
        return env[n.out.name]
    return (at(eps) - at(-eps)) / (2 * eps)


def assert_local_derivatives(run):
    checked = 0
    for b in run.backprops:
        step = run.steps[b.step]
        if step.node.op == "ew" and np.ndim(step.value) == 0 and \
                all(np.ndim(v) == 0 for v in step.arg_values):
            assert b.local == pytest.approx(node_derivative(run, step, b.arg), rel=1e-6, abs=1e-8)
            checked += 1
    return checked


# ---------------------------------------------------------------- the seed examples


def seed_cases(load_example, classifier_args, mlp_args, hinge_args, l2_args):
    rng = np.random.default_rng(4)
    return {
        "circuit": (load_example("circuit").f, (-2.0, 5.0, -4.0)),
        "sigmoid_neuron": (load_example("sigmoid_neuron").neuron,
                           (np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))),
        "svm_loss": (load_example("svm_loss").svm_loss, classifier_args),
        "softmax_loss": (load_example("softmax_loss").softmax_loss, classifier_args),
        "hinge": (load_example("hinge").hinge, hinge_args),
        "l2_regression": (load_example("l2_regression").l2_loss, l2_args),
        "mlp": (load_example("mlp").mlp_loss, mlp_args),
        "tiny_mlp": (load_example("mlp").mlp_loss,
                     (rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(3, 2)),
                      rng.normal(size=2), rng.normal(size=(3, 2)), np.array([0, 1, 1]), 0.1)),
    }


@pytest.mark.parametrize("name", ["circuit", "sigmoid_neuron", "svm_loss", "softmax_loss",
                                  "hinge", "l2_regression", "mlp", "tiny_mlp"])
def test_seed_numbers(name, load_example, classifier_args, mlp_args, hinge_args, l2_args):
    fn, args = seed_cases(load_example, classifier_args, mlp_args, hinge_args, l2_args)[name]
    run = run_of(fn, *args)
    assert_gradients(fn, run, args)
    assert_chain_rule(run)
    assert_local_derivatives(run)
    text = symdiff.explain(fn, *args).text(limit=None)
    assert f"d{run.output}/d{run.wrt[0]} = " in text


def test_circuit_shows_the_lecture_numbers(load_example):
    ex = symdiff.explain(load_example("circuit").f, -2, 5, -4)
    forward = {row[0]: row[2] for row in ex.forward_table().rows}
    assert forward == {"x": "-2", "y": "5", "z": "-4", "q": "3", "f": "-12"}
    rows = ex.backward_table().rows
    cells = {cell for row in rows for cell in row}
    assert {"df/df = 1", "df/dq = -4", "df/dz = 3", "df/dx = -4", "df/dy = -4"} <= cells
    assert {"df/dq = z = -4", "df/dz = q = 3", "dq/dx = 1"} <= cells        # local gradients
    gates = {row[3]: row[6] for row in rows}
    assert gates == {"q": "mul switches", "z": "mul switches", "x": "add distributes",
                     "y": "add distributes"}
    assert [r[0] for r in rows if r[0]] == ["f", "q"]                       # backward order
    assert ex.gradients() == [("df/dx", "-4"), ("df/dy", "-4"), ("df/dz", "3")]
    assert node_derivative(ex.run, ex.run.steps[1], 0) == pytest.approx(-4.0)


def test_sigmoid_neuron_collapses_the_gate_and_adds_branches(load_example):
    ex = symdiff.explain(load_example("sigmoid_neuron").neuron, [2, -3, -3], [-1, -2])
    text = ex.text()
    assert "dneuron/dz = neuron * (1 - neuron) = 0.1966" in text              # f (1 - f)
    assert "dneuron/dw = [-0.1966, -0.3932, 0.1966]" in text
    assert "dneuron/dx = [0.3932, -0.5898]" in text
    branch = [r for r in ex.backward_table().rows if r[6] == "branch: gradients add"]
    assert [r[0] for r in branch] == ["w", "x"]
    assert branch[0][2] == "[0, 0, 0.1966] + [0, -0.3932, 0] + [-0.1966, 0, 0]"


def test_max_routes(load_example):
    # hinge with an active margin: the gradient goes through max to the margin
    w, phi, y = np.array([0.5, -1.0]), np.array([1.0, 0.5]), 1.0
    ex = symdiff.explain(load_example("hinge").hinge, w, phi, y)
    rows = ex.backward_table().rows
    assert rows[0][6] == "max routes" and rows[0][5] == "dhinge/d(dot(w, phi) * y) = -1"


def test_table_cells_are_the_traced_numbers(load_example, classifier_args):
    ex = symdiff.explain(load_example("softmax_loss").softmax_loss, *classifier_args)
    rows = [r for r in ex.backward_table().rows if r[6] != "branch: gradients add"]
    assert len(rows) == len(ex.run.backprops)
    for row, b in zip(rows, ex.run.backprops):
        assert row[5].endswith(format_value(b.part))
    steps = [r for r in ex.forward_table().rows if r[1] != "input"]
    assert [r[2] for r in steps] == [format_value(s.value) for s in ex.run.steps]


def test_arrays_show_shapes_and_small_values():
    assert format_value(np.arange(6.0).reshape(2, 3)) == "[[0, 1, 2], [3, 4, 5]]"
    assert format_value(np.zeros((64, 10))) == "(64, 10) array"
    assert format_value(-0.0) == "0" and format_value(0.73105857) == "0.7311"
    assert format_value(np.float64(3.0)) == "3" and format_value(True) == "True"


# ---------------------------------------------------------------- branches and loops


@pytest.mark.parametrize("case", corpus.CASES, ids=[c.id for c in corpus.CASES])
def test_corpus_traces_agree_with_grad(case):
    args = case.inputs()
    run = run_of(case.fn, *args)
    expected = symdiff.grad(case.fn, wrt=tuple(run.wrt))(*args)
    for name, want in zip(run.wrt, expected):
        np.testing.assert_allclose(run.gradients[name], want, rtol=1e-12, atol=1e-12)
    assert_chain_rule(run)


def test_branch_taken_is_shown():
    ex = symdiff.explain(corpus.piecewise, 0.4)
    rows = ex.forward_table().rows
    assert ("if x < -1.0", "branch", "False: the else block ran", "", "") in rows
    assert ("if x < 1.0", "branch", "True: the if block ran", "", "") in rows
    assert ("y", "x + sin(2.0 * x)", "1.117", "", "control_flow_corpus.py:184") in rows
    assert not any("branch result" in r[1] for r in rows)     # y is y: no row says so
    assert not any(re.search(r"\b(tmp|cond|y)_\d", " ".join(r)) for r in rows)
    assert "dpiecewise/dx = 5.349" in ex.text()


def test_loops_show_one_row_per_iteration():
    rng = np.random.default_rng(1)
    W, X, y = rng.normal(size=(3, 2)), rng.normal(size=(2, 3)), np.array([0, 1])
    ex = symdiff.explain(corpus.svm_loss_naive, W, X, y, 0.1)
    forward = ex.forward_table(limit=None)
    assert forward.headers[-1] == "iteration"
    assert {r[-1] for r in forward.rows if r[0] == "scores"} == {"i=0", "i=1"}
    backward = ex.backward_table(limit=None)
    assert {r[-1] for r in backward.rows if r[0] == "scores" and r[1] == "dot(X[i], W)"} == \
        {"i=0", "i=1"}
    short = ex.forward_table(limit=5)
    assert len(short.rows) == 5 and "more rows" in short.note


def test_integers_are_floats_except_indices_and_counts(load_example, classifier_args):
    W, X, y, reg = classifier_args
    run = symdiff.explain(load_example("svm_loss").svm_loss, W, X, y.tolist(), 1).run
    assert run.args["y"].dtype.kind == "i" and run.wrt == ("W", "X", "reg")
    run = symdiff.explain(corpus.newton_sqrt, 2).run      # iters keeps its default 8
    assert run.args["iters"] == 8 and run.wrt == ("a",)


# ---------------------------------------------------------------- formats


def test_formats(load_example):
    ex = symdiff.explain(load_example("circuit").f, -2.0, 5.0, -4.0)
    md = ex.markdown()
    assert "| node | operation | value | shape | line |" in md and "| `q` | `x + y` | `3` |" in md
    latex = ex.latex()
    assert latex.count(r"\begin{longtable}") == 2
    assert r"$\frac{\partial f}{\partial x}$ = $-4$" in latex and "mul switches" in latex
    html = ex._repr_html_()
    assert html.count("<table>") == 2 and "df/dq = -4" in html
    assert str(ex) == ex.text() == ex.format("text")
    with pytest.raises(symdiff.SymdiffError, match="unknown format"):
        ex.format("rtf")


# ---------------------------------------------------------------- arguments


def test_parse_arguments():
    src = functions_of_file(str(EXAMPLES_DIR / "sigmoid_neuron.py"))["neuron"]
    args = parse_arguments("[2, -3, -3], x=[-1.5, -2]", src)
    assert args["w"].tolist() == [2, -3, -3] and args["x"].dtype.kind == "f"
    assert trace(src, args).args["w"].dtype.kind == "f"      # data, not an index


@pytest.mark.parametrize("text, message, col", [
    ("x=-2, y=foo, z=-4", "not a literal value", 9),
    ("x=-2, y=5", "no value for z", 10),
    ("x=-2, y=5, w=3, z=1", "has no parameter `w`", 12),
    ("x=-2, y=[1, [2]], z=1", "unequal lengths", 9),
    ("x=-2, y='a', z=1", "str values cannot be arguments", 9),
    ("x=-2, y=5, z=", "cannot read the argument values", None),
    ("-2, 5, -4, 1", "takes 3 arguments, got 4", None),
])
def test_bad_arguments_are_located(text, message, col):
    src = functions_of_file(str(EXAMPLES_DIR / "circuit.py"))["f"]
    with pytest.raises(symdiff.SymdiffError, match=message) as info:
        parse_arguments(text, src)
    if col is not None:
        assert info.value.loc.file == "--at" and info.value.loc.col + 1 == col
        assert info.value.hint


def test_bad_shapes_are_located(load_example):
    with pytest.raises(symdiff.SymdiffError, match="computing tmp_7 failed") as info:
        symdiff.explain(load_example("sigmoid_neuron").neuron, [2.0, -3.0], [-1.0, -2.0])
    assert info.value.loc.line == 13


def test_keywords_and_defaults():
    ex = symdiff.explain(corpus.newton_sqrt, a=9.0)
    assert ex.run.args == {"a": 9.0, "iters": 8}
    with pytest.raises(symdiff.SymdiffError, match="no parameter `b`"):
        symdiff.explain(corpus.newton_sqrt, b=9.0)
    with pytest.raises(symdiff.SymdiffError, match="two values for `a`"):
        symdiff.explain(corpus.newton_sqrt, 2.0, a=9.0)
    assert isinstance(ex, Explanation) and "Explanation of newton_sqrt" in repr(ex)
