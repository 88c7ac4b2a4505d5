"""The unfused teaching mode (``fuse=False``, CLI ``--gates``): one node per operation.

CS231n's slide of the sigmoid neuron draws the chain w0*x0 + w1*x1 + w2, then *-1, exp,
+1 and 1/x, with the values 0.37 and 1.37 after exp and +1 and the gradients -0.53 and
-0.20 flowing back into +1 and exp. The fused default collapses the chain into one
sigmoid node. Every number is checked against central differences of the function.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import symdiff
from symdiff import cli
from support import EXAMPLES_DIR, load_module, numerical_jacobian
from test_explain import assert_chain_rule

W, X = np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])


@pytest.fixture(scope="module")
def neuron(load_example):
    return load_example("sigmoid_neuron").neuron


def rows_by_node(table):
    out, current = {}, None
    for r in table.rows:
        current = r[0] or current
        out.setdefault(current, []).append(r)
    return out


def test_four_gates_show_the_slide_numbers(neuron):
    ex = symdiff.explain(neuron, W, X, fuse=False)
    forward = {r[0]: r for r in ex.forward_table().rows}
    assert [forward[k][2] for k in ("z", "-z", "exp(-z)", "exp(-z) + 1", "neuron")] == \
        ["1", "-1", "0.3679", "1.368", "0.7311"]
    assert forward["neuron"][1] == "1 / (exp(-z) + 1)"
    values = [float(s.value) for s in ex.run.steps[-4:]]
    assert [round(v, 2) for v in values] == [-1.0, 0.37, 1.37, 0.73]
    # gradients flowing back: into +1 (from 1/x) -0.53, into exp (from +1) -0.53,
    # into *-1 (from exp) -0.20, into the weighted sum 0.20
    back = {(b.step, b.arg): b.part for b in ex.run.backprops}
    order = list(range(len(ex.run.steps)))[-4:]
    parts = [float(back[k, 0]) for k in reversed(order)]
    assert [round(p, 2) for p in parts] == [-0.53, -0.53, -0.2, 0.2]
    s = 1 / (1 + math.exp(-1))                 # exact: d/dz of the sigmoid at z=1 is s(1-s)
    assert parts[0] == pytest.approx(-s ** 2, rel=1e-12)
    assert parts[3] == pytest.approx((1 - s) * s, rel=1e-12)
    table = rows_by_node(ex.backward_table())
    assert table["exp(-z)"][0][6] == "exp: local gradient = its output"
    assert table["-z"][0][6] == "negate: flips the sign"
    assert table["exp(-z) + 1"][0][6] == "add a constant: passes the gradient through"
    assert table["neuron"][0][6] == "reciprocal: local gradient = -1/input**2"
    assert_chain_rule(ex.run)


def test_fused_default_keeps_one_sigmoid_node(neuron):
    fused = symdiff.explain(neuron, W, X)
    gates = symdiff.explain(neuron, W, X, fuse=False)
    assert len(gates.run.steps) == len(fused.run.steps) + 3
    assert [r[1] for r in fused.forward_table().rows][-1] == "1 / (exp(-z) + 1)"
    for name in ("w", "x"):
        np.testing.assert_allclose(gates.run.gradients[name], fused.run.gradients[name],
                                   rtol=1e-12)


def test_graph_draws_the_four_gates(neuron):
    g = symdiff.graph(neuron, W, X, fuse=False)
    labels = {n.key: n.label for n in g.nodes}
    by_label = {v: k for k, v in labels.items()}
    chain = [by_label[t] for t in ("-z", "exp(-z)", "exp(-z) + 1")]
    edges = {(e.source, e.target): (e.value, e.gradient) for e in g.edges}
    assert edges[chain[0], chain[1]] == ("-1", "-0.1966")
    assert edges[chain[1], chain[2]] == ("0.3679", "-0.5344")
    out = next(e for e in g.edges if e.source == chain[2])
    assert (out.value, out.gradient) == ("1.368", "-0.5344")
    texts = [t.text for t in ET.fromstring(g.svg()).iter("{http://www.w3.org/2000/svg}text")]
    assert {"-z", "exp(-z)", "exp(-z) + 1", "0.3679", "1.368", "-0.5344"} <= set(texts)
    assert not any("tmp" in (t or "") for t in texts)


SOURCES = '''
import numpy as np

def tanh_by_hand(x, y):
    return 2 / (1 + np.exp(-2 * (x * y))) - 1

def softplus(a):
    return np.sum(np.log(1 + np.exp(-a * a)))

def chained(u, v):
    s = np.sqrt(u * u + v * v)
    return np.exp(-s) / (1 + s) ** 2
'''


@pytest.mark.parametrize("name, args", [
    ("tanh_by_hand", (0.3, -1.7)),
    ("softplus", (np.array([0.4, -1.1, 2.0]),)),
    ("chained", (0.6, -1.3)),
])
def test_unfused_gradients_are_the_central_differences(tmp_path, name, args):
    fn = getattr(load_module(tmp_path, "gate_chains", SOURCES), name)
    gates = symdiff.explain(fn, *args, fuse=False)
    fused = symdiff.explain(fn, *args)
    assert len(gates.run.steps) > len(fused.run.steps)      # the chain is kept apart
    value, _ = symdiff.value_and_grad(fn, wrt=tuple(range(len(args))))(*args)
    assert gates.run.value == pytest.approx(value, rel=1e-12)
    for i, param in enumerate(gates.run.wrt):
        want = numerical_jacobian(fn, list(args), i)
        np.testing.assert_allclose(gates.run.gradients[param], np.reshape(want, np.shape(
            args[i])), rtol=1e-6, atol=1e-9)
    assert_chain_rule(gates.run)
    ops = {s.node.param("expr").func.__name__ for s in gates.run.steps
           if s.node.op == "ew"}
    assert "exp" in ops                 # exp is a gate of its own, not inside a fused formula


def test_cli_gates(capsys, tmp_path):
    path = str(EXAMPLES_DIR / "sigmoid_neuron.py")
    at = "w=[2, -3, -3], x=[-1, -2]"
    assert cli.main(["explain", path, "--at", at, "--gates"]) == 0
    out = capsys.readouterr().out
    assert "exp(-z) + 1" in out and "1.368" in out and "-0.5344" in out
    assert cli.main(["explain", path, "--at", at]) == 0
    assert "exp(-z) + 1 " not in capsys.readouterr().out.split("Backward")[0]
    svg = tmp_path / "gates.svg"
    assert cli.main(["graph", path, "--at", at, "--gates", "-o", str(svg)]) == 0
    texts = [t.text for t in ET.parse(svg).getroot().iter() if t.tag.endswith("text")]
    assert "exp(-z)" in texts and "0.3679" in texts
