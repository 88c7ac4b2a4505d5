"""The shape facts without sizes (optimize/ranks.py), checked on gradients: the generic
code they let symdiff write is right for every shape the program allows (central
differences, and the generic source agreeing with the specialized), and reads shorter.
"""
import numpy as np
import pytest

import symdiff
from support import assert_gradient

RNG = np.random.default_rng(23)


def routed(a, b, c):
    return np.sum(np.where(a > 0, a * b, c) ** 2)


def larger(x, y):
    return np.sum(np.where(x > y, x, y) ** 2)


def cross_entropy(y, p):
    terms = y * np.log(p) + (1 - y) * np.log(1 - p)
    return -np.mean(terms)


def huber_like(x, t):
    r = x - t
    return np.mean(np.where(np.abs(r) < 1.0, r ** 2, np.abs(r)))


def weighted(w, r):
    return np.sum(w * r ** 2)


def filled(x):
    return np.sum(np.full(x.shape, 2.0) * x ** 2) + np.sum(np.full_like(x, 0.5) * x)


def full_like_of_a_shape(x):
    return np.sum(np.full_like(x.shape, 3.0) * np.sum(x ** 2))


def penalized(w, lam):
    return lam * np.dot(w, w) + np.sum(w)


def contracted(A, B):
    return np.sum(np.dot(A, B) ** 2)


def _normal(shape):
    return RNG.standard_normal(shape) if shape != () else float(RNG.standard_normal())


def _unit(shape):
    return RNG.uniform(0.2, 0.8, shape) if shape != () else 0.4


#: (program, arguments, wrt): the same program at shapes that broadcast differently
CASES = [
    (routed, ((3, 4), (4,), ()), (0, 1, 2)),
    (routed, ((4,), (3, 1), (3, 4)), (0, 1, 2)),
    (routed, ((2, 3), (2, 3), (3,)), (0, 1, 2)),
    (larger, ((3, 1), (4,)), (0, 1)),
    (larger, ((5,), (5,)), (0, 1)),
    (huber_like, ((4,), (3, 4)), (0, 1)),
    (huber_like, ((3, 4), (4,)), (0, 1)),
    (huber_like, ((3, 4), ()), (0, 1)),
    (weighted, ((3, 1), (4,)), (0, 1)),
    (weighted, ((), (4,)), (0, 1)),
    (weighted, ((3, 4), (4,)), (0, 1)),
    (weighted, ((4,), (2, 4)), (0, 1)),
    (filled, ((3, 2),), (0,)),
    (filled, ((4,),), (0,)),
    (full_like_of_a_shape, ((3, 2),), (0,)),
    (penalized, ((4,), ()), (0, 1)),
    (penalized, ((), ()), (0, 1)),
    (contracted, ((3, 4), (4, 2)), (0, 1)),
    (contracted, ((4,), (4, 2)), (0, 1)),
    (contracted, ((2, 3, 4), (4,)), (0, 1)),
]


def _args(fn, shapes):
    if fn is cross_entropy:
        return tuple(_unit(s) for s in shapes)
    return tuple(_normal(s) for s in shapes)


CROSS_ENTROPY = [((5,), (5,)), ((2, 5), (5,)), ((5,), (3, 5)), ((3, 1), (4,))]


def _id(case):
    fn, shapes, _ = case
    return f"{fn.__name__}{list(shapes)}"


@pytest.mark.parametrize("case", CASES + [(cross_entropy, s, (0, 1)) for s in CROSS_ENTROPY],
                         ids=_id)
def test_generic_gradients_are_right_at_every_shape(case):
    fn, shapes, wrt = case
    args = _args(fn, shapes)
    assert_gradient(fn, *args, wrt=wrt)
    value, _ = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-13)


def test_values_of_one_broadcast_need_no_unbroadcast_between_them():
    source = symdiff.grad(cross_entropy, wrt=1).source
    backward = source.split("# backward")[1]
    assert backward.count("unbroadcast(") == 2      # to y * log(p) + ... : p and y only
    assert "np.full(np.shape(" in backward


def test_a_mean_reads_its_count_from_the_first_value_of_that_shape():
    source = symdiff.grad(huber_like).source
    assert "np.full(np.shape(r), 1.0 / np.size(r))" in source
    assert "unbroadcast(" not in source.split("# backward")[1].split("\n    dr = ")[0]


def test_the_gradient_of_a_dot_the_loss_proves_scalar_is_a_product():
    source = symdiff.grad(penalized, wrt=(0, 1)).source
    assert "dot_vjp" not in source and "lam * w" in source
    assert "dot_vjp_left" in symdiff.grad(contracted, wrt=(0, 1)).source


def test_a_made_up_product_is_summed_inside_the_unbroadcast_call():
    source = symdiff.grad(weighted, wrt=(0, 1)).source
    assert "dr = unbroadcast(2 * " in source and "dw = unbroadcast(" in source
    assert "_prod" not in source


def log_cosh(w, X, t):
    r = X @ w - t
    return np.sum(np.log(np.cosh(r)))


@pytest.mark.parametrize("t_shape", [(7,), (3, 7), (1,)], ids=["like_Xw", "more_axes", "one"])
def test_the_sum_a_matmul_gradient_reads_alone_is_written_inside_its_helper(t_shape):
    g = symdiff.grad(log_cosh)
    assert "dw = matmul_vjp_right(unbroadcast(dr, X_w), X, w)" in g.source
    assert "dX_w =" not in g.source
    line = next(text for text in g.source.splitlines() if "dw = matmul_vjp_right(" in text)
    assert "rank of X_w unknown" in line          # the comment says why the sum is there
    args = (RNG.standard_normal(4), RNG.standard_normal((7, 4)), RNG.standard_normal(t_shape))
    assert_gradient(log_cosh, *args, wrt=0)
    assert_gradient(log_cosh, *args, wrt=(0, 1, 2))
