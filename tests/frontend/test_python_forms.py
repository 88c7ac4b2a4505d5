"""Python forms NumPy code uses: ``slice(...)`` held by a name, ``x.flat[k]`` reads and
writes, ``np.put`` / ``x.put``, ``.real`` / ``.imag`` of real arrays, and
``np.vectorize`` of an elementwise function (applied to whole arrays). Each is checked
by ``breadth_support.check_case``: value, gradient against central differences, forward
mode, Hessian-vector products and jit; refusals name the line.
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, check_case
from support import load_module

import symdiff

SOURCE = '''
import math
import numpy as np


def slice_read(x):
    s = slice(1, 3)
    return np.sum(x[s] ** 2) + np.sum(x[slice(2)] * 3.0)


def slice_write(x):
    s = slice(None)
    y = x.copy()
    y[s] = y[s] * 2.0
    n = x.shape[0]
    back = slice(n - 1, None, -1)
    return np.sum(y ** 3) + np.sum(x[back] * np.arange(n))


def slice_tuple(x):
    idx = (slice(0, 2), 1)
    y = x.copy()
    y[idx] = np.sin(x[idx])
    return np.sum(y ** 2) + np.sum(x[idx])


def flat_read_write(x):
    y = x.copy()
    y.flat[1:3] = np.sin(x.flat[0:2])
    y.flat[0] = 3.0 * x.flat[3]
    return np.sum(y ** 2)


def flat_through_a_view(x):
    y = x.copy()
    v = y.T
    y.flat[4] = x[0, 0] ** 2
    return np.sum(v ** 2 * x)


def flat_loop(x):
    y = x.copy()
    for i in range(x.size):
        y.flat[i] = x.flat[i] ** 2
    return np.sum(y * x)


def put_calls(x):
    y = np.zeros(x.shape)
    np.put(y, [0, 2], x.flat[1:3] * 2.0)
    y.put(1, x.flat[0])
    return np.sum(y ** 2 * x)


def real_parts(x):
    y = x.copy()
    y.real = x ** 2
    r = y.real
    r[0] = 2.0 * x[1]
    return np.sum(y * x) + np.sum(x.real * x.imag + x.real)


def vectorized_lambda(x):
    f = np.vectorize(lambda t: t ** 2 + 1)
    return np.sum(f(x) * x)


def vectorized_decorator(x):
    @np.vectorize
    def g(t):
        u = math.exp(-t)
        return u if t > 0.7 else 2.0 * u * t
    return np.sum(g(x) * x)


def two_numbers(t, s):
    return np.sin(t) * s + abs(t - s) + max(t, 0.6)


def vectorized_helper(x, y):
    return np.sum(np.vectorize(two_numbers)(x, y))


def vectorized_captured(x):
    w = x[0]
    h = np.vectorize(lambda t: w * t if t > 0.5 and t < 1.2 else t ** 3)
    return np.sum(h(x))


def vectorized_where_trap(x):
    f = np.vectorize(lambda t: np.sqrt(t) if t > 0.0 else 0.5 * t)
    return np.sum(f(x))
'''


def uniform(*shapes):
    return lambda rng: tuple(rng.uniform(0.5, 1.5, s) for s in shapes)


CASES = [
    Case("slice_read", "x", "", uniform(5), second=True, jit=True),
    Case("slice_write", "x", "", uniform(4), second=True, jit=True),
    Case("slice_tuple", "x", "", uniform((3, 3)), second=True, jit=True),
    Case("flat_read_write", "x", "", uniform(4), second=True, jit=True),
    Case("flat_read_write", "x", "", uniform((2, 2)), second=True, jit=True),
    Case("flat_through_a_view", "x", "", uniform((3, 3)), second=True, jit=True),
    Case("flat_loop", "x", "", uniform((2, 3)), second=True, jit=True),
    Case("put_calls", "x", "", uniform((2, 2)), second=True, jit=True),
    Case("real_parts", "x", "", uniform(3), second=True, jit=True),
    Case("vectorized_lambda", "x", "", uniform(4), second=True, jit=True),
    Case("vectorized_decorator", "x", "", lambda rng: (np.array([0.3, 0.6, 0.8, 1.4]),),
         second=True, jit=True),
    Case("vectorized_helper", "x, y", "",
         lambda rng: (np.array([0.2, 0.9, 1.4]), np.array([[0.5], [1.1]])), wrt=(0, 1),
         second=True, jit=True),
    Case("vectorized_captured", "x", "",
         lambda rng: (np.array([0.8, 0.3, 1.0, 1.4, 0.6]),), second=True, jit=True),
    Case("vectorized_where_trap", "x", "",
         lambda rng: (np.array([0.3, -0.4, 0.9, -1.2]),), second=True, jit=True),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("forms"), "python_forms", SOURCE)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.id}-{k}" for k, c in enumerate(CASES)])
def test_python_form_case(module, case):
    check_case(module, case)


def test_vectorized_body_is_the_whole_array_body(module):
    text = symdiff.grad(module.vectorized_decorator).source_for(np.ones(3))
    assert "np.where(x_mask, u, x_times_u)" in text and "np.vectorize" not in text


@pytest.mark.parametrize("body,line,message", [
    ("@np.vectorize\n    def g(t):\n        if t > 0:\n            return t\n"
     "        return -t\n    return np.sum(g(x))", 7, "returns in branches"),
    ("@np.vectorize\n    def g(t):\n        s = 0.0\n        for k in range(3):\n"
     "            s = s + t\n        return s\n    return np.sum(g(x))", 8, "`for`"),
    ("return np.sum(np.vectorize(lambda t: np.sum(t))(x))", 5, "np.sum"),
    ("return np.sum(np.vectorize(lambda t: 0 if t < 0 else t)(x))", 5, "integer 0"),
    ("return np.sum(np.vectorize(lambda t: max(t, 0))(x))", 5, "integer 0"),
    ("@np.vectorize\n    def g(t):\n        u = 1 if t > 0.5 else t\n        return u\n"
     "    return np.sum(g(x))", 7, "integer 1"),
    ("return np.sum(np.vectorize(lambda t: t, otypes=[float])(x))", 5, "otypes"),
    ("return np.sum(np.vectorize(lambda t: t, signature='()->()')(x))", 5, "signature"),
    ("return np.sum(np.vectorize(lambda t: t, excluded={1})(x))", 5, "excluded"),
])
def test_vectorize_refusals_name_the_line(tmp_path, body, line, message):
    module = load_module(tmp_path, "refused", "import numpy as np\n\n\ndef f(x):\n    "
                         + body + "\n")
    with pytest.raises(symdiff.SymdiffError, match=message) as info:
        symdiff.grad(module.f)(np.ones(3))
    assert info.value.problems[0].loc.line == line


def test_slice_bounds_must_be_integers(tmp_path):
    module = load_module(tmp_path, "slice_float", "import numpy as np\n\n\ndef f(x):\n"
                         "    return np.sum(x[slice(0.5)])\n")
    with pytest.raises(symdiff.SymdiffError, match="integers or None"):
        symdiff.grad(module.f)(np.ones(3))


def test_put_with_mode_is_refused(tmp_path):
    module = load_module(tmp_path, "put_mode", "import numpy as np\n\n\ndef f(x):\n"
                         "    y = x.copy()\n    np.put(y, 0, 1.0, mode='clip')\n"
                         "    return np.sum(y)\n")
    with pytest.raises(symdiff.SymdiffError, match="put"):
        symdiff.grad(module.f)(np.ones(3))
