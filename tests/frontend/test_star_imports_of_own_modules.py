"""``symdiff compile`` of a file with ``from helpers import *`` of a module of the user's
own: helpers.py next to it is read statically, the names it binds shadow the builtins
(its own ``sum``, or NumPy's through its own ``from numpy import *``) and its functions are
followed; a module that cannot be read so makes every builtin or unknown name a function
reads a located refusal naming the import. Checked against central differences of the
file itself, imported."""
from __future__ import annotations

import importlib.util
import itertools
import sys

import numpy as np
import pytest

import symdiff
from symdiff.cli import compile_file

HELPERS = '''
import numpy as np
from deeper import *

__version__ = "1"


def sum(x):
    return np.sum(x * 2.0)


def square(x):
    return x * x


_private = 3.0
'''

DEEPER = '''
from numpy import *
'''

MODEL = '''
import numpy as np
from {helpers} import *


def f(x):
    return sum(square(x)) + max(x) * len(x)


def g(x):
    total = 0.0
    for i in range(len(x)):
        total = total + square(x[i]) * abs(x[i])
    return total
'''

_count = itertools.count()


def _files(tmp_path, helpers=HELPERS, model=MODEL):
    """The model and its helpers written under names of their own; the model's path."""
    k = next(_count)
    (tmp_path / "deeper.py").write_text(DEEPER, encoding="utf-8")
    (tmp_path / f"helpers_{k}.py").write_text(helpers, encoding="utf-8")
    path = tmp_path / f"model_{k}.py"
    path.write_text(model.format(helpers=f"helpers_{k}"), encoding="utf-8")
    return path


def _load(path, name):
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(path.parent))


def _generated(path, **options):
    out = path.with_name(path.stem + f"_grad_{next(_count)}.py")
    out.write_text(compile_file(str(path), **options), encoding="utf-8")
    return _load(out, out.stem)


def _central(fn, x, eps=1e-6):
    return np.array([(fn(x + eps * e) - fn(x - eps * e)) / (2 * eps) for e in np.eye(x.size)])


def _second(fn, x, eps=1e-4):
    n = x.size
    units = np.eye(n) * eps
    return np.array([[(fn(x + units[i] + units[j]) - fn(x + units[i] - units[j]) -
                       fn(x - units[i] + units[j]) + fn(x - units[i] - units[j])) /
                      (4 * eps * eps) for j in range(n)] for i in range(n)])


X = np.array([0.7, -1.3, 2.1])


@pytest.mark.parametrize("name", ["f", "g"])
def test_names_a_sibling_module_binds_shadow_the_builtins(tmp_path, name):
    path = _files(tmp_path)
    source = _load(path, path.stem)
    fn = getattr(source, name)
    generated = _generated(path)
    value, grad = getattr(generated, f"value_and_grad_{name}")(X)
    assert value == pytest.approx(fn(X), rel=1e-12)
    np.testing.assert_allclose(grad, _central(fn, X), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(getattr(generated, f"grad_{name}")(X), grad, rtol=1e-12)
    forward = _generated(path, mode="forward")
    t = np.array([0.3, -0.5, 0.8])
    value, slope = getattr(forward, f"jvp_{name}")(X, t)
    assert value == pytest.approx(fn(X), rel=1e-12)
    assert slope == pytest.approx(float(grad @ t), rel=1e-6, abs=1e-8)
    second = _generated(path, order=2)
    np.testing.assert_allclose(getattr(second, f"hessian_{name}")(X), _second(fn, X),
                               rtol=1e-5, atol=1e-6)


def test_the_helper_sum_is_the_one_called(tmp_path):
    """helpers' ``sum`` doubles: a builtin or NumPy sum would give half the value."""
    path = _files(tmp_path)
    value = _generated(path).value_and_grad_f(X)[0]
    assert value == pytest.approx(2.0 * np.sum(X * X) + np.max(X) * 3, rel=1e-12)


def test_all_limits_what_the_star_import_binds(tmp_path):
    helpers = HELPERS + '\n__all__ = ["square"]\n'
    model = MODEL.replace("max(x) * len(x)", "len(x)")
    path = _files(tmp_path, helpers, model)
    fn = _load(path, path.stem).f
    value, grad = _generated(path, functions=["f"]).value_and_grad_f(X)
    assert value == pytest.approx(np.sum(X * X) + 3, rel=1e-12)       # Python's own sum
    assert value == pytest.approx(fn(X), rel=1e-12)
    np.testing.assert_allclose(grad, _central(fn, X), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("helpers", [None, HELPERS + "\n__all__ = [n for n in dir()]\n",
                                     HELPERS + "\nglobals()['sum'] = len\n",
                                     HELPERS + "\ntry:\n    from scipy import sum\n"
                                               "except ImportError:\n    pass\n"],
                         ids=["missing", "computed all", "globals", "in a try"])
def test_a_module_not_read_statically_refuses_the_names_it_may_bind(tmp_path, helpers):
    path = _files(tmp_path, helpers or HELPERS)
    if helpers is None:
        text = path.read_text(encoding="utf-8").replace("from helpers_", "from absent_")
        path.write_text(text, encoding="utf-8")
    with pytest.raises(symdiff.SymdiffError) as info:
        compile_file(str(path), functions=["f"])
    problems = info.value.problems
    assert [p.loc.text.strip() for p in problems] == ["return sum(square(x)) + max(x) * len(x)"] * 4
    assert [p.message.split("`")[1] for p in problems] == ["sum", "square", "max", "len"]
    first = problems[0]
    assert "import *` (line 3)" in first.message and first.loc.col == 11 and first.hint


def test_names_the_file_binds_itself_are_not_refused(tmp_path):
    model = '''
import numpy as np
from absent_module import *


def h(x, n):
    y = np.sin(x)
    return np.sum(y * y) * n
'''
    path = tmp_path / "own_names.py"
    path.write_text(model, encoding="utf-8")
    generated = _generated(path)
    value, grad = generated.value_and_grad_h(X, 2.0)
    assert value == pytest.approx(2.0 * np.sum(np.sin(X) ** 2), rel=1e-12)
    np.testing.assert_allclose(grad, _central(lambda z: 2.0 * np.sum(np.sin(z) ** 2), X),
                               rtol=1e-6, atol=1e-8)


def test_a_def_before_the_star_import_is_rebound_by_it(tmp_path):
    model = MODEL.replace("import numpy as np\n", "import numpy as np\n\n\ndef square(x):\n"
                                                  "    return x * 10.0\n\n\n", 1)
    path = _files(tmp_path, model=model)
    fn = _load(path, path.stem).f
    value, grad = _generated(path, functions=["f"]).value_and_grad_f(X)
    assert value == pytest.approx(fn(X), rel=1e-12)
    assert value == pytest.approx(2.0 * np.sum(X * X) + np.max(X) * 3, rel=1e-12)
    np.testing.assert_allclose(grad, _central(fn, X), rtol=1e-6, atol=1e-8)
