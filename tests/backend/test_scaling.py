"""Scalability: functions of 5,000 statements compile, in time linear in their length.

The four shapes of ``scaling_shapes`` (a dependency chain, independent lines, a long loop
body, one value read by every statement) are compiled at 5,000 statements: the value is
f's own, the gradient that of central differences (on the long function itself and on a
short one of the same shape, where the gradient is far from zero), and compile time
(CPU seconds of this process) grows about linearly: 8 times the statements may cost at
most 20 times the time (a quadratic compiler would take 64 times).
"""
import time

import numpy as np
import pytest

import symdiff
from scaling_shapes import SHAPES, source
from support import load_module, numerical_jacobian

LONG, SHORT = 5000, 625
ARGS = (np.array([0.3, -0.2, 0.45]), 0.7)


def _compiled(tmp_path, shape: str, n: int):
    """(f, its value_and_grad compiled for ARGS, CPU seconds the compile took)."""
    f = load_module(tmp_path, f"{shape}_{n}", source(shape, n)).f
    compiled = symdiff.value_and_grad(f, wrt=(0, 1))
    start = time.process_time()
    compiled.source_for(*ARGS)
    return f, compiled, time.process_time() - start


def _agrees(f, compiled, args) -> None:
    value, grads = compiled(*args)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12, atol=1e-12)
    for i, got in enumerate(grads):
        assert np.shape(got) == np.shape(args[i])
        np.testing.assert_allclose(got, numerical_jacobian(f, args, i), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", SHAPES)
def test_five_thousand_statements_compile_in_linear_time(tmp_path, shape):
    f_short, short, t_short = _compiled(tmp_path, shape, SHORT)
    f_long, long_, t_long = _compiled(tmp_path, shape, LONG)
    _agrees(f_long, long_, ARGS)
    _agrees(f_short, short, ARGS)
    assert t_long < 20 * max(t_short, 0.05), (t_short, t_long)


@pytest.mark.parametrize("shape", SHAPES)
def test_short_functions_of_each_shape_have_the_right_gradient(tmp_path, shape):
    f = load_module(tmp_path, shape, source(shape, 12)).f
    rng = np.random.default_rng(len(shape))
    for _ in range(3):
        args = (rng.uniform(-1, 1, 4), float(rng.uniform(-1, 1)))
        _agrees(f, symdiff.value_and_grad(f, wrt=(0, 1)), args)
        grads = symdiff.grad(f, wrt=(0, 1))(*args)
        assert np.abs(grads[0]).max() > 1e-3    # a gradient far from zero is checked
