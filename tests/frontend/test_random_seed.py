"""``np.random.seed(...)`` as a statement in a differentiated function changes none of its
values (every random draw there is refused: drawn outside and passed in), so the gradient
leaves it out, as it leaves out ``print``. Checked against central differences (reverse,
forward, Hessian, jit); draws after it stay refused, located, with what to write instead.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from breadth_support import Case, check_case, check_jitted_value
from support import load_module

import symdiff

SOURCE = """
import numpy as np
import numpy as numpy_alias


def seeded(x, w):
    np.random.seed(0)
    return np.sum(np.tanh(x) * w ** 2)


def seeded_in_a_loop(x):
    total = 0.0
    for k in range(3):
        numpy_alias.random.seed(k)
        total = total + np.sum(np.sin(x * k))
    return total


def seeded_then_drawn(x):
    np.random.seed(0)
    noise = np.random.normal(size=3)
    return np.sum(x * noise)


def seeded_generator(x):
    rng = np.random.default_rng(0)
    return np.sum(x * rng.normal(size=3))


def shuffled(x):
    np.random.shuffle(x)
    return np.sum(x ** 2)
"""

CASES = [
    Case("seeded", "x, w", "np.random.seed(0); np.sum(np.tanh(x) * w ** 2)",
         lambda rng: [rng.standard_normal(4), rng.standard_normal(4)], wrt=(0, 1),
         second=True, jit=True),
    Case("seeded_in_a_loop", "x", "numpy_alias.random.seed(k) in a loop",
         lambda rng: [rng.standard_normal(3)], second=True, jit=True),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("seed"), "random_seed", SOURCE)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_seed_changes_no_value(module, case):
    check_case(SimpleNamespace(**{case.id: getattr(module, case.id)}), case)
    check_jitted_value(module, case)


def test_the_generated_code_leaves_the_seed_out(module):
    source = symdiff.grad(module.seeded).source
    assert "np.random" not in source and "tanh" in source


@pytest.mark.parametrize("name,fragment", [
    ("seeded_then_drawn", "np.random.seed(0)"),
    ("seeded_generator", "np.random.seed(0)"),
])
def test_draws_stay_refused_with_what_to_write(module, name, fragment):
    with pytest.raises(symdiff.SymdiffError, match="random numbers inside") as error:
        symdiff.grad(getattr(module, name))(np.ones(3))
    assert error.value.loc is not None and fragment in str(error.value)


def test_a_shuffle_stays_refused(module):
    """np.random.shuffle writes into its argument: refused as an in-place change."""
    with pytest.raises(symdiff.SymdiffError, match="change an array in place") as error:
        symdiff.grad(module.shuffled)(np.ones(3))
    assert error.value.loc is not None
