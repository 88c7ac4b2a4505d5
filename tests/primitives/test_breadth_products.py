"""Products, sequences and copies added for breadth: np.tensordot (count and pairs of
axes), np.inner, np.outer of matrices, np.kron, np.convolve and np.correlate (every mode,
either factor longer), np.interp (in x, xp and fp; outside xp's range), np.broadcast_to
(its VJP sums the copies back) and the copies (np.copy, x.copy(), np.array(x, copy=True)).
Each case is checked by ``breadth_support.check_case``; ``assert_gradient`` also checks
the shape-generic source (the helpers used when ranks are not known).
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of
from support import assert_gradient

import symdiff


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


KNOTS = "np.array([0.0, 0.3, 0.6, 1.0])"


def _inside(rng):
    """Points inside xp's segments, away from the knots."""
    return [rng.uniform(0.05, 0.25, 3) + np.array([0.0, 0.3, 0.6])]


CASES = [
    Case("tensordot_count", "a, b", "np.sum(np.tensordot(a, b, 2) ** 2)",
         normal((2, 3, 4), (3, 4, 2)), wrt=(0, 1), second=True, jit=True),
    Case("tensordot_pairs", "a, b", "np.sum(np.tensordot(a, b, axes=([0, 2], [1, 0])) ** 2)",
         normal((2, 3, 4), (4, 2, 5)), wrt=(0, 1), second=True),
    Case("tensordot_negative", "a, b", "np.sum(np.sin(np.tensordot(a, b, axes=(-1, 0))))",
         normal((3, 4), (4, 2)), wrt=(0, 1)),
    Case("tensordot_zero", "a, b", "np.sum(np.tensordot(a, b, 0) ** 2)",
         normal((2,), (3,)), wrt=(0, 1)),
    Case("inner_matrices", "a, b", "np.sum(np.inner(a, b) ** 2)", normal((2, 3), (4, 3)),
         wrt=(0, 1), second=True, jit=True),
    Case("inner_vectors", "a, b", "np.inner(a, b) ** 2", normal((3,), (3,)), wrt=(0, 1)),
    Case("outer_matrix", "a, b", "np.sum(np.outer(a, b) ** 2 * np.arange(24.0).reshape(6, 4))",
         normal((2, 3), (4,)), wrt=(0, 1), second=True),
    Case("kron_matrices", "a, b", "np.sum(np.kron(a, b) ** 2 * np.arange(24.0).reshape(4, 6))",
         normal((2, 3), (2, 2)), wrt=(0, 1), second=True, jit=True),
    Case("kron_ranks", "a, b", "np.sum(np.sin(np.kron(a, b)))", normal((3,), (2, 2)),
         wrt=(0, 1)),
    Case("convolve_full", "a, v", "np.sum(np.convolve(a, v) ** 2 * np.arange(7.0))",
         normal((5,), (3,)), wrt=(0, 1), second=True, jit=True),
    Case("convolve_same", "a, v", "np.sum(np.convolve(a, v, mode='same') ** 2 * a)",
         normal((5,), (2,)), wrt=(0, 1), second=True),
    Case("convolve_same_longer_v", "a, v", "np.sum(np.convolve(a, v, 'same') ** 3)",
         normal((2,), (5,)), wrt=(0, 1)),
    Case("convolve_valid", "a, v", "np.sum(np.convolve(a, v, 'valid') ** 2)",
         normal((3,), (6,)), wrt=(0, 1)),
    Case("correlate_valid", "a, v", "np.sum(np.correlate(a, v) ** 2 * np.arange(3.0))",
         normal((5,), (3,)), wrt=(0, 1), second=True),
    Case("correlate_full", "a, v", "np.sum(np.correlate(a, v, mode='full') ** 3)",
         normal((4,), (3,)), wrt=(0, 1)),
    Case("correlate_same_even_shorter", "a, v",
         "np.sum(np.correlate(a, v, 'same') ** 2 * np.arange(5.0))", normal((2,), (5,)),
         wrt=(0, 1)),
    Case("correlate_same", "a, v", "np.sum(np.correlate(a, v, 'same') ** 2 * np.arange(6.0))",
         normal((6,), (3,)), wrt=(0, 1)),
    Case("interp_in_fp", "xp, fp", "np.sum(np.interp(np.array([0.15, 0.5, 0.85]), xp, fp) ** 2)",
         lambda rng: [np.array([0.0, 0.3, 0.6, 1.0]), rng.standard_normal(4)], wrt=(0, 1),
         second=True, jit=True),
    Case("interp_in_x", "x",
         f"np.sum(np.interp(x, {KNOTS}, np.array([1.0, -2.0, 0.5, 3.0])) ** 2)", _inside,
         second=True),
    Case("interp_outside", "x, fp", f"np.sum(np.interp(x * 3.0, {KNOTS}, fp) * x)",
         lambda rng: [np.array([-0.4, 0.05, 0.15, 0.9]), rng.standard_normal(4)], wrt=(0, 1)),
    Case("interp_scalar", "s, fp", f"np.interp(s, {KNOTS}, fp) ** 2",
         lambda rng: [0.45, rng.standard_normal(4)], wrt=(0, 1), second=True),
    Case("broadcast_to_tuple", "x",
         "np.sum(np.broadcast_to(x, (2, 3, 4)) ** 2 * np.arange(24.0).reshape(2, 3, 4))",
         normal((3, 1)), second=True, jit=True),
    Case("broadcast_to_shape_of", "x, y", "np.sum(np.broadcast_to(x, y.shape) * y ** 2)",
         normal((4,), (3, 4)), wrt=(0, 1), second=True),
    Case("broadcast_to_only_squared", "x", "np.sum(np.broadcast_to(x, (2, 2, 3)) ** 2)",
         normal((2, 3)), second=True, jit=True),
    Case("broadcast_to_shape_keyword", "x",
         "np.sum(np.broadcast_to(x, shape=(4, 3)) ** 3) + np.sum(np.broadcast_to(x, (2, 3)))",
         normal((3,)), second=True, jit=True),
    Case("broadcast_to_two_spreads", "x, y",
         "np.sum(np.broadcast_to(x, (2, 3)) * np.broadcast_to(y, (2, 3)))",
         normal((1, 3), (2, 1)), wrt=(0, 1), second=True, jit=True),
    Case("shape_and_size_functions", "x, y",
         "np.sum(np.broadcast_to(x, np.shape(y)) * y ** 2) + np.size(x) * np.sum(x ** 3)"
         " + np.sum(np.zeros(np.shape(x)[0]) + x)",
         normal((4,), (3, 4)), wrt=(0, 1), second=True, jit=True),
    Case("copy_function", "x", "np.sum(np.copy(x) ** 2 * x)", normal((3, 2)), second=True),
    Case("copy_method", "x", "np.sum(x.copy() ** 3)", normal((3,)), jit=True),
    Case("array_copy", "x", "np.sum(np.array(x, copy=True) ** 3)", normal((3,))),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("products"), "breadth_products")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_product_case(module, case):
    check_case(module, case)


@pytest.mark.parametrize("name", ["tensordot_pairs", "kron_ranks", "inner_matrices",
                                  "correlate_same_even_shorter"])
def test_shape_generic_source(module, name):
    """The source written without shapes (helpers for unknown ranks) gives the same."""
    case = next(c for c in CASES if c.id == name)
    assert_gradient(getattr(module, name), *case.inputs(np.random.default_rng(2)),
                    wrt=case.wrt)


def test_vjps_read_as_numpy(module):
    rng = np.random.default_rng(0)
    conv = symdiff.grad(module.convolve_full, wrt=(0, 1))
    conv(*normal((5,), (3,))(rng))
    assert conv.source.split("# backward")[1].count("np.convolve(") == 2
    pairs = symdiff.grad(module.tensordot_pairs, wrt=(0, 1))
    assert "tensordot_vjp(" in pairs.source          # generic: ranks unknown


@pytest.mark.parametrize("body,message", [
    ("np.sum(np.convolve(a, a, mode='middle'))", "'full', 'same' or 'valid'"),
    ("np.sum(np.interp(a, a, a, left=0.0))", "np.interp takes x, xp and fp"),
    ("np.sum(np.tensordot(a, a, axes=a.shape[0]))", "must be a constant"),
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones(3))
