"""The ordinary losses of readability_corpus: right gradients, and generic code that reads
like the specialized code (no numbered temporaries, little shape plumbing)."""

import numpy as np
import pytest

import symdiff
from readability_corpus import CASES
from support import assert_gradient, readability_rows


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_corpus_gradients_match_central_differences(case):
    args = case.inputs()
    assert_gradient(case.fn, *args, wrt=case.wrt)


@pytest.fixture(scope="module")
def measured():
    return readability_rows()


def test_generic_code_has_no_numbered_temporaries(measured):
    assert [r.name for r in measured if r.temporaries] == []


def test_generic_code_is_at_most_a_third_longer_than_the_specialized(measured):
    generic = sum(r.generic for r in measured)
    specialized = sum(r.specialized for r in measured)
    assert generic <= 1.3 * specialized, (generic, specialized)


def test_generic_code_plumbs_shapes_at_most_twice_per_reduction(measured):
    assert [r.name for r in measured if r.plumbing > 2 * max(r.reductions, 1)] == []
    assert sum(r.plumbing for r in measured) <= sum(r.reductions for r in measured)


def test_the_gradient_of_a_mean_is_one_line():
    def mean_loss(x):
        return -np.mean(np.log(x))
    x = np.array([0.5, 1.5, 2.5])
    source = symdiff.grad(mean_loss).source
    assert "np.full(np.shape(" in source and "np.size(" in source
    assert source.count("np.size(") == 1 and "broadcast_to" not in source
    assert_gradient(mean_loss, x)


def test_a_keepdims_reduction_is_undone_without_the_helper():
    def centered(x):
        return np.sum(np.exp(x - np.max(x, axis=1, keepdims=True)) ** 2)
    x = np.arange(6.0).reshape(2, 3) / 7
    source = symdiff.grad(centered).source
    assert "unbroadcast(" not in source
    assert "axis=1, keepdims=True" in source.split("# backward")[1]
    assert_gradient(centered, x)


def test_an_unknown_rank_keeps_the_helper_and_says_why():
    def affine(w, b, x):
        return np.sum((x @ w + b) ** 2)
    source = symdiff.grad(affine, wrt=("w", "b")).source
    assert "db = unbroadcast(" in source and "rank of b unknown" in source
    for args in ((np.ones((3, 2)), np.ones(2), np.ones((4, 3))),
                 (np.ones((3, 2)), np.ones((4, 2)), np.ones((4, 3))),
                 (np.ones((3, 2)), 0.5, np.ones((4, 3)))):
        assert_gradient(affine, *args, wrt=(0, 1))


def test_names_never_take_a_user_or_module_name():
    def clash(X_W1, exp_shifted, X, W1):
        shifted = X @ W1 + X_W1
        return np.sum(np.exp(shifted)) + np.sum(exp_shifted)
    args = (np.ones((2, 2)), np.ones(3), np.eye(2) / 3, np.eye(2) / 5)
    source = symdiff.grad(clash, wrt=(0, 2, 3)).source
    assert "tmp" not in source
    assert "X_W1_2 = X @ W1" in source
    assert_gradient(clash, *args, wrt=(0, 2, 3))
