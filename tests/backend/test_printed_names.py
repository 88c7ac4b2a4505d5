"""Names the printer chooses (backend/naming.py) come from the user's source: an element
read is named after its index, a part of a gradient after where it comes from, and the
values the rule for repeated-index writes makes up after what they hold. The gradients
stay exact (central differences)."""
import re

import numpy as np

import symdiff
from support import assert_gradient

RNG = np.random.default_rng(5)


def elements(w, x, i):
    c = x[:, None]
    return w[0] * x[1] + w[-1] + x[i] + np.sum(c) + np.sum(w[1:3])


def two_paths(W, X):
    s = X @ W
    return np.sum(s ** 2) + np.sum(W ** 2)


def scattered(x, idx):
    y = np.zeros(4)
    y[idx] = x * 2.0
    return np.sum(y ** 2)


def _names(source: str) -> set[str]:
    return set(re.findall(r"^\s+(\w+) = ", source, re.M))


def test_an_element_read_is_named_after_its_index():
    names = _names(symdiff.grad(elements, wrt=(0, 1)).source)
    assert {"w0", "x1", "w_last", "x_i", "c", "w_1to3"} <= names
    assert not any("_at" in name for name in names)
    assert_gradient(elements, RNG.standard_normal(4), RNG.standard_normal(3), 2, wrt=(0, 1))


def test_the_parts_of_a_gradient_are_named_after_where_they_come_from():
    source = symdiff.grad(two_paths).source
    assert "dW = dW_from_sq" in source or "dW = dW_from_s" in source
    assert {"dW_from_s", "dW_from_sq"} <= _names(source)          # s, and W ** 2
    assert not re.search(r"\bdW_\d\b", source)
    assert_gradient(two_paths, RNG.standard_normal((3, 2)), RNG.standard_normal((5, 3)))


def test_the_values_that_find_the_last_of_repeated_writes_are_named_for_what_they_hold():
    source = symdiff.grad(scattered).source
    assert {"positions", "last_writer", "survived"} <= _names(source)
    assert "arange_d" not in source
    assert "the last write wins" in source
    idx = np.array([0, 2, 0, 3])                        # 0 is written twice: the last wins
    grads = assert_gradient(scattered, RNG.standard_normal(4), idx)
    assert grads[0][0] == 0.0 and grads[0][2] != 0.0      # x[0] was overwritten by x[2]


#: ``dl2_loss/scaled_inv_N``: a derivative written over a value, not over a gradient.
OVER_A_VALUE = re.compile(r"(?<![\w.])d\w+/(?!d)[A-Za-z_]\w*")


def test_no_comment_writes_a_derivative_over_a_value():
    from readability_corpus import CASES
    from seed_cases import SEED_CASES
    for case in [*CASES, *SEED_CASES]:
        source = symdiff.grad(case.fn, wrt=tuple(case.wrt)).source
        comments = [line.split("  # ", 1)[1] for line in source.splitlines() if "  # " in line]
        bad = [c for c in comments if OVER_A_VALUE.search(c.split("  ", 1)[-1].split(" = ")[0])]
        assert not bad, (case.fn.__name__, bad)
