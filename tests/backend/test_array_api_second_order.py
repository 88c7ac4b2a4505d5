"""Second order on the array-API backend: ``symdiff compile --order 2 --backend array-api``.

The module's ``hessian_<name>`` (one ``hvp_<name>`` per unit vector) runs on
array_api_strict, PyTorch, JAX and Dask and equals the NumPy backend's Hessian, whose
first columns are compared with central differences of the NumPy gradient. ``np.prod``'s
gradient (products of the other elements) runs there too.
"""
import inspect

import dask
import numpy as np
import pytest
import torch

import symdiff
from symdiff.check import numerical_gradient
from symdiff.cli import compile_file
from control_flow_corpus import CASES
from seed_cases import SEED_CASES
from test_array_api import LIBRARIES, converted, to_numpy


def with_prod(x, y):
    return np.prod(x) + y * np.sum(np.prod(np.reshape(x, (2, 3)), axis=0) ** 2)


def _prod_inputs():
    return np.random.default_rng(6).uniform(0.5, 1.5, size=6), 0.7


CHOSEN = {"softmax_loss": ("W",), "huber_loop": ("r",)}
FUNCTIONS = [(with_prod, ("x", "y"), _prod_inputs)] + [
    (c.fn, CHOSEN[c.id], c.inputs) for c in list(SEED_CASES) + list(CASES) if c.id in CHOSEN]


@pytest.fixture(autouse=True)
def _torch_float64():
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


_MODULES: dict = {}
_REFERENCE: dict = {}


def module(fn, wrt):
    """The array-API module of fn at order 2, compiled once."""
    if fn.__name__ not in _MODULES:
        source = compile_file(inspect.getsourcefile(fn), [fn.__name__], wrt=wrt, order=2,
                              backend="array-api")
        assert "\nimport numpy" not in source
        namespace: dict = {}
        exec(compile(source, f"{fn.__name__}_hessian.py", "exec"), namespace)
        _MODULES[fn.__name__] = namespace
    return _MODULES[fn.__name__]


def reference(fn, wrt, inputs):
    """The NumPy backend's Hessian; its first block's columns checked by central
    differences of the NumPy gradient."""
    if fn.__name__ not in _REFERENCE:
        args = inputs()
        H = symdiff.hessian(fn, wrt=wrt)(*args)
        names = list(inspect.signature(fn).parameters)
        i = names.index(wrt[0])
        first = H[0][0] if isinstance(H, tuple) else H

        def grad_first(*a):
            return symdiff.grad(fn, wrt=wrt[0])(*a)
        x = args[i]
        for k in range(min(3, x.size)):
            def along(t, k=k):
                moved = list(args)
                moved[i] = x + t * np.reshape(np.arange(x.size) == k, x.shape)
                return grad_first(*moved)
            h = 1e-6
            column = (along(h) - along(-h)) / (2 * h)
            np.testing.assert_allclose(first.reshape(x.size, x.size)[:, k],
                                       np.reshape(column, -1), rtol=1e-5, atol=1e-6)
        _REFERENCE[fn.__name__] = H
    return _REFERENCE[fn.__name__]


@pytest.mark.parametrize("library", sorted(LIBRARIES))
@pytest.mark.parametrize("fn, wrt, inputs", FUNCTIONS, ids=lambda v: getattr(v, "__name__", ""))
def test_hessian_on_library(fn, wrt, inputs, library):
    want = reference(fn, wrt, inputs)
    got = module(fn, wrt)[f"hessian_{fn.__name__}"](*converted(inputs(), LIBRARIES[library]))
    if library == "dask":
        got = dask.compute(got)[0]
    pairs = [(got, want)] if not isinstance(want, tuple) else \
        [(got[i][j], want[i][j]) for i in range(len(want)) for j in range(len(want))]
    for a, b in pairs:
        np.testing.assert_allclose(to_numpy(a), b, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("library", ["strict", "dask"])
def test_prod_gradient_on_library(library):
    """np.prod's gradient: the product of the other elements, without dividing (a zero
    element included)."""
    x, y = _prod_inputs()
    x[2] = 0.0
    want = symdiff.grad(with_prod, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(want[0], numerical_gradient(with_prod, (x, y), 0), rtol=1e-6,
                               atol=1e-8)
    got = symdiff.grad(with_prod, wrt=(0, 1), backend="array-api")(
        *converted((x, y), LIBRARIES[library]))
    if library == "dask":
        got = dask.compute(got)[0]
    for a, b in zip(got, want):
        np.testing.assert_allclose(to_numpy(a), b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("library", sorted(LIBRARIES))
@pytest.mark.parametrize("fn, wrt, inputs", FUNCTIONS, ids=lambda v: getattr(v, "__name__", ""))
def test_hessian_and_hvp_called_with_the_backend(fn, wrt, inputs, library):
    """``symdiff.hessian(f, backend="array-api")`` and ``hvp``: the same Hessian, in the
    arguments' library; ``hvp`` along a vector of that library is H @ v."""
    want = reference(fn, wrt, inputs)
    args = converted(inputs(), LIBRARIES[library])
    got = symdiff.hessian(fn, wrt=wrt, backend="array-api")(*args)
    if library == "dask":
        got = dask.compute(got)[0]
    first = got[0][0] if isinstance(want, tuple) else got
    np.testing.assert_allclose(to_numpy(first), want[0][0] if isinstance(want, tuple) else want,
                               rtol=1e-9, atol=1e-11)
    names = list(inspect.signature(fn).parameters)
    x = inputs()[names.index(wrt[0])]
    if len(wrt) > 1 or np.ndim(x) == 0:
        return
    v = np.linspace(-1.0, 1.0, x.size).reshape(x.shape)
    hv = symdiff.hvp(fn, wrt=wrt[0], backend="array-api")(*args, LIBRARIES[library](v))
    if library == "dask":
        hv = dask.compute(hv)[0]
    matrix = (want[0][0] if isinstance(want, tuple) else want).reshape(x.size, x.size)
    np.testing.assert_allclose(np.reshape(to_numpy(hv), -1), matrix @ v.ravel(), rtol=1e-9,
                               atol=1e-11)


def test_hvp_with_the_backend_refuses_a_vector_of_another_shape():
    x, y = _prod_inputs()
    with pytest.raises(symdiff.SymdiffError, match="v for `x` has shape"):
        symdiff.hvp(with_prod, backend="array-api")(x, y, np.ones(3))


def test_the_array_api_hessian_does_not_take_jit():
    with pytest.raises(symdiff.SymdiffError, match="jit=True"):
        symdiff.hessian(with_prod, jit=True, backend="array-api")
