"""A builtin's name that the user's module binds to something else is that thing, never the
builtin: ``from numpy import *`` makes ``sum``, ``max``, ``min`` and ``abs`` NumPy's (in a
live module and in a file given to ``symdiff compile``); a module's own ``range`` is
refused where a loop runs over it, also when it is defined after the gradient was first
called; and the loops the compiler writes itself (over rows, ``zip``, ``enumerate``) keep
using Python's ``range``, ``len`` and ``min`` whatever the module binds them to."""
import importlib.util

import numpy as np
import pytest

import symdiff
from symdiff.cli import compile_file
from tests.support import load_module, numerical_jacobian

RNG = np.random.default_rng(21)

STAR = '''
from numpy import *


def totals(x):
    return sum(abs(x) * max(x, axis=0)) + sum(x) * min(x)


def paired(a, b):
    t = 0.0
    for u, v in zip(a, b):
        t = t + sum(u * v) * max(u)
    return t


def rows(a):
    t = 0.0
    for i, row in enumerate(a):
        t = t + sum(row ** 2) * (i + 1.0)
    return t
'''


def _cases(module):
    a, b = RNG.standard_normal((3, 2)) + 2.0, RNG.standard_normal((4, 2))
    return [(module.totals, (a,)), (module.paired, (a, b)), (module.rows, (a,))]


def test_star_import_from_numpy_makes_sum_max_min_numpys_in_a_live_module(tmp_path):
    module = load_module(tmp_path, "star_numpy", STAR)
    for fn, args in _cases(module):
        value, grad = symdiff.value_and_grad(fn)(*args)
        assert value == pytest.approx(fn(*args), rel=1e-12)
        np.testing.assert_allclose(grad, numerical_jacobian(fn, args, 0), rtol=1e-6,
                                   atol=1e-8)


def test_star_import_from_numpy_in_a_compiled_file(tmp_path):
    path = tmp_path / "star_file.py"
    path.write_text(STAR, encoding="utf-8")
    out = tmp_path / "star_file_grad.py"
    out.write_text(compile_file(str(path)), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("star_file_grad", out)
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    module = load_module(tmp_path, "star_file_source", STAR)
    for fn, args in _cases(module):
        value, grad = getattr(generated, f"value_and_grad_{fn.__name__}")(*args)
        assert value == pytest.approx(fn(*args), rel=1e-12)
        np.testing.assert_allclose(grad, numerical_jacobian(fn, args, 0), rtol=1e-6,
                                   atol=1e-8)


OWN_RANGE = '''
def range(k):
    return [0, 1]


def decay(x, k):
    y = x
    for _ in range(k):
        y = 0.5 * y * y + x
    return y
'''


def test_a_loop_over_the_modules_own_range_is_refused_where_it_is_written(tmp_path):
    module = load_module(tmp_path, "own_range", OWN_RANGE)
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(module.decay)(0.3, 3)
    message = str(info.value)
    assert "own `range`" in message and ":8:" in message and "rename" in message


def test_a_range_defined_after_cheap_calls_is_seen_at_the_next_call(tmp_path):
    module = load_module(tmp_path, "later_range", OWN_RANGE.split("def decay")[0].replace(
        "def range", "def my_range") + "def decay" + OWN_RANGE.split("def decay")[1])
    g = symdiff.value_and_grad(module.decay, wrt=0)
    for _ in range(3):
        value, dx = g(0.3, 3)
        assert value == pytest.approx(module.decay(0.3, 3), rel=1e-12)
        assert dx == pytest.approx(numerical_jacobian(module.decay, (0.3, 3), 0), rel=1e-6)
    module.range = module.my_range
    with pytest.raises(symdiff.SymdiffError, match="own `range`"):
        g(0.3, 3)


OWN_LEN = '''
import numpy as np


def len(x):
    return 1


def min(a, b):
    return a


def by_rows(X, w):
    t = 0.0
    for row in X:
        t = t + np.sum(np.tanh(row * w))
    return t


def by_pairs(X, Y):
    t = 0.0
    for u, v in zip(X, Y):
        t = t + np.sum(u * v)
    return t
'''


def test_the_compilers_own_loops_keep_pythons_len_and_min(tmp_path):
    module = load_module(tmp_path, "own_len", OWN_LEN)
    X, w, Y = RNG.standard_normal((4, 3)), RNG.standard_normal(3), RNG.standard_normal((5, 3))
    for fn, args in ((module.by_rows, (X, w)), (module.by_pairs, (X, Y))):
        value, grad = symdiff.value_and_grad(fn)(*args)
        expected = {"by_rows": np.sum(np.tanh(X * w)),
                    "by_pairs": np.sum(X * Y[:4])}[fn.__name__]
        assert value == pytest.approx(expected, rel=1e-12)
        np.testing.assert_allclose(grad, numerical_jacobian(fn, args, 0), rtol=1e-6,
                                   atol=1e-8)
