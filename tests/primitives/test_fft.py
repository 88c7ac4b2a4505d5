"""np.fft: the shifts (real moves) differentiate, in a table checked by
``breadth_support.check_case`` (value, gradient, forward mode; Hessian-vector product and
jit for a sample). The transforms are tested in tests/primitives/test_fft_complex.py.
The real rewrite of the power spectrum (the real DFT matrices) differentiates too,
against central differences, and equals NumPy's."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of

import symdiff


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


W = "np.arange(20.0).reshape(4, 5)"

CASES = [
    Case("fftshift_odd", "x", "np.sum(np.fft.fftshift(x) * np.arange(5.0) ** 2)",
         normal((5,))),
    Case("fftshift_even", "x", "np.sum(np.fft.fftshift(x) ** 3 * np.arange(6.0))",
         normal((6,)), second=True, jit=True),
    Case("fftshift_all_axes", "x", f"np.sum(np.fft.fftshift(x) ** 2 * {W})", normal((4, 5)),
         second=True),
    Case("fftshift_axes", "x", f"np.sum(np.fft.fftshift(x, axes=1) ** 3 * {W})",
         normal((4, 5))),
    Case("ifftshift_odd", "x", "np.sum(np.fft.ifftshift(x) * np.arange(7.0) ** 2)",
         normal((7,))),
    Case("ifftshift_axes_tuple", "x",
         f"np.sum(np.fft.ifftshift(x, axes=(0, -1)) ** 3 * {W})", normal((4, 5)), second=True),
    Case("shifts_undo", "x", "np.sum(np.fft.ifftshift(np.fft.fftshift(x)) * np.arange(5.0))",
         normal((5,))),
]

BODIES = [c.body for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_shifts(tmp_path, case):
    check_case(module_of([case], tmp_path, case.id), case)


def test_the_shifts_equal_numpys(tmp_path):
    case = Case("moved", "x", "np.fft.ifftshift(x, axes=0) * np.fft.fftshift(x)[::-1]",
                normal((4, 3)))
    module = module_of([case], tmp_path, "moved")
    x = np.random.default_rng(3).standard_normal((4, 3))
    np.testing.assert_array_equal(module.moved(x), np.fft.ifftshift(x, axes=0)
                                  * np.fft.fftshift(x)[::-1])


def test_jit_skips_numba_for_the_shifts(tmp_path):
    """numba has no np.fft: jit=True runs NumPy, saying why, without trying to compile."""
    case = CASES[0]
    module = module_of([case], tmp_path, "jitted")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        symdiff.grad(module.fftshift_odd, jit=True)(np.ones(5))
    assert any("numba has no np.fft" in str(w.message) for w in caught)


def test_a_shift_with_other_keywords_is_refused(tmp_path):
    assert_refused(tmp_path, "np.sum(np.fft.fftshift(a, axis=0))", "takes the array and axes",
                   np.ones(4))


POWER = "np.sum((np.cos(2 * np.pi * np.outer(np.arange(8.0), np.arange(8.0)) / 8) @ x) ** 2 " \
        "+ (np.sin(2 * np.pi * np.outer(np.arange(8.0), np.arange(8.0)) / 8) @ x) ** 2)"


def test_the_hinted_rewrite_is_the_power_spectrum(tmp_path):
    case = Case("power", "x", POWER, lambda rng: [rng.standard_normal(8)], second=True,
                jit=True)
    module = module_of([case], tmp_path, "power")
    check_case(module, case)
    x = np.random.default_rng(2).standard_normal(8)
    np.testing.assert_allclose(module.power(x), np.sum(np.abs(np.fft.fft(x)) ** 2), rtol=1e-12)
