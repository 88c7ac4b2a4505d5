"""Every elementwise gate of a worked example is named in the backward table (the
lecture's words where it has them, the local gradient otherwise), and round-off is shown
as the zero it stands for."""
import numpy as np
import pytest
import sympy

import symdiff
from symdiff.teach.explain import format_value
from symdiff.teach.gates import elementwise_gate
from support import load_module

X, Y = sympy.symbols("_0 _1", real=True)


@pytest.mark.parametrize("expr, name", [
    (X / Y, "div: 1/b to a, -a/b**2 to b"),
    (1 / X, "reciprocal: local gradient = -1/input**2"),
    (X ** 3, "power: local gradient = 3*input**2"),
    (X ** 2, "power: local gradient = 2*input"),
    (sympy.sqrt(X), "sqrt: local gradient = 1/(2*sqrt(input))"),
    (sympy.exp(X), "exp: local gradient = its output"),
    (sympy.log(X), "log: local gradient = 1/input"),
    (-X, "negate: flips the sign"),
    (X + 1, "add a constant: passes the gradient through"),
])
def test_elementwise_gates_are_named(expr, name):
    assert elementwise_gate(expr) == name


SOURCE = '''
import numpy as np

def gates(a, b):
    d = a - b
    e = b - a
    q = a / b
    p = a ** 3
    s = np.exp(a)
    l = np.log(b)
    return d * e + q + p + s + l
'''


def test_backward_table_names_every_gate(tmp_path):
    module = load_module(tmp_path, "gates", SOURCE)
    ex = symdiff.explain(module.gates, 0.7, 1.9)
    rows = ex.backward_table().rows
    gate_of = {}
    for r in rows:
        if r[0]:
            current = r[0]
        gate_of.setdefault(current, set()).add(r[6])
    assert gate_of["d"] == {"sub distributes, negated to b"}
    assert gate_of["e"] == {"sub distributes, negated to a"}
    assert gate_of["q"] == {"div: 1/b to a, -a/b**2 to b"}
    assert gate_of["p"] == {"power: local gradient = 3*input**2"}
    assert gate_of["s"] == {"exp: local gradient = its output"}
    assert gate_of["l"] == {"log: local gradient = 1/input"}
    a, b = 0.7, 1.9          # and the numbers are the derivatives
    da = (b - a) - (a - b) + 1 / b + 3 * a ** 2 + np.exp(a)
    assert ex.run.gradients["a"] == pytest.approx(da, rel=1e-12)


def test_round_off_is_shown_as_zero():
    assert format_value(np.array([0.2, -1.388e-17])) == "[0.2, 0]"
    assert format_value(0.1 + 0.2 - 0.3) == "0"
    assert format_value(np.array([3e-9, 1.0])) == "[3e-09, 1]"
    assert format_value(2.5e-9) == "2.5e-09"
