"""The array-API backend: one generated gradient, run on several array libraries.

Corpus functions (the seed examples, the control-flow corpus) compiled with
``backend="array-api"`` run on array_api_strict (the standard's strict namespace, which
refuses any NumPy-only call), PyTorch CPU tensors, JAX CPU arrays and Dask arrays; each
value and gradient is compared with the NumPy backend's, which is compared with central
differences. GPU libraries run where a GPU exists.
"""
import ast

import numpy as np
import pytest

import array_api_strict
import dask
import dask.array as da
import jax
import jax.numpy as jnp
import torch

import symdiff
from symdiff.check import numerical_gradient
from symdiff.errors import SymdiffError
from control_flow_corpus import CASES
from seed_cases import SEED_CASES

jax.config.update("jax_enable_x64", True)       # float64, as the NumPy reference

#: Functions of numbers only: the array-API backend is for arrays.
NUMBERS_ONLY = {"circuit", "oscillator", "newton_sqrt", "newton_sqrt[large]",
                "fixed_point_cos", "piecewise[left]", "piecewise[middle]", "piecewise[right]",
                "piecewise_return[left]", "piecewise_return[middle]",
                "piecewise_return[right]", "conditional_expression[x>y,big>0]",
                "conditional_expression[x<y,big>0]", "conditional_expression[x>y,big<0]"}

ALL = [c for c in list(SEED_CASES) + list(CASES) if c.id not in NUMBERS_ONLY]


def _chunked(a):
    return da.from_array(a, chunks=max(1, a.shape[0] // 2) if a.ndim else ())


LIBRARIES = {
    "strict": array_api_strict.asarray,
    "torch": torch.asarray,
    "jax": jnp.asarray,
    "dask": _chunked,
}


@pytest.fixture(autouse=True)
def _torch_float64():
    """Python numbers become float64 tensors, as NumPy makes them."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def to_numpy(x):
    if isinstance(x, tuple):
        return tuple(to_numpy(v) for v in x)
    if isinstance(x, da.Array):
        x = x.compute()
    if isinstance(x, torch.Tensor):
        return x.numpy()
    if type(x).__module__.startswith("array_api_strict"):
        return np.from_dlpack(x)
    return np.asarray(x)


def converted(args, convert):
    return tuple(convert(a) if isinstance(a, np.ndarray) else a for a in args)


def names_in(source: str) -> set[str]:
    """The names a module's code reads (not its docstrings)."""
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}


_REFERENCE: dict = {}


def reference(case):
    """The NumPy backend's value and gradient, checked against central differences."""
    if case.id not in _REFERENCE:
        args = case.inputs()
        value, grads = symdiff.value_and_grad(case.fn, wrt=tuple(case.wrt))(*args)
        names = list(case.fn.__code__.co_varnames[:case.fn.__code__.co_argcount])
        for name, g in zip(case.wrt, grads):
            i = names.index(name)
            want = numerical_gradient(case.fn, args, i)
            np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-6)
        assert np.allclose(value, case.fn(*case.inputs()))
        _REFERENCE[case.id] = value, grads
    return _REFERENCE[case.id]


RUNS = [pytest.param(case, library, id=f"{case.id}-{library}") for library in sorted(LIBRARIES)
        for case in ALL]


@pytest.mark.parametrize("case, library", RUNS)
def test_corpus_on_library(case, library):
    value, grads = reference(case)
    g = symdiff.value_and_grad(case.fn, wrt=tuple(case.wrt), backend="array-api")
    got_value, got = g(*converted(case.inputs(), LIBRARIES[library]))
    if library == "dask":                 # lazy: one compute for value and gradient
        assert all(isinstance(a, da.Array) for a in got)
        got_value, got = dask.compute(got_value, got)
    np.testing.assert_allclose(to_numpy(got_value), value, rtol=1e-10, atol=1e-12)
    for a, b in zip(to_numpy(got), grads):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", [c for c in ALL if c.id in ("softmax_loss", "l2_regression",
                                                              "mlp", "huber_loop")],
                         ids=lambda c: c.id)
def test_gradient_keeps_the_library(case):
    """grad on torch tensors gives tensors; on NumPy arrays, NumPy arrays (same numbers)."""
    _, grads = reference(case)
    g = symdiff.grad(case.fn, wrt=tuple(case.wrt), backend="array-api")
    on_torch = g(*converted(case.inputs(), torch.asarray))
    assert all(isinstance(t, torch.Tensor) for t in on_torch)
    on_numpy = g(*case.inputs())
    for a, b in zip(on_numpy, grads):
        assert isinstance(a, np.ndarray) or np.ndim(a) == 0
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_one_source_and_only_array_api_calls():
    """The generated module imports no NumPy and takes its namespace from the arguments."""
    from support import load_example
    g = symdiff.grad(load_example("softmax_loss").softmax_loss, backend="array-api")
    source = g.source
    assert "\nimport numpy" not in source and "np" not in names_in(source)
    assert "xp = array_namespace(W, X, y, reg)" in source
    assert "scatter_add(" in source                   # the helper the standard lacks
    compile(source, "<array-api>", "exec")


def test_dask_stays_lazy_until_compute():
    """A loss summed over examples, on chunked Dask arrays: the gradient is a Dask graph,
    computed once."""
    def loss(w, X, t):
        z = X @ w
        return np.mean(np.log(1 + np.exp(-t * z)))
    rng = np.random.default_rng(0)
    X, t, w = rng.normal(size=(400, 3)), np.sign(rng.normal(size=400)), rng.normal(size=3)
    value, dw = symdiff.value_and_grad(loss, backend="array-api")(
        da.from_array(w), da.from_array(X, chunks=(100, 3)), da.from_array(t, chunks=100))
    assert isinstance(value, da.Array) and isinstance(dw, da.Array)
    value, dw = dask.compute(value, dw)
    want_value, want = symdiff.value_and_grad(loss)(w, X, t)
    np.testing.assert_allclose(dw, want, rtol=1e-12)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    np.testing.assert_allclose(want, numerical_gradient(loss, (w, X, t), 0), rtol=1e-6)


def test_integer_array_pairs_read_through_a_helper_on_dask():
    """x[np.arange(N), y] reads through gather (flat indices on Dask, lazily); the
    gradient's scatter-add stays lazy too."""
    case = next(c for c in ALL if c.id == "softmax_loss")
    source = symdiff.grad(case.fn, wrt=tuple(case.wrt), backend="array-api").source
    assert "gather(log_probs, (tmp_3, y))" in source and "scatter_add(" in source
    assert "Dask indexes with\n    one array at a time" in source


def test_row_reads_say_the_later_axes_are_whole():
    case = next(c for c in ALL if c.id == "row_norms")
    source = symdiff.grad(case.fn, wrt=tuple(case.wrt), backend="array-api").source
    assert "[k, ...]" in source


def _row_of(X, i):
    return np.sum(X[i] ** 2) + np.sum(X[1:] * X[0])


def test_a_row_chosen_by_an_integer_argument_on_strict():
    """X[i] with i an int argument: known to be a number once the call's arguments are
    seen, so read as X[i, ...]."""
    X = np.random.default_rng(7).normal(size=(4, 3))
    want = symdiff.grad(_row_of)(X, 2)
    np.testing.assert_allclose(want, numerical_gradient(_row_of, (X, 2), 0), rtol=1e-6)
    got = symdiff.grad(_row_of, backend="array-api")(array_api_strict.asarray(X), 2)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12)


def test_a_mask_used_as_numbers_takes_the_float_dtype():
    """max routes its gradient through a mask, summed and multiplied: on float32
    array_api_strict arrays it is cast to float32, not float64."""
    def f(x):
        return np.sum(np.max(x, axis=1) ** 2) + np.max(x)
    x = np.random.default_rng(5).normal(size=(3, 4))
    want = symdiff.grad(f)(x)
    np.testing.assert_allclose(want, numerical_gradient(f, (x,), 0), rtol=1e-6)
    g = symdiff.grad(f, backend="array-api")
    assert "xp.astype(" in g.source and "float_dtype(" in g.source
    got = g(array_api_strict.asarray(x.astype(np.float32)))
    assert got.dtype == array_api_strict.float32
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-5, atol=1e-6)


def test_numpy_only_feature_is_refused_where_it_is():
    def f(x):
        return np.sum(np.sinc(x))
    with pytest.raises(SymdiffError) as info:
        symdiff.grad(f, backend="array-api")(np.ones(3))
    message = str(info.value)
    assert "np.sinc" in message and "array-API" in message
    assert "test_array_api.py" in message and "np.sinc(x)" in message


def test_scipy_special_is_refused():
    import scipy.special

    def f(x):
        return np.sum(scipy.special.erf(x))
    # the value needs erf itself, which the standard lacks (the gradient needs only exp)
    with pytest.raises(SymdiffError, match="scipy.special.erf"):
        assert symdiff.value_and_grad(f, backend="array-api").source


def test_unknown_backend_is_refused():
    with pytest.raises(SymdiffError, match="unknown backend 'cuda'"):
        symdiff.grad(lambda x: x, backend="cuda")


def test_jit_and_has_aux_are_refused_with_the_array_api():
    with pytest.raises(SymdiffError, match="backend='numba'"):
        symdiff.grad(lambda x: x, jit=True, backend="array-api")
    with pytest.raises(SymdiffError, match="has_aux=True"):
        symdiff.grad(lambda x: (x, x), has_aux=True, backend="array-api")


def test_einsum_and_dot_run_through_helpers():
    def f(A, x):
        return np.einsum("ij,j->", A, x) + np.dot(x, x)
    rng = np.random.default_rng(1)
    A, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    want = symdiff.grad(f, wrt=(0, 1))(A, x)
    np.testing.assert_allclose(want[1], numerical_gradient(f, (A, x), 1), rtol=1e-6)
    g = symdiff.grad(f, wrt=(0, 1), backend="array-api")
    assert "def einsum(" in g.source and "def dot(" in g.source
    for convert in (torch.asarray, jnp.asarray):
        for a, b in zip(to_numpy(g(convert(A), convert(x))), want):
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_cli_backend_option(tmp_path, capsys):
    from symdiff.cli import main
    from support import EXAMPLES_DIR
    assert main(["compile", str(EXAMPLES_DIR / "l2_regression.py"), "--backend",
                 "array-api"]) == 0
    source = capsys.readouterr().out
    assert "xp = array_namespace(W, b, X, t)" in source and "np" not in names_in(source)
    namespace: dict = {}
    exec(compile(source, "l2_grad.py", "exec"), namespace)
    rng = np.random.default_rng(2)
    args = (rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(6, 4)),
            rng.normal(size=(6, 3)))
    want = symdiff.grad(__import__("support").load_example("l2_regression").l2_loss)(*args)
    got = namespace["grad_l2_loss"](*[torch.asarray(a) for a in args])
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    assert main(["compile", str(EXAMPLES_DIR / "l2_regression.py"), "--backend", "numba"]) == 0
    assert "numba" in capsys.readouterr().out


def _gpu(library: str) -> bool:
    if library == "torch":
        return torch.cuda.is_available()
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - no CuPy, or no driver: no GPU to run on
        return False


@pytest.mark.parametrize("library", ["torch-cuda", "cupy"])
def test_on_gpu(library):
    if not _gpu(library.split("-")[0]):
        pytest.skip(f"no GPU on this machine for {library}")
    case = next(c for c in ALL if c.id == "l2_regression")
    _, grads = reference(case)
    if library == "cupy":
        import cupy
        convert, back = cupy.asarray, cupy.asnumpy
    else:
        def convert(a):
            return torch.asarray(a, device="cuda")

        def back(t):
            return t.cpu().numpy()
    g = symdiff.grad(case.fn, wrt=tuple(case.wrt), backend="array-api")
    for a, b in zip(g(*converted(case.inputs(), convert)), grads):
        np.testing.assert_allclose(back(a), b, rtol=1e-9)


def _shuffled(x):
    return np.sum(np.repeat(x, 2, 0) ** 2) + np.sum(np.flip(x, 0) * x) + \
        np.sum(np.expand_dims(x, 0) ** 3)


def _stacked(x, y):
    return np.sum(np.tril(np.outer(x, y), 0) ** 2) + np.sum(np.concatenate([x, y], 0) ** 3)


def _reduced(X):
    return np.sum(np.sum(X, 1) ** 2) + np.mean(np.cumsum(X, axis=1)) + np.sum(np.mean(X, 0) ** 3)


def _counted(x):
    return np.sum(x * np.sum(x > 0)) + np.mean(x > 0.5) * np.sum(x ** 2)


@pytest.mark.parametrize("fn, shapes", [(_shuffled, [(4,)]), (_stacked, [(3,), (3,)]),
                                        (_reduced, [(3, 4)]), (_counted, [(3, 4)])],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_parameters_the_standard_takes_by_keyword(fn, shapes):
    """np.repeat(x, 2, 0), np.flip(x, 0), np.tril(A, 0)...: axis and k by keyword, which
    array_api_strict insists on; np.full with an array value; masks counted."""
    rng = np.random.default_rng(4)
    args = tuple(rng.normal(size=s) for s in shapes)
    wrt = tuple(range(len(args)))
    want = symdiff.grad(fn, wrt=wrt)(*args)
    for i, g in enumerate(want):
        np.testing.assert_allclose(g, numerical_gradient(fn, args, i), rtol=1e-5, atol=1e-7)
    g = symdiff.grad(fn, wrt=wrt, backend="array-api")
    for convert in (array_api_strict.asarray, torch.asarray, jnp.asarray):
        for a, b in zip(to_numpy(g(*converted(args, convert))), want):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
