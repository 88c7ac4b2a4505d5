"""NumPy array operations whose derivative is easy to get silently wrong: np.dot and matmul
for every rank, constructors with value arguments (np.full, np.linspace...), every ord of
np.linalg.norm, np.matrix arguments, boolean masks.

Every case runs end to end through ``operator_checks.verify``: the value of
``value_and_grad`` against the plain function, gradients against central differences,
``symdiff.jvp`` against the gradient and a directional difference. Conventions asserted
where differences cannot decide: ties in max/min norms share the gradient evenly.
"""
from __future__ import annotations

import numpy as np
import pytest

import symdiff
from operator_checks import seeded, verify
from support import load_module, numerical_jacobian

SOURCE = '''
import numpy as np


def np_dot(a, b):
    return np.sum(np.dot(a, b) ** 2)


def dot_method(a, b):
    return np.sum(np.tanh(a.dot(b)))


def np_matmul(a, b):
    return np.sum(np.matmul(a, b) ** 2)


def matmul_operator(a, b):
    return np.sum(np.sin(a @ b))


def dot_vector_out(x, M):
    return np.dot(x, M)


def full_shape_of(x, a):
    return np.sum(np.full(x.shape, a) * x)


def full_literal_shape(x, a):
    return np.sum(np.tanh(np.full((2, 3), a) + x))


def full_keyword(x, a):
    return np.sum(np.full(shape=x.shape, fill_value=a) ** 2 * x)


def full_like_value(x, a):
    return np.sum(np.full_like(x, a) * x + a)


def full_int_dtype(x, a):
    return np.sum(np.full(x.shape, a, dtype=int) * x)


def linspace_default(a, b):
    return np.sum(np.linspace(a, b) ** 3)


def linspace_points(a, b):
    return np.sum(np.sin(np.linspace(a, b, 7)))


def linspace_open(a, b):
    return np.sum(np.linspace(a, b, num=5, endpoint=False) ** 2)


def ones_times(x, a):
    return np.sum(np.ones(x.shape) * a * x + np.zeros_like(x) + np.ones_like(x) * a)


def array_of_scalars(a, b):
    return np.sum(np.array([a, b, a * b]) ** 2)


def asarray_of_scalars(a, b):
    return np.sum(np.asarray([[a, b], [b, a]]) @ np.array([a, 1.0]))


def arange_from(a):
    return np.sum(np.arange(a, 5.0))


def arange_of_count(x):
    return np.sum(x * np.arange(x.shape[0]))


def norm_1(x):
    return np.linalg.norm(x, 1)


def norm_inf(x):
    return np.linalg.norm(x, np.inf)


def norm_minus_inf(x):
    return np.linalg.norm(x, ord=-np.inf)


def norm_3(x):
    return np.linalg.norm(x, ord=3)


def norm_half(x):
    return np.linalg.norm(x, ord=0.5)


def norm_2(x):
    return np.linalg.norm(x, ord=2)


def norm_minus_1(x):
    return np.linalg.norm(x, -1)


def norm_fro(x):
    return np.linalg.norm(x, 'fro')


def norm_rows_1(A):
    return np.sum(np.linalg.norm(A, 1, axis=1) ** 2)


def norm_cols_3_keepdims(A):
    return np.sum(np.linalg.norm(A, ord=3, axis=0, keepdims=True) * A)


def norm_rows_2(A):
    return np.sum(np.linalg.norm(A, ord=2, axis=-1))


def norm_matrices_inf(T):
    return np.sum(np.linalg.norm(T, ord=np.inf, axis=(1, 2)) ** 2)


def norm_matrices_1_keepdims(T):
    return np.sum(np.linalg.norm(T, ord=1, axis=(2, 0), keepdims=True) * T)


def norm_nuc(x):
    return np.linalg.norm(x, 'nuc')


def norm_0(x):
    return np.linalg.norm(x, 0)


def norm_matrices_2(T):
    return np.sum(np.linalg.norm(T, ord=2, axis=(0, 1)))


def mask_mean(x, mask):
    return np.mean(x[mask])


def mask_rows(X, mask):
    return np.mean(X[mask] ** 2)


def mask_columns(X, mask):
    return np.sum(X[:, mask] ** 3)


def mask_positive(x):
    return np.mean(x[x > 0.0] * 2.0) + np.sum(x[np.logical_and(x > -1.0, x < 1.0)])


def mask_combined(x, y):
    return np.sum(x[(x > 0.0) & (y > 0.0)] * y[(x > 0.0) & (y > 0.0)])


def mask_write_constant(x, mask):
    y = x * 1.0
    y[mask] = 0.0
    return np.mean(y * x)


def mask_write_values(x):
    y = x * 2.0
    y[x < 0.0] = x[x < 0.0] ** 2
    return np.sum(y ** 2)


def mask_in_branch(x, w):
    keep = x > 0.0
    if w > 0.0:
        return np.mean(x[keep] * w)
    return np.sum(x[keep])
'''


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("array_operators"), "array_operators", SOURCE)



# ---------------------------------------------------------------- dot and matmul, every rank

DOT_SHAPES = [((), ()), ((), (4,)), ((), (3, 4)), ((3, 4), ()), ((4,), ()), ((4,), (4,)),
              ((3, 4), (4,)), ((4,), (4, 2)), ((3, 4), (4, 2)), ((2, 3, 4), (4,)),
              ((4,), (5, 4, 2)), ((2, 3, 4), (4, 2)), ((2, 3, 4), (5, 4, 2)), ((3,), (2, 3, 4))]
MATMUL_SHAPES = [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2)), ((3, 4), (4, 2)),
                 ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((2, 3, 4), (4, 2)), ((3, 4), (2, 4, 3)),
                 ((5, 2, 3, 4), (2, 4, 3)), ((5, 1, 3, 4), (2, 4, 3))]


def _pair(shapes, seed):
    return [seeded(*shape, seed=seed + k) for k, shape in enumerate(shapes)]


def _shape_id(shapes):
    return "-".join("x".join(map(str, s)) or "float" for s in shapes)


@pytest.mark.parametrize("shapes", DOT_SHAPES, ids=[_shape_id(s) for s in DOT_SHAPES])
@pytest.mark.parametrize("name", ["np_dot", "dot_method"])
def test_dot_for_every_rank(m, name, shapes):
    a, b = _pair(shapes, seed=11)
    if name == "dot_method" and np.ndim(a) == 0:
        return                                # a float has no .dot method
    verify(getattr(m, name), a, b, wrt=(0, 1))


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=[_shape_id(s) for s in MATMUL_SHAPES])
@pytest.mark.parametrize("name", ["np_matmul", "matmul_operator"])
def test_matmul_for_every_rank(m, name, shapes):
    a, b = _pair(shapes, seed=21)
    verify(getattr(m, name), a, b, wrt=(0, 1))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("shape", [(3, 4), (4,), ()])
def test_jacobian_of_a_float_times_an_array_by_dot(m, mode, shape):
    M = seeded(*shape, seed=3)
    J = symdiff.jacobian(m.dot_vector_out, wrt=0, mode=mode)(2.0, M)
    np.testing.assert_allclose(J, numerical_jacobian(m.dot_vector_out, [2.0, M], 0), rtol=1e-7,
                               atol=1e-9)
    np.testing.assert_allclose(J, M, rtol=1e-12)


# ---------------------------------------------------------------- constructors with values


@pytest.mark.parametrize("name", ["full_shape_of", "full_literal_shape", "full_keyword",
                                  "full_like_value", "ones_times"])
def test_a_constructor_is_differentiable_in_its_value(m, name):
    x = seeded(2, 3, seed=len(name))
    verify(getattr(m, name), x, 0.7, wrt=(0, 1))


def test_full_with_an_array_fill_value(m):
    verify(m.full_shape_of, seeded(2, 3, seed=1), seeded(3, seed=2), wrt=(0, 1))
    verify(m.full_like_value, seeded(2, 3, seed=1), seeded(2, 1, seed=3), wrt=(0, 1))


@pytest.mark.parametrize("name", ["linspace_default", "linspace_points", "linspace_open"])
@pytest.mark.parametrize("ends", [(0.3, 1.7), (2.0, -1.0)])
def test_linspace_is_differentiable_in_both_ends(m, name, ends):
    verify(getattr(m, name), *ends, wrt=(0, 1))


def test_linspace_with_array_ends(m):
    verify(m.linspace_points, seeded(2, seed=1), seeded(2, seed=2), wrt=(0, 1))
    verify(m.linspace_open, seeded(3, seed=1), 1.5, wrt=(0, 1))


@pytest.mark.parametrize("name", ["array_of_scalars", "asarray_of_scalars"])
def test_an_array_of_differentiated_scalars(m, name):
    verify(getattr(m, name), 0.6, -1.3, wrt=(0, 1))


def test_arange_of_a_count_is_a_constant(m):
    verify(m.arange_of_count, seeded(5, seed=4))


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_arange_of_a_differentiated_value_is_refused(m, mode):
    with pytest.raises(symdiff.SymdiffError, match="np.arange") as info:
        if mode == "grad":
            symdiff.grad(m.arange_from)(1.5)
        else:
            symdiff.jvp(m.arange_from)(1.5, 1.0)
    assert info.value.loc is not None and "linspace" in info.value.hint


def test_full_with_an_int_dtype_is_refused(m):
    with pytest.raises(symdiff.SymdiffError, match="dtype") as info:
        symdiff.grad(m.full_int_dtype, wrt=1)(seeded(3, seed=1), 1.5)
    assert info.value.loc is not None


# ---------------------------------------------------------------- np.linalg.norm, every ord

VECTOR_NORMS = ["norm_1", "norm_inf", "norm_minus_inf", "norm_3", "norm_half", "norm_2",
                "norm_minus_1"]
MATRIX_NORMS = ["norm_1", "norm_inf", "norm_minus_inf", "norm_fro", "norm_minus_1"]


@pytest.mark.parametrize("name", VECTOR_NORMS)
def test_vector_norms(m, name):
    x = seeded(5, seed=len(name))
    x[np.abs(x) < 0.1] += 0.3                 # away from abs's kink
    value, _ = verify(getattr(m, name), x)
    assert value == pytest.approx(np.linalg.norm(x, ord=_ORDS[name]), rel=1e-12)


@pytest.mark.parametrize("name", MATRIX_NORMS)
def test_matrix_norms(m, name):
    A = seeded(3, 4, seed=len(name) + 1)
    A[np.abs(A) < 0.1] += 0.3
    value, _ = verify(getattr(m, name), A)
    assert value == pytest.approx(np.linalg.norm(A, ord=_ORDS[name]), rel=1e-12)


_ORDS = {"norm_1": 1, "norm_inf": np.inf, "norm_minus_inf": -np.inf, "norm_3": 3,
         "norm_half": 0.5, "norm_2": 2, "norm_minus_1": -1, "norm_fro": "fro"}


@pytest.mark.parametrize("name,shape", [("norm_rows_1", (3, 4)), ("norm_cols_3_keepdims", (3, 4)),
                                        ("norm_rows_2", (3, 4)), ("norm_matrices_inf", (2, 3, 4)),
                                        ("norm_matrices_1_keepdims", (2, 3, 4))])
def test_norms_along_axes(m, name, shape):
    A = seeded(*shape, seed=len(name))
    A[np.abs(A) < 0.1] += 0.3
    verify(getattr(m, name), A)


@pytest.mark.parametrize("name", ["norm_inf", "norm_1"])
def test_norm_ties_share_the_gradient(m, name):
    x = np.array([[1.0, -2.0], [2.0, 1.0]])   # two rows, two columns of equal sums, |x| ties
    grad = symdiff.grad(m.norm_inf if name == "norm_inf" else m.norm_1)(x)
    np.testing.assert_allclose(grad, 0.5 * np.sign(x))   # each tied row (column) gets half
    v = np.array([3.0, -3.0, 1.0])
    grad = symdiff.grad(m.norm_inf)(v)
    np.testing.assert_allclose(grad, [0.5, -0.5, 0.0])


@pytest.mark.parametrize("name,shape", [("norm_2", (3, 4)), ("norm_nuc", (3, 4)),
                                        ("norm_matrices_2", (3, 4, 2))])
def test_norms_of_singular_values(m, name, shape):
    """2, -2, 'nuc' of matrices: max, min, sum of the singular values (tests/primitives/
    test_breadth_svd.py checks them in full)."""
    verify(getattr(m, name), seeded(*shape, seed=1))


@pytest.mark.parametrize("name,arg", [("norm_0", (4,)), ("norm_fro", (4,)),
                                      ("norm_nuc", (4,)), ("norm_1", (2, 3, 4))])
def test_norms_symdiff_cannot_do_are_refused(m, name, arg):
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(getattr(m, name))(seeded(*arg, seed=1))
    assert info.value.loc is not None and info.value.hint


# ---------------------------------------------------------------- np.matrix


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
@pytest.mark.parametrize("api", ["grad", "value_and_grad", "jvp", "check_grad"])
def test_np_matrix_arguments_are_refused(m, api):
    M = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    w = seeded(2, 2, seed=1)
    with pytest.raises(symdiff.SymdiffError, match="np.matrix") as info:
        if api == "check_grad":
            symdiff.check_grad(m.np_matmul, w, M)
        elif api == "jvp":
            symdiff.jvp(m.np_matmul)(M, w, np.ones((2, 2)))
        else:
            getattr(symdiff, api)(m.np_matmul)(w, M)
    assert info.value.loc is not None and "np.asarray" in info.value.hint


# ---------------------------------------------------------------- boolean masks


def _mask(n, seed):
    mask = np.random.default_rng(seed).random(n) > 0.5
    mask[0], mask[-1] = True, False
    return mask


def test_a_boolean_mask_argument_gathers(m):
    x = seeded(6, seed=1)
    verify(m.mask_mean, x, _mask(6, 2))
    X = seeded(5, 3, seed=3)
    verify(m.mask_rows, X, _mask(5, 4))
    verify(m.mask_rows, X, X > 0.0)                  # a 2-D mask picks elements
    verify(m.mask_columns, X, _mask(3, 5))


def test_masks_computed_in_the_function(m):
    x, y = seeded(7, seed=6), seeded(7, seed=7)
    verify(m.mask_positive, x)
    verify(m.mask_combined, x, y, wrt=(0, 1))
    verify(m.mask_in_branch, x, 0.8, wrt=(0, 1))
    verify(m.mask_in_branch, x, -0.8, wrt=(0, 1))


def test_writes_through_a_mask(m):
    x = seeded(6, seed=8)
    verify(m.mask_write_constant, x, _mask(6, 9))
    verify(m.mask_write_values, x)
    verify(m.mask_write_values, seeded(3, 4, seed=10))
