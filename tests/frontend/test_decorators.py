"""Decorated functions: symdiff differentiates what calling the function runs, or refuses
at the decorator; it never differentiates the undecorated body in its place.

Live functions (``symdiff.grad``): a decorator that returns the function itself is
differentiated; a wrapper is read from its own source when it does not claim to be the
inner function, and refused when it does (``functools.wraps``). ``symdiff compile`` runs
nothing, so it refuses every decorator.
"""
from __future__ import annotations

import ast

import numpy as np
import pytest

import symdiff
from symdiff import cli
from support import load_module, numerical_jacobian

MODULE = """\
import functools

import numpy as np
import symdiff

REGISTRY = []


def double(g):
    @functools.wraps(g)
    def wrapper(x):
        return 2.0 * g(x)
    return wrapper


def double_plain(g):
    def wrapper(x):
        return 2.0 * g(x)
    return wrapper


def register(g):
    REGISTRY.append(g)
    return g


@double
def wrapped(x):
    return np.sum(np.sin(x) * x)


@symdiff.grad
@double
def grad_of_wrapped(x):
    return np.sum(np.sin(x) * x)


@functools.lru_cache(maxsize=None)
def cached(x):
    return x * x


@double_plain
def wrapped_plainly(x):
    return np.sum(np.sin(x) * x)


@register
def registered(x):
    return np.sum(np.sin(x) * x)


@register
@register
def registered_twice(x, w):
    return np.sum(np.tanh(x * w))


@symdiff.grad
def grad_of_plain(x):
    return np.sum(np.sin(x) * x)


def calls_wrapped(x):
    return wrapped(x) + 1.0


def calls_registered(x):
    return registered(x) * 3.0


def plain(x):
    return np.sum(np.sin(x) * x)


wrapped_by_call = double(plain)
"""

X = np.array([0.4, -1.1, 2.3])


def base(x):
    return np.sum(np.sin(x) * x)


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("decorators"), "decorated", MODULE)


def line_of(text: str, needle: str) -> int:
    return text.split(needle)[0].count("\n") + 1


def assert_matches(fn, truth, x=X):
    expected = numerical_jacobian(truth, (x,), 0)
    np.testing.assert_allclose(symdiff.grad(fn)(x), expected, rtol=1e-6, atol=1e-9)
    value, g = symdiff.value_and_grad(fn)(x)
    np.testing.assert_allclose(value, truth(x), rtol=1e-12)
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name, decorator", [("wrapped", "@double"),
                                             ("cached", "@functools.lru_cache(maxsize=None)"),
                                             ("calls_wrapped", "@double")])
def test_a_live_wrapper_is_refused_at_its_decorator(module, name, decorator):
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(getattr(module, name))(X)
    err = info.value
    assert f"`{decorator}`" in err.message and "wraps" in err.message
    assert err.loc.line == line_of(MODULE, f"{decorator}\ndef {name.replace('calls_', '')}")
    assert err.loc.text == decorator and err.loc.col == 0
    assert "undecorated" in err.hint


def test_grad_over_a_wrapper_is_refused_when_called(module):
    with pytest.raises(symdiff.SymdiffError) as info:
        module.grad_of_wrapped(X)
    assert "`@double`" in info.value.message


def test_a_wrapper_made_by_a_call_is_refused(module):
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(module.wrapped_by_call)(X)
    assert "wrapper around another function" in info.value.message
    assert info.value.loc.line == line_of(MODULE, "def plain(x)")


def test_a_wrapper_that_does_not_claim_the_inner_function_is_differentiated(module):
    assert_matches(module.wrapped_plainly, lambda x: 2.0 * base(x))


def test_decorators_returning_the_function_itself_are_differentiated(module):
    assert_matches(module.registered, base)
    assert_matches(module.calls_registered, lambda x: 3.0 * base(x))
    w = np.array([0.3, 0.9, -0.5])
    expected = numerical_jacobian(lambda w: np.sum(np.tanh(X * w)), (w,), 0)
    np.testing.assert_allclose(symdiff.grad(module.registered_twice, wrt=1)(X, w), expected,
                               rtol=1e-6)
    np.testing.assert_allclose(module.grad_of_plain(X),
                               numerical_jacobian(base, (X,), 0), rtol=1e-6)


# ---------------------------------------------------------------- symdiff compile


@pytest.mark.parametrize("name, decorator", [
    ("wrapped", "@double"), ("cached", "@functools.lru_cache(maxsize=None)"),
    ("registered", "@register"), ("registered_twice", "@register"),
    ("grad_of_plain", "@symdiff.grad"), ("grad_of_wrapped", "@symdiff.grad"),
    ("wrapped_plainly", "@double_plain"), ("calls_wrapped", "@double"),
    ("calls_registered", "@register")])
def test_compile_refuses_a_decorated_function_and_calls_to_one(tmp_path, capsys, name,
                                                               decorator):
    model = tmp_path / "decorated_model.py"
    model.write_text(MODULE)
    code = cli.main(["compile", str(model), "-f", name])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    target = name.replace("calls_", "")
    line = next(n.decorator_list[0].lineno for n in ast.parse(MODULE).body
                if isinstance(n, ast.FunctionDef) and n.name == target)
    assert f"decorated_model.py:{line}:1: {target} is decorated with `{decorator}`" in err
    assert "hint: differentiate the undecorated function" in err
    assert code == cli.main(["check", str(model), "-f", name])
    assert "is decorated with" in capsys.readouterr().err


def test_compile_still_differentiates_the_undecorated_functions(tmp_path, capsys):
    model = tmp_path / "decorated_model.py"
    model.write_text(MODULE)
    out = tmp_path / "grad_plain.py"
    assert cli.main(["compile", str(model), "-f", "plain", "-o", str(out)]) == 0
    generated = load_module(tmp_path, "grad_plain", out.read_text())
    np.testing.assert_allclose(generated.grad_plain(X), numerical_jacobian(base, (X,), 0),
                               rtol=1e-6)


# ---------------------------------------------------------------- methods

METHODS = MODULE + '''

def double_any(g):
    def wrapper(*args):
        return 2.0 * g(*args)
    return wrapper


class Model:
    def __init__(self, w):
        self.w = w

    @double
    def energy(self, x):
        return np.sum(np.sin(self.w * x))

    @double_any
    def energy_plain(self, x):
        return np.sum(np.sin(self.w * x))

    @staticmethod
    def squared(x):
        return x * x

    def total(self, x):
        return np.sum(self.squared(self.w * x))


def loss_wrapped(w, x):
    return Model(w).energy(x)


def loss_plainly(w, x):
    return Model(w).energy_plain(x)


def loss_static(w, x):
    return Model(w).total(x)
'''


@pytest.mark.parametrize("name, method, decorator", [
    ("loss_wrapped", "energy", "@double"), ("loss_plainly", "energy_plain", "@double_any")])
def test_compile_refuses_a_method_under_a_decorator(tmp_path, capsys, name, method, decorator):
    """The file's class: the method's body is not what the decorator made of it."""
    model = tmp_path / "decorated_methods.py"
    model.write_text(METHODS)
    assert cli.main(["compile", str(model), "-f", name, "--wrt", "w"]) == 1
    err = capsys.readouterr().err
    line = line_of(METHODS, f"    {decorator}\n    def {method}")
    assert f"decorated_methods.py:{line}:5: {method} is decorated with `{decorator}`" in err


def test_compile_differentiates_a_static_method(tmp_path):
    model = tmp_path / "decorated_methods.py"
    model.write_text(METHODS)
    out = tmp_path / "grad_static.py"
    assert cli.main(["compile", str(model), "-f", "loss_static", "--wrt", "w",
                     "-o", str(out)]) == 0
    generated = load_module(tmp_path, "grad_static", out.read_text())
    w, x = np.array([0.5, -1.5, 2.0]), X

    def truth(w):
        return np.sum((w * x) ** 2)
    np.testing.assert_allclose(generated.grad_loss_static(w, x),
                               numerical_jacobian(truth, (w,), 0), rtol=1e-6)


def test_live_methods_follow_the_decorator_or_are_refused(tmp_path):
    m = load_module(tmp_path, "decorated_methods_live", METHODS)
    w = np.array([0.5, -1.5, 2.0])
    with pytest.raises(symdiff.SymdiffError, match="energy is decorated with `@double`"):
        symdiff.grad(m.loss_wrapped)(w, X)

    def truth(w):
        return 2.0 * np.sum(np.sin(w * X))
    value, g = symdiff.value_and_grad(m.loss_plainly)(w, X)
    assert value == pytest.approx(truth(w), rel=1e-12)
    np.testing.assert_allclose(g, numerical_jacobian(truth, (w,), 0), rtol=1e-6, atol=1e-9)
