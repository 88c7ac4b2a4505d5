"""Kind tests in conditions: ``isinstance``, ``type(x) is T``, ``hasattr``, ``callable``,
``np.isscalar``, ``np.ndim``. Each specialization answers them from the kinds of its
arguments and differentiates the branch taken (value, gradient against central
differences, forward mode, Hessian-vector products, jit); where the kind is not known
(``g.source``, ``symdiff compile`` without annotations) the test is refused where it is,
naming what to declare.
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, check_case
from support import load_module

import symdiff
from symdiff.cli import compile_file

SOURCE = '''
import math
import numpy as np


class Layer:
    def __init__(self, w):
        self.w = w


def array_or_number(x):
    if isinstance(x, np.ndarray):
        return np.sum(x ** 2)
    return x ** 3


def scalar_weight(x, w):
    if np.isscalar(w):
        s = w * x
    else:
        s = w[:, 0] * x
    if type(w) is float and not isinstance(x, (int, float)):
        s = s + 1.0
    return np.sum(np.sin(s))


def by_rank(x):
    if hasattr(x, "shape") and np.ndim(x) == 1:
        return np.sum(x ** 3)
    return np.sum(x[:, 0] ** 2)


def with_containers(x, p):
    f = lambda t: t ** 2
    layer = Layer(x)
    c = 0.0
    if callable(f) and isinstance(p, dict) and not callable(p) and isinstance(layer, Layer):
        c = np.sum(f(layer.w) * p["a"])
    if hasattr(layer, "w") and not hasattr(layer, "b") and type(x) is not float:
        c = c + np.sum(np.cos(x))
    return c


def computed_rank(x):
    h = np.tanh(x)
    if isinstance(h, np.ndarray) and np.ndim(h) == 2:
        return np.sum(h[0] * h[1])
    return np.sum(h)
'''

CASES = [
    Case("array_or_number", "x", "", lambda rng: (rng.uniform(0.5, 1.5, 4),), second=True,
         jit=True),
    Case("array_or_number", "x", "", lambda rng: (float(rng.uniform(0.5, 1.5)),),
         second=True, jit=True),
    Case("scalar_weight", "x, w", "", lambda rng: (rng.uniform(0.5, 1.5, 4), 0.7),
         second=True, jit=True),
    Case("scalar_weight", "x, w", "",
         lambda rng: (rng.uniform(0.5, 1.5, 4), rng.uniform(0.5, 1.5, (4, 2))),
         wrt=(0, 1), second=True, jit=True),
    Case("by_rank", "x", "", lambda rng: (rng.uniform(0.5, 1.5, 4),), second=True, jit=True),
    Case("by_rank", "x", "", lambda rng: (rng.uniform(0.5, 1.5, (3, 2)),), second=True,
         jit=True),
    Case("computed_rank", "x", "", lambda rng: (rng.uniform(0.5, 1.5, (2, 3)),),
         second=True, jit=True),
    Case("computed_rank", "x", "", lambda rng: (rng.uniform(0.5, 1.5, 5),), second=True,
         jit=True),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("kinds"), "kind_tests", SOURCE)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.id}-{k}" for k, c in enumerate(CASES)])
def test_kind_test_case(module, case):
    check_case(module, case)


def test_a_number_takes_the_other_branch(module):
    f = module.array_or_number
    value, dx = symdiff.value_and_grad(f)(1.3)
    assert value == pytest.approx(1.3 ** 3)
    assert dx == pytest.approx(3 * 1.3 ** 2)
    assert isinstance(dx, float)
    h = symdiff.hessian(f)(1.3)
    assert float(np.squeeze(h)) == pytest.approx(6 * 1.3)
    value, dx = symdiff.value_and_grad(f)(np.array(1.3))       # a 0-d array is an ndarray
    assert value == pytest.approx(1.3 ** 2) and float(dx) == pytest.approx(2.6)


def test_the_branch_not_taken_is_not_generated(module):
    text = symdiff.grad(module.array_or_number).source_for(np.ones(3))
    assert "isinstance" not in text and "** 3" not in text and "if " not in text


def test_containers_and_objects_answer_at_compile_time(module):
    x = np.array([0.3, 0.8, 1.1])
    value, dx = symdiff.value_and_grad(module.with_containers)(x, {"a": 2.0})
    assert value == pytest.approx(np.sum(2.0 * x ** 2) + np.sum(np.cos(x)))
    np.testing.assert_allclose(dx, 4.0 * x - np.sin(x))


def test_unknown_kind_is_refused_where_it_is_tested(module):
    with pytest.raises(symdiff.SymdiffError, match=r"x: float.*x: np\.ndarray") as info:
        print(symdiff.grad(module.array_or_number).source)
    assert info.value.loc.line == SOURCE.splitlines().index(
        "    if isinstance(x, np.ndarray):") + 1


def test_compile_folds_with_declared_kinds(tmp_path):
    path = tmp_path / "declared.py"
    path.write_text("import numpy as np\n\n\ndef f(x: np.ndarray, s: float):\n"
                    "    if isinstance(x, np.ndarray) and np.isscalar(s):\n"
                    "        return np.sum(x ** 2) * s\n    return x * s\n")
    text = compile_file(str(path))
    namespace = {}
    exec(compile(text, "declared_out", "exec"), namespace)
    x = np.array([0.5, 1.5])
    np.testing.assert_allclose(namespace["grad_f"](x, 2.0), 4.0 * x)
    path.write_text(path.read_text().replace("x: np.ndarray", "x"))
    with pytest.raises(symdiff.SymdiffError, match="annotate the parameter"):
        compile_file(str(path))


def test_compile_folds_with_shapes_given(tmp_path):
    path = tmp_path / "shaped.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n    if isinstance(x, np.ndarray):\n"
                    "        return np.sum(x ** 2)\n    return x\n")
    text = compile_file(str(path), shapes={"x": (3,)})
    assert "isinstance" not in text


def test_a_computed_number_is_refused(tmp_path):
    module = load_module(tmp_path, "computed", '''
        import numpy as np
        def f(x):
            s = np.sum(x)
            if isinstance(s, np.ndarray):
                return s
            return s * 2.0
    ''')
    with pytest.raises(symdiff.SymdiffError, match="np.ndim"):
        symdiff.grad(module.f)(np.ones(3))


def test_an_unknown_type_is_refused(tmp_path):
    module = load_module(tmp_path, "unknown_type", '''
        import numbers
        import numpy as np
        def f(x):
            if isinstance(x, numbers.Number):
                return x
            return np.sum(x)
    ''')
    with pytest.raises(symdiff.SymdiffError, match="does not know the type"):
        symdiff.grad(module.f)(np.ones(3))


def test_a_list_argument_is_refused_where_it_is_tested(module):
    with pytest.raises(symdiff.SymdiffError, match="passed as a list"):
        symdiff.grad(module.array_or_number)([0.5, 1.5])
