"""Shapes and indexing added for breadth: the rearranging primitives (flip, fliplr,
flipud, swapaxes, moveaxis, roll: each VJP the same function undoing the move) and the
compositions (diff, append, cross, take, identity). One table of (call, inputs), each
case checked by ``breadth_support.check_case`` (value, gradient, forward mode;
Hessian-vector product and jit for a sample).
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of

import symdiff

W = "np.arange(24.0).reshape(2, 3, 4)"


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


CASES = [
    Case("flip_axis", "x", f"np.sum(np.flip(x, 1) * {W})", normal((2, 3, 4)), jit=True),
    Case("flip_all", "x", f"np.sum(np.flip(x) * {W} * x)", normal((2, 3, 4)), second=True),
    Case("flip_lr_ud", "x", "np.sum(np.fliplr(x) * np.flipud(x) ** 2)", normal((3, 4)),
         second=True),
    Case("swapaxes_fn", "x", f"np.sum(np.swapaxes(x, 0, 2) * np.swapaxes({W}, 0, 2) ** 2)",
         normal((2, 3, 4)), jit=True),
    Case("swapaxes_method", "x", "np.sum(np.sin(x.swapaxes(1, 2)) * x.swapaxes(1, 2))",
         normal((2, 3, 4)), second=True),
    Case("moveaxis_one", "x", f"np.sum(np.moveaxis(x, 0, -1) * np.moveaxis({W}, 0, -1))",
         normal((2, 3, 4))),
    Case("moveaxis_many", "x", "np.sum(np.moveaxis(x, (0, 1), (2, 0)) ** 3)", normal((2, 3, 4)),
         second=True),
    Case("roll_axis", "x", f"np.sum(np.roll(x, 1, axis=2) * {W})", normal((2, 3, 4)),
         jit=True),
    Case("roll_flat", "x", f"np.sum(np.roll(x, 5) * {W} * x)", normal((2, 3, 4)), second=True),
    Case("roll_axes", "x", f"np.sum(np.roll(x, (1, -2), axis=(0, 1)) * {W} ** 2)",
         normal((2, 3, 4))),
    Case("rollaxis_first", "x", "np.sum(np.rollaxis(x, 2) * np.arange(24.0).reshape(4, 2, 3))",
         normal((2, 3, 4))),
    Case("rollaxis_start", "x", "np.sum(np.rollaxis(x, 2, start=1) ** 3)", normal((2, 3, 4)),
         second=True),
    Case("diff_last", "x", "np.sum(np.diff(x) ** 2)", normal((3, 4)), second=True, jit=True),
    Case("diff_twice_first", "x", "np.sum(np.diff(x, 2, axis=0) ** 3)", normal((4, 3))),
    Case("append_flat", "x, y", "np.sum(np.append(x, y) ** 2 * np.arange(18.0))",
         normal((4, 3), (2, 3)), wrt=(0, 1), second=True),
    Case("append_axis", "x, y", "np.sum(np.sin(np.append(x, y, axis=0)))",
         normal((4, 3), (2, 3)), wrt=(0, 1)),
    Case("cross_vectors", "a, b", "np.sum(np.cross(a, b) ** 2)", normal((3,), (3,)),
         wrt=(0, 1), second=True, jit=True),
    Case("cross_rows", "a, b", "np.sum(np.cross(a, b) * a)", normal((4, 3), (4, 3)),
         wrt=(0, 1)),
    Case("take_flat", "x", "np.sum(np.take(x, np.array([0, 5, 5, 11])) ** 2)", normal((3, 4)),
         second=True),
    Case("take_rows", "x", "np.sum(np.take(x, np.array([2, 0]), axis=0) ** 3)", normal((3, 4))),
    Case("take_columns", "x", "np.sum(np.take(x, np.array([2, 0, 2]), axis=1) ** 3)",
         normal((3, 4)), second=True),
    Case("take_middle_from_end", "x", "np.sum(np.sin(np.take(x, np.array([1, 0]), axis=-2)))",
         normal((2, 3, 4)), jit=True),
    Case("atleast_2d_vector", "x", "np.sum(np.atleast_2d(x) * np.ones((2, 3)) ** 2 * x)",
         normal((3,)), second=True, jit=True),
    Case("atleast_pair", "x, y", "np.sum(np.atleast_1d(x, y)[0] * np.atleast_3d(y) ** 2)",
         lambda rng: [float(rng.standard_normal()), rng.standard_normal((2, 3))], wrt=(0, 1)),
    Case("vstack_rows", "x, y", "np.sum(np.vstack([x, y]) ** 2 * np.arange(12.0).reshape(4, 3))",
         normal((3,), (3, 3)), wrt=(0, 1), second=True),
    Case("dstack_planes", "x, y", "np.sum(np.sin(np.dstack([x, y])))", normal((2, 3), (2, 3)),
         wrt=(0, 1)),
    Case("repeat_flat", "x", "np.sum(np.repeat(x, 2) * np.arange(24.0))", normal((3, 4)),
         jit=True),
    Case("repeat_axis0", "x",
         "np.sum(np.repeat(x, 3, axis=0) ** 2 * np.arange(36.0).reshape(9, 4))",
         normal((3, 4)), second=True),
    Case("repeat_last", "x", "np.sum(np.sin(x.repeat(2, -1)) * np.arange(48.0).reshape(2, 3, 8))",
         normal((2, 3, 4)), second=True),
    Case("repeat_middle", "x", "np.sum(np.repeat(x, 2, axis=-2) ** 3)", normal((2, 3, 4))),
    Case("identity_mix", "x", "np.sum(np.identity(3) * x) + np.trace(np.identity(3) @ x)",
         normal((3, 3))),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("shapes"), "breadth_shapes")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_shape_case(module, case):
    check_case(module, case)


def test_the_vjp_of_a_move_is_the_move_back(module):
    assert "np.flip(" in symdiff.grad(module.flip_axis).source.split("# backward")[1]
    assert "np.roll(dx_roll, -1, 2)" in symdiff.grad(module.roll_axis).source
    assert "np.moveaxis(dx_moveaxis, -1, 0)" in symdiff.grad(module.moveaxis_one).source


@pytest.mark.parametrize("body,message", [
    ("np.sum(np.swapaxes(a, 0))", "axis2"),
    ("np.sum(np.take(a, np.array([0]), axis=a.ndim))", "axis must be a constant"),
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones((3, 3, 3)))


@pytest.mark.parametrize("arg", [np.ones(2), np.ones((3, 2)), np.ones((2, 4))])
def test_cross_of_other_than_three_components_is_refused(tmp_path, arg):
    """NumPy's deprecated 2-component cross product (and any other length) is refused at
    the call, where the generated code would otherwise fail with an IndexError."""
    assert_refused(tmp_path, "np.sum(np.cross(a, a * 2.0))", "vectors of 3 components", arg)
