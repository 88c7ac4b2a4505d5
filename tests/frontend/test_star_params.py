"""Helpers with ``*args``, keyword-only parameters and ``**kwargs`` are inlined as Python
binds them (``star_programs_corpus``): gradients and values against central differences,
refusals located where the structure is not static."""
from __future__ import annotations

import numpy as np
import pytest

import symdiff
import star_programs_corpus as corpus
from support import load_module, numerical_jacobian
from symdiff.cli import compile_file


@pytest.mark.parametrize("make", [m for _, m in corpus.CASES], ids=[n for n, _ in corpus.CASES])
def test_star_helpers_match_differences(make):
    fn, args, wrt = make(np.random.default_rng(5))
    several = isinstance(wrt, tuple)
    value, grads = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    for i, g in zip(wrt if several else (wrt,), grads if several else (grads,)):
        np.testing.assert_allclose(g, numerical_jacobian(fn, args, i), rtol=1e-6, atol=1e-7)
    assert symdiff.check_grad(fn, *args, wrt=wrt)


def test_a_star_helper_compiles(tmp_path):
    """``symdiff compile`` inlines them too; the module runs with NumPy."""
    source = compile_file(corpus.__file__, ["penalties"], wrt=(0, 1))
    module = load_module(tmp_path, "star", source)
    w, x = np.array([0.3, -0.7, 1.1]), np.array([0.5, 0.2, -0.4])
    value, (dw, dx) = module.value_and_grad_penalties(w, x)
    assert value == pytest.approx(corpus.penalties(w, x), rel=1e-12)
    np.testing.assert_allclose(dw, numerical_jacobian(corpus.penalties, (w, x), 0), rtol=1e-6)
    np.testing.assert_allclose(dx, numerical_jacobian(corpus.penalties, (w, x), 1), rtol=1e-6)


REFUSED = {
    "star_of_an_array": ("def helper(x, *args):\n    return x * len(args)\n\n"
                         "def f(x, w):\n    return np.sum(helper(x, *w))\n",
                         "cannot iterate over `w` at compile time", 5),
    "unknown_keyword": ("def helper(x, *args):\n    return x\n\n"
                        "def f(x):\n    return np.sum(helper(x, y=x))\n",
                        "`helper` has no parameter `y`", 5),
    "missing_keyword_only": ("def helper(x, *, scale):\n    return x * scale\n\n"
                             "def f(x):\n    return np.sum(helper(x))\n",
                             "`helper` is missing its argument `scale`", 5),
    "given_twice": ("def helper(x, **kw):\n    return x\n\n"
                    "def f(x):\n    return np.sum(helper(x, x=x))\n",
                    "`helper` is given `x` twice", 5),
    "too_many_positional": ("def helper(x, *, k=1.0):\n    return x * k\n\n"
                            "def f(x):\n    return np.sum(helper(x, 2.0))\n",
                            "`helper` takes 1 positional arguments, got 2", 5),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_where_the_structure_is_not_static(tmp_path, name):
    text, message, line = REFUSED[name]
    module = load_module(tmp_path, name, "import numpy as np\n\n" + text)
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(module.f)(np.array([0.1, 0.2]), *([np.ones(2)] if "f(x, w)" in text else []))
    err = info.value
    assert message in err.message and err.loc.line == line + 2 and err.hint


def test_is_none_is_folded_only_where_the_value_is_known(tmp_path):
    """``weights is None`` on a default or a container is known at compile time; on the
    differentiated function's own argument (which may be None at run time) it is not."""
    module = load_module(tmp_path, "is_none", '''
        import numpy as np

        def helper(x, *args, weights=None):
            if weights is None and not args:
                return x * 2.0
            return x * (weights if weights is not None else 1.0) * len(args)

        def f(x):
            return np.sum(helper(x) + helper(x, x, weights=3.0) + helper(x, x, x))

        def g(x, mask=None):
            if mask is None:
                return np.sum(x)
            return np.sum(x * mask)
        ''')
    x = np.array([0.3, -0.4])
    np.testing.assert_allclose(symdiff.grad(module.f)(x), numerical_jacobian(module.f, (x,), 0),
                               rtol=1e-6)
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(module.g)(x)
    assert info.value.loc.line == 13 and "Is" in info.value.message
