"""The elementwise functions of NumPy, scipy.special and math added to the SymPy table,
tested from the table itself: one case per row (``elementwise.TABLE`` rows listed in
``NEW_NUMPY``, every row of ``elementwise.SCIPY_SPECIAL``), inputs drawn from the row's
domain, each checked by ``breadth_support.check_case`` (value, gradient, forward mode,
Hessian-vector product; jit for a sample).
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, check_case, module_of

import symdiff
from symdiff.primitives import elementwise as E

NEW_NUMPY = ["arctan2", "logaddexp2", "fmax", "fmin", "sinc", "cbrt", "deg2rad", "rad2deg",
             "nan_to_num", "imag", "expm1", "log1p", "log2", "log10", "reciprocal", "arcsinh",
             "arctanh", "hypot"]
ALIASES = {"real": "positive", "conj": "positive", "conjugate": "positive",
           "real_if_close": "positive",
           "atan2": "arctan2"}
MATH = {"erf": "erf", "erfc": "erfc", "atan2": "arctan2", "hypot": "hypot",
        "log1p": "log1p", "expm1": "expm1", "lgamma": "gammaln", "gamma": "gamma"}
JIT = {"np_sinc", "np_cbrt", "np_arctan2", "np_logaddexp2", "sp_expit", "math_erf",
       "math_lgamma"}
PARAMS = ("x", "y")


def _draw(row, shape):
    lo, hi = row.domain
    lo, hi = lo + 0.05 * (hi - lo), hi - 0.05 * (hi - lo)

    def inputs(rng):
        while True:
            values = [rng.uniform(lo, hi, shape) if shape else float(rng.uniform(lo, hi))
                      for _ in range(row.arity)]
            if row.arity < 2 or np.min(np.abs(values[0] - values[1])) > 0.05:  # no ties
                return values
    return inputs


def _case(cid, call, row, shape=(3, 4)):
    params = ", ".join(PARAMS[: row.arity])
    body = f"np.sum({call}({params}))" if shape else f"{call}({params})"
    return Case(cid, params, body, _draw(row, shape), wrt=tuple(range(row.arity)),
                second=True, jit=cid in JIT)


CASES = ([_case(f"np_{n}", f"np.{n}", E.TABLE[n]) for n in NEW_NUMPY]
         + [_case(f"np_{a}", f"np.{a}", E.TABLE[t]) for a, t in ALIASES.items()]
         + [_case(f"sp_{n}", f"sp.{n}", row) for n, row in E.SCIPY_SPECIAL.items()]
         + [_case("sp_psi", "scipy.special.psi", E.SCIPY_SPECIAL["digamma"])]
         + [_case(f"math_{n}", f"math.{n}", E.lookup(n, "math"), shape=())
            for n in MATH])


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("ew"), "breadth_ew")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_elementwise_case(module, case):
    check_case(module, case)


def test_every_new_row_has_a_case():
    covered = {c.id.split("_", 1)[1] for c in CASES}
    assert set(E.SCIPY_SPECIAL) <= covered
    assert set(NEW_NUMPY) <= covered


def test_emitted_module_imports_scipy_only_when_the_code_calls_it(module):
    plain = symdiff.grad(module.np_sinc).source
    special = symdiff.grad(module.sp_expit).source
    assert "scipy" not in plain
    assert "import scipy.special" in special and "scipy.special.expit(x)" in special


def test_scipy_derivatives_reuse_the_output(module):
    """expit' = out*(1 - out): the backward line reads the forward value, not exp."""
    source = symdiff.grad(module.sp_expit).source
    assert "np.exp" not in source


def test_sinc_derivative_at_zero_is_zero(module):
    x = np.array([0.0, 0.5, -1.25])
    g = symdiff.grad(module.np_sinc)(x)
    assert g[0] == 0.0
    h = 1e-6
    np.testing.assert_allclose(g[1:], (np.sinc(x[1:] + h) - np.sinc(x[1:] - h)) / (2 * h),
                               rtol=1e-6)


@pytest.mark.parametrize("name", ["i1", "j1"])
def test_bessel_derivatives_at_zero_are_one_half(tmp_path, name):
    from support import load_module
    m = load_module(tmp_path, "bessel", "import numpy as np\nimport scipy.special\n\n"
                    f"def f(x):\n    return np.sum(scipy.special.{name}(x))\n")
    np.testing.assert_array_equal(symdiff.grad(m.f)(np.array([0.0, 0.0])), [0.5, 0.5])


def test_fmax_ignores_nan_and_splits_ties():
    import symdiff.primitives.special as S  # noqa: F401  (the rows print np.fmax)
    x = np.array([1.0, np.nan, 2.0])
    y = np.array([1.0, 3.0, np.nan])
    src = "import numpy as np\n\ndef f(x, y):\n    return np.sum(np.fmax(x, y))\n"
    import tempfile

    from support import load_module
    m = load_module(tempfile.mkdtemp(), "fmax", src)
    dx, dy = symdiff.grad(m.f, wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(dx, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(dy, [0.5, 1.0, 0.0])


def test_math_gamma_functions_print_math_forward_and_scipy_digamma(module):
    """math.lgamma/math.gamma stay math calls on floats; their derivative, digamma, is
    SciPy's, so the emitted module imports scipy.special for it."""
    for name in ("math_lgamma", "math_gamma"):
        source = symdiff.value_and_grad(getattr(module, name)).source_for(1.5)
        assert f"math.{name[5:]}(x)" in source and "scipy.special.digamma(x)" in source
        assert "import scipy.special" in source


TINY = "import math\nimport numpy as np\n\n" \
    "def chained(x):\n    u = x * 1e-12\n    return np.sum(np.log1p(u) * 2.0 + np.expm1(u))\n\n" \
    "def nested(x):\n    return np.sum(np.log1p(np.expm1(x * 1e-13)))\n\n" \
    "def scalar(s):\n    return math.log1p(s * 1e-12) + math.expm1(s * 1e-13)\n"


@pytest.mark.parametrize("name", ["chained", "nested", "scalar"])
def test_log1p_and_expm1_keep_their_digits_for_tiny_arguments(tmp_path, name):
    """log1p(u) is not printed as log(u + 1), fused or not: for u ~ 1e-12 that loses
    four digits of the value (and of the gradient's terms)."""
    from support import load_module
    fn = getattr(load_module(tmp_path, "tiny", TINY), name)
    x = np.array([1.0, 2.0, 3.0]) if name != "scalar" else 2.0
    value, _ = symdiff.value_and_grad(fn)(x)
    np.testing.assert_allclose(value, fn(x), rtol=1e-14)
    source = symdiff.value_and_grad(fn).source_for(x)
    assert "log(" not in source.replace("log1p(", "")
