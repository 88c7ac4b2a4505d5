"""Index producers without derivative, used in gathers: np.where(c) with one argument,
np.nonzero (its tuple unpacked or indexed), np.argwhere, np.flatnonzero,
np.ravel_multi_index and np.unravel_index. The gathers they feed carry the gradient;
each function is checked by ``breadth_support.check_case`` (value, gradient, forward
mode, Hessian-vector product, and jit for a sample).
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, check_case
from support import load_module

SOURCE = """
import numpy as np

def where_one(x):
    return np.sum(x[np.where(x > 0)] ** 2)

def where_matrix(x):
    return np.sum(x[np.where(x > 0.1)] ** 3)

def nonzero_item(x):
    return np.sum(x[np.nonzero(x < 0)[0]] ** 2 * 3.0)

def nonzero_unpacked(x):
    i, j = np.nonzero(x > 0)
    return np.sum(x[i, j] ** 2 * j)

def argwhere_rows(x):
    return np.sum(x[np.argwhere(x > 0)[:, 0]] ** 3)

def flatnonzero(x):
    return np.sum(np.ravel(x)[np.flatnonzero(x > 0)] ** 2)

def ravel_multi(x):
    k = np.ravel_multi_index((np.array([0, 1, 2]), np.array([3, 0, 3])), x.shape)
    return np.sum(np.ravel(x)[k] ** 2)

def unravel(x):
    i, j = np.unravel_index(np.argmax(x), x.shape)
    return x[i, j] ** 2 + np.sum(x[i]) * np.sum(x[:, j])
"""


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


CASES = [
    Case("where_one", "x", "", normal((6,)), second=True, jit=True),
    Case("where_matrix", "x", "", normal((3, 4)), second=True),
    Case("nonzero_item", "x", "", normal((7,)), jit=True),
    Case("nonzero_unpacked", "x", "", normal((3, 4)), second=True, jit=True),
    Case("argwhere_rows", "x", "", normal((6,)), second=True),
    Case("flatnonzero", "x", "", normal((2, 3))),
    Case("ravel_multi", "x", "", normal((3, 4)), second=True),
    Case("unravel", "x", "", normal((3, 4)), second=True, jit=True),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("indices"), "breadth_indices", SOURCE)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_index_case(module, case):
    check_case(module, case)


def test_where_is_refused_with_two_arguments(tmp_path):
    import symdiff
    m = load_module(tmp_path, "where2", "import numpy as np\n\n"
                    "def f(a):\n    return np.sum(np.where(a > 0, a))\n")
    with pytest.raises(symdiff.SymdiffError, match="condition and two arrays") as error:
        symdiff.grad(m.f)(np.ones(3))
    assert error.value.loc is not None
