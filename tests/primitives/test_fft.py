"""np.fft's transforms return complex arrays: each is refused where it is called, with
the real rewrite as the hint; the rewrite itself (the power spectrum from the real DFT
matrices) differentiates, against central differences, and equals NumPy's."""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of

from symdiff.primitives.fft import TRANSFORMS

REFUSED = [f"np.sum(np.abs(np.fft.{t}(a)))" for t in TRANSFORMS]
BODIES = REFUSED


@pytest.mark.parametrize("body", REFUSED)
def test_transforms_are_refused_with_a_location(tmp_path, body):
    assert_refused(tmp_path, body, "returns complex numbers", np.ones((4, 4)))


POWER = "np.sum((np.cos(2 * np.pi * np.outer(np.arange(8.0), np.arange(8.0)) / 8) @ x) ** 2 " \
        "+ (np.sin(2 * np.pi * np.outer(np.arange(8.0), np.arange(8.0)) / 8) @ x) ** 2)"


def test_the_hinted_rewrite_is_the_power_spectrum(tmp_path):
    case = Case("power", "x", POWER, lambda rng: [rng.standard_normal(8)], second=True,
                jit=True)
    module = module_of([case], tmp_path, "power")
    check_case(module, case)
    x = np.random.default_rng(2).standard_normal(8)
    np.testing.assert_allclose(module.power(x), np.sum(np.abs(np.fft.fft(x)) ** 2), rtol=1e-12)
