"""np.fft's transforms and complex arithmetic, lowered as pairs of real parts.

Each case is a real loss of complex values, checked by ``breadth_support.check_case``:
value and gradient against central differences, the jvp tangent against a directional
difference, for some the Hessian-vector product and jit. The adjoint helpers are checked
on their own against the transforms they transpose (<A x, c> = <x, A^T c>), on odd and
even lengths, several axes, cuts and paddings, every norm. A complex value leaving the
operations symdiff knows on pairs is refused, located."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of
from support import compiled_by_cli

import symdiff
from symdiff.primitives import fft_adjoints


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


W5 = "np.arange(1.0, 6.0)"
W45 = "np.arange(20.0).reshape(4, 5) / 7"

TRANSFORMS = [
    Case("fft_power", "x", "np.sum(np.abs(np.fft.fft(x)) ** 2)", normal((8,)), second=True,
         jit=True),
    Case("fft_odd_cubed", "x", "np.sum(np.fft.fft(x).imag ** 3 + np.fft.fft(x).real)",
         normal((7,))),
    Case("fft_pad", "x", "np.sum(np.abs(np.fft.fft(x, n=12)) ** 3)", normal((8,)),
         second=True),
    Case("fft_cut", "x", "np.sum(np.fft.fft(x, 5).imag * " + W5 + ")", normal((8,))),
    Case("fft_axis0", "x", f"np.sum(np.fft.fft(x, axis=0).real ** 2 * {W45})", normal((4, 5))),
    Case("fft_ortho", "x", "np.sum(np.fft.fft(x, norm='ortho').imag ** 2 * np.arange(6.0))",
         normal((6,))),
    Case("ifft_conv", "x, k", "np.sum(np.fft.ifft(np.fft.fft(x) * k).real ** 3)",
         normal((8,), (8,)), wrt=(0, 1), second=True),
    Case("ifft_forward", "x", "np.sum(np.fft.ifft(x, norm='forward').imag * np.arange(5.0))",
         normal((5,))),
    Case("ifft_pad", "x", "np.sum(np.abs(np.fft.ifft(x + 0.5, n=9)) ** 2)", normal((6,))),
    Case("rfft_weighted", "x, w", "np.sum(np.fft.rfft(x).real * w)", normal((8,), (5,)),
         wrt=(0, 1)),
    Case("rfft_odd_imag", "x", "np.sum(np.fft.rfft(x).imag ** 2 * np.arange(4.0))",
         normal((7,)), second=True),
    Case("rfft_pad", "x", "np.sum(np.abs(np.fft.rfft(x, n=10)) ** 3)", normal((7,)),
         second=True),
    Case("rfft_cut", "x", "np.sum(np.fft.rfft(x, n=6).real ** 2 * np.arange(4.0))",
         normal((9,))),
    Case("rfft_ortho", "x", "np.sum(np.fft.rfft(x, norm='ortho').imag * np.arange(5.0))",
         normal((8,))),
    Case("irfft_filter", "x, h", "np.sum(np.fft.irfft(np.fft.rfft(x) * h) ** 3)",
         normal((8,), (5,)), wrt=(0, 1), second=True, jit=True),
    Case("irfft_odd_n", "x, h",
         "np.sum(np.fft.irfft(np.fft.rfft(x) * h, n=7) * np.arange(7.0))",
         normal((7,), (4,)), wrt=(0, 1)),
    Case("irfft_parts", "a, b", "np.sum(np.fft.irfft(a + 1j * b, n=8) ** 2 * np.arange(8.0))",
         normal((5,), (5,)), wrt=(0, 1), second=True),
    Case("irfft_pad", "a, b", "np.sum(np.fft.irfft(a + 1j * b, n=11) * np.arange(11.0))",
         normal((4,), (4,)), wrt=(0, 1), second=True),
    Case("irfft_cut", "a, b", "np.sum(np.fft.irfft(a + 1j * b, 6) ** 2)",
         normal((6,), (6,)), wrt=(0, 1)),
    Case("irfft_ortho", "a, b",
         "np.sum(np.fft.irfft(a - 1j * b, norm='ortho') ** 2 * np.arange(8.0))",
         normal((5,), (5,)), wrt=(0, 1)),
    Case("hfft", "a, b", "np.sum(np.fft.hfft(a + 1j * b, n=7) ** 2 * np.arange(7.0))",
         normal((4,), (4,)), wrt=(0, 1), second=True),
    Case("hfft_ortho", "a",
         "np.sum(np.fft.hfft(np.fft.fft(a)[:4], norm='ortho') * np.arange(6.0))",
         normal((6,))),
    Case("ihfft", "x", "np.sum(np.fft.ihfft(x).imag * np.arange(4.0) + np.abs(np.fft.ihfft("
         "x, norm='forward')))", normal((7,))),
    Case("fft2_abs", "X", f"np.sum(np.abs(np.fft.fft2(X)) * {W45})", normal((4, 5)),
         second=True),
    Case("ifft2_parts", "X", f"np.sum(np.fft.ifft2(X).imag * {W45} + np.fft.ifft2(X).real ** 2)",
         normal((4, 5))),
    Case("fft2_s", "X", "np.sum(np.abs(np.fft.fft2(X, s=(3, 7))) ** 2)", normal((4, 5))),
    Case("fftn_axes", "X", "np.sum(np.abs(np.fft.fftn(X, axes=(0, 2))) ** 2 * np.arange(5.0))",
         normal((3, 4, 5))),
    Case("fftn_all", "X", "np.sum(np.fft.fftn(X).imag ** 2 * np.arange(4.0))", normal((3, 4))),
    Case("ifftn_filter", "X, K", "np.sum(np.fft.ifftn(np.fft.fftn(X) * K).real ** 2)",
         normal((3, 4), (3, 4)), wrt=(0, 1), second=True),
    Case("ifftn_s_ortho", "X",
         "np.sum(np.abs(np.fft.ifftn(X, s=(4, 3), axes=(0, 1), norm='ortho')) ** 3)",
         normal((3, 5))),
    Case("rfft2_irfft2", "X, H", "np.sum(np.fft.irfft2(np.fft.rfft2(X) * H) ** 2)",
         normal((4, 6), (4, 4)), wrt=(0, 1)),
    Case("rfftn_s", "X",
         "np.sum(np.abs(np.fft.rfftn(X, s=(3, 5), axes=(0, 1))) ** 2 * np.arange(3.0))",
         normal((4, 6)), second=True),
    Case("irfftn_axes", "X", "np.sum(np.fft.irfftn(np.fft.rfftn(X, axes=(0, 1)) * 2.0, "
         "axes=(0, 1)) ** 3)", normal((5, 4, 2))),
]

ARITHMETIC = [
    Case("cross_spectrum", "x, y", "np.sum((np.fft.fft(x) * np.conj(np.fft.fft(y))).real)",
         normal((8,), (8,)), wrt=(0, 1), second=True),
    Case("quotient", "x, y", "np.mean(np.fft.fft(x) / (np.fft.fft(y) + 4.0)).imag",
         normal((6,), (6,)), wrt=(0, 1)),
    Case("real_over_complex", "x", "np.sum((2.0 / (np.fft.fft(x) + 3.0 + 1j)).real)",
         normal((5,))),
    Case("angle", "x", "np.sum(np.angle(np.fft.fft(x)[1:4]))", normal((8,))),
    Case("literal_j", "x", "np.abs(np.sum(np.fft.fft(x) * 1j + x))", normal((6,))),
    Case("powers", "x", "np.sum(np.imag(np.fft.fft(x) ** 3)) + np.real(np.fft.fft(x)[2] ** 1)",
         normal((6,))),
    Case("made_from_parts", "x, y", "np.sum(np.abs(np.fft.fft(x + 1j * y)) ** 2 * "
         "np.arange(5.0))", normal((5,), (5,)), wrt=(0, 1)),
    Case("broadcast_part", "x, c", "np.sum(np.fft.fft(x + 1j * c).imag * np.arange(5.0))",
         normal((5,), ()), wrt=(0, 1)),
    Case("constant_part", "x", f"np.sum(np.fft.fft(x + 2j).imag * {W5} + (x - 1j).imag)",
         normal((5,))),
    Case("methods", "x", f"np.sum(np.fft.fft(x).conj().imag * {W5}) + np.fft.fft(x).sum().real",
         normal((5,))),
    Case("negated_difference", "x, y", "np.sum((-np.fft.fft(x) - np.fft.fft(y) * y).imag ** 2)",
         normal((6,), (6,)), wrt=(0, 1)),
    Case("shifted_spectrum", "x", f"np.sum(np.fft.fftshift(np.fft.fft(x)).real * {W5})",
         normal((5,))),
    Case("rows", "X", "np.sum(np.abs(np.fft.fft(X)[1]) + np.sum(np.fft.fft(X), axis=0).imag)",
         normal((3, 4))),
    Case("builtin_abs_reversed", "x", "np.sum(abs(1.0 - np.fft.fft(x) / 2.0) + "
         "(3.0 * np.fft.fft(x)).imag - ((2 + 3j) * np.fft.ifft(x)[1]).real)", normal((6,))),
    Case("real_of_real", "x", "np.sum(np.real(x) ** 2 + np.conj(x) * np.imag(x))",
         normal((4,))),
]

CASES = TRANSFORMS + ARITHMETIC


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_complex_losses(tmp_path, case):
    check_case(module_of([case], tmp_path, case.id), case)


def test_the_values_are_numpys(tmp_path):
    """The lowering computes what NumPy computes with complex arrays."""
    rng = np.random.default_rng(5)
    for case in CASES:
        module = module_of([case], tmp_path, case.id)
        args = case.inputs(rng)
        value, _ = symdiff.value_and_grad(getattr(module, case.id))(*args)
        text = f"lambda {case.params}: {case.body}"
        np.testing.assert_allclose(value, eval(text, {"np": np})(*args), rtol=1e-10,
                                   atol=1e-12, err_msg=case.id)


def test_jit_runs_numpy_saying_why(tmp_path):
    """numba has no np.fft: jit=True runs NumPy, predicted, without a failed compile."""
    case = TRANSFORMS[0]
    module = module_of([case], tmp_path, "jitted")
    x = np.random.default_rng(1).standard_normal(8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jitted = symdiff.grad(module.fft_power, jit=True)(x)
    assert any("numba has no np.fft" in str(w.message) for w in caught)
    np.testing.assert_allclose(jitted, 2 * len(x) * x, rtol=1e-10)   # Parseval


def test_the_hessian_of_the_power_spectrum_is_parseval(tmp_path):
    """sum |fft(x)|^2 = n sum x^2: its Hessian is 2 n I."""
    module = module_of([TRANSFORMS[0]], tmp_path, "parseval")
    x = np.random.default_rng(3).standard_normal(8)
    np.testing.assert_allclose(symdiff.hessian(module.fft_power)(x), 16 * np.eye(8),
                               atol=1e-10)


def test_the_modulus_at_zero_has_the_subgradient_zero(tmp_path):
    """|z| at z = 0: the gradient 0 (as abs'(0) = 0), not 0 * inf = NaN."""
    case = Case("modulus", "x", "np.sum(np.abs(np.fft.fft(x)))", None)
    module = module_of([case], tmp_path, "modulus")
    np.testing.assert_array_equal(symdiff.grad(module.modulus)(np.zeros(4)), np.zeros(4))


def test_symdiff_compile_writes_the_transforms(tmp_path):
    text = ("import numpy as np\n\n\ndef smooth(x, h):\n"
            "    y = np.fft.irfft(np.fft.rfft(x) * h, n=8)\n    return np.sum(y ** 2)\n")
    namespace = compiled_by_cli(tmp_path, text)
    rng = np.random.default_rng(2)
    x, h = rng.standard_normal(8), rng.standard_normal(5)
    module = module_of([Case("smooth", "x, h", "np.sum(np.fft.irfft(np.fft.rfft(x) * h, n=8) "
                             "** 2)", None)], tmp_path, "smooth")
    np.testing.assert_allclose(namespace["grad_smooth"](x, h), symdiff.grad(module.smooth)(x, h),
                               rtol=1e-12)
    report = symdiff.check_grad(module.smooth, x, h)
    assert report and max(report.values()) < 1e-6
    source = symdiff.grad(module.smooth).source        # one transform per line, by name
    for line in ("np.fft.rfft(x).real", "np.fft.rfft(x).imag", "irfft_adjoint(",
                 "rfft_adjoint("):
        assert line in source, source


# ---------------------------------------------------------------- the adjoints themselves


def _helpers():
    namespace = {"np": np}
    for source in (fft_adjoints.FFT_RESIZE, fft_adjoints.RFFT_ADJOINT,
                   fft_adjoints.IRFFT_ADJOINT):
        exec(source, namespace)
    return namespace


def _inner(u, v):
    return float(np.sum(np.real(np.conj(u) * v)))


ADJOINT_SETTINGS = [((8,), None, (-1,)), ((7,), None, (-1,)), ((7,), (10,), (-1,)),
                    ((9,), (4,), (-1,)), ((4, 6), None, (0, 1)), ((3, 5), (4, 3), (0, 1)),
                    ((3, 4, 5), None, None), ((5, 4, 2), None, (1, 0))]


@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
@pytest.mark.parametrize("shape, s, axes", ADJOINT_SETTINGS)
def test_rfft_adjoint_transposes_rfftn(shape, s, axes, norm):
    h = _helpers()
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    y = np.fft.rfftn(x, s=s, axes=axes, norm=norm)
    c = rng.standard_normal(y.shape) + 1j * rng.standard_normal(y.shape)
    u = h["rfft_adjoint"](c.real, c.imag, x, s, axes, norm)
    u = h["fft_resize"](u, x, 0.0, axes)
    np.testing.assert_allclose(_inner(c, y), _inner(u, x), rtol=1e-10)


@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
@pytest.mark.parametrize("shape, s, axes", ADJOINT_SETTINGS)
def test_irfft_adjoint_transposes_irfftn(shape, s, axes, norm):
    h = _helpers()
    rng = np.random.default_rng(1)
    z = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    y = np.fft.irfftn(z, s=s, axes=axes, norm=norm)
    g = rng.standard_normal(y.shape)
    parts = [h["fft_resize"](h["irfft_adjoint"](g, part, axes, norm), z.real, z.imag, axes)
             for part in ("real", "imag")]
    np.testing.assert_allclose(_inner(g, y), _inner(parts[0] + 1j * parts[1], z), rtol=1e-10)


def test_the_adjoint_is_the_real_dft_matrix_transposed():
    """rfft as the real matrix [C; -S] (rows 0..n/2): its transpose is rfft_adjoint."""
    n = 6
    k = np.arange(n // 2 + 1)[:, None] * np.arange(n)[None, :]
    C, S = np.cos(2 * np.pi * k / n), np.sin(2 * np.pi * k / n)
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal(n // 2 + 1), rng.standard_normal(n // 2 + 1)
    u = _helpers()["rfft_adjoint"](a, b, np.zeros(n), None, (-1,), None)
    np.testing.assert_allclose(u, C.T @ a - S.T @ b, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- refusals


REFUSED = [
    ("np.fft.fft(a)", "the function returns a complex value"),
    ("np.sum(np.fft.fft(a) > 0)", "this value is complex"),
    ("np.sum(np.exp(np.fft.fft(a)))", "np.exp of a complex value is not supported"),
    ("np.sum(np.fft.rfft(np.fft.fft(a)).real)", "takes a real array"),
    ("np.fft.fft(a).shape[0]", "this value is complex"),
    ("np.sum(np.abs(np.fft.fft(a) ** 0.5))", "constant integer"),
    ("np.sum(np.abs(np.fft.fft(a) ** 0))", "constant integer"),
    ("np.sum(np.abs(np.array([np.fft.fft(a)])))", "this value is complex"),
    ("np.sum(np.fft.fft(a, n=a.shape[0]).real)", "n must be a constant"),
    ("np.sum(np.fft.fft(a, norm='half').real)", "norm must be"),
    ("np.sum(np.fft.fft(a, out=a).real)", "the out= keyword of np.fft.fft"),
    ("np.sum(np.fft.fft(a, 4, n=4).real)", "n is given twice"),
    ("np.sum(np.fft.fft(a).round().real)", "method `.round()` of a complex value"),
    ("np.sum(np.fft.fft(a) @ np.fft.fft(a)).real", "operator MatMult of a complex value"),
    ("np.sum(np.maximum(np.fft.fft(a), 0.0))", "np.maximum of a complex value"),
]


@pytest.mark.parametrize("body, message", REFUSED, ids=[m for _, m in REFUSED])
def test_complex_escapes_are_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones(4))


def test_a_loop_carrying_a_complex_value_is_refused(tmp_path):
    text = ("import numpy as np\n\n\ndef f(a):\n    z = np.fft.fft(a)\n"
            "    for k in range(3):\n        z = z * z\n    return np.sum(z.real)\n")
    from support import load_module
    module = load_module(tmp_path, "loop", text)
    with pytest.raises(symdiff.SymdiffError, match="holds a complex value") as info:
        symdiff.grad(module.f)(np.ones(4))
    assert info.value.loc is not None
