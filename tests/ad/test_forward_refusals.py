"""Forward mode refuses what reverse mode refuses: a differentiated value through a step.

np.floor, np.ceil, np.round, np.rint, np.trunc, int() and .astype(int) have a gradient
that is zero almost everywhere. Reverse mode refuses them with a located error; jvp,
jacobian(mode="forward"), hvp and hessian give the same error at the same place, never a
silent zero. The same steps applied to a value that is not differentiated stay fine.
"""
from __future__ import annotations

import numpy as np
import pytest

import symdiff

from support import directional_difference, load_module, numerical_jacobian

STEPS = """
import numpy as np

def floor_vec(x):
    return np.sum(np.floor(x) * x)

def ceil_vec(x):
    y = np.sin(x)
    return np.sum(np.ceil(y * 3.0) + x)

def round_vec(x):
    return np.sum(np.round(2.0 * x) ** 2)

def rint_vec(x):
    return np.sum(np.rint(x) * np.cos(x))

def trunc_vec(x):
    return np.sum(np.trunc(np.exp(x)))

def int_scalar(x):
    return int(x * 2.0) * x

def astype_vec(x):
    return np.sum(x.astype(int) * x)

def step_in_loop(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.floor(x * i))
    return s

def step_of_inactive(x, k):
    return np.sum(np.floor(k) * x ** 2)
"""

REFUSED = ["floor_vec", "ceil_vec", "round_vec", "rint_vec", "trunc_vec", "int_scalar",
           "astype_vec", "step_in_loop"]

MODES = {
    "jvp": lambda f, x: symdiff.jvp(f)(x, x),
    "jacobian_forward": lambda f, x: symdiff.jacobian(f, mode="forward")(x),
    "hvp": lambda f, x: symdiff.hvp(f)(x, x),
    "hessian": lambda f, x: symdiff.hessian(f)(x),
}


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("steps"), "steps", STEPS)


def _arg(name):
    return 1.3 if name == "int_scalar" else np.array([0.3, 1.4, 2.6])


def _reverse_error(fn, x) -> symdiff.SymdiffError:
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(fn)(x)
    return info.value


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("name", REFUSED)
def test_forward_mode_refuses_what_reverse_refuses(steps, name, mode):
    fn, x = getattr(steps, name), _arg(name)
    expected = _reverse_error(fn, x)
    assert "is not differentiable" in expected.message
    with pytest.raises(symdiff.SymdiffError) as info:
        MODES[mode](fn, x)
    got = info.value
    assert (got.message, got.hint) == (expected.message, expected.hint)
    assert (got.loc.line, got.loc.col) == (expected.loc.line, expected.loc.col)
    assert "^" in str(got)


def test_step_of_a_value_not_differentiated_is_fine_forward(steps):
    rng = np.random.default_rng(3)
    x, k = rng.standard_normal(4), np.array([0.4, 1.7, -2.2, 3.1])
    v = rng.standard_normal(4)
    value, tangent = symdiff.jvp(steps.step_of_inactive)(x, k, v)
    assert value == pytest.approx(steps.step_of_inactive(x, k), rel=1e-12)
    expected = directional_difference(steps.step_of_inactive, [x, k], [0], [v])
    assert tangent == pytest.approx(float(expected), rel=1e-6, abs=1e-8)
    J = symdiff.jacobian(steps.step_of_inactive, mode="forward")(x, k)
    assert np.allclose(J, numerical_jacobian(steps.step_of_inactive, [x, k], 0), atol=1e-6)
