"""Robustness: valid programs of any depth and length compile, user names never collide
with generated ones, odd arguments get a clear error, keywords bind as in Python.

Every gradient here is checked against central differences (``symdiff.check_grad``, or
``numerical_jacobian`` for code written by ``symdiff compile``).
"""
import importlib.util
import inspect
import textwrap

import numpy as np
import pytest

import symdiff
from symdiff import cli
from symdiff.backend import codegen
from symdiff.api import ArgumentError
from symdiff.util.deep import deep
from symdiff.ad.emit import SUM_CHUNK
from symdiff.optimize.fuse import MAX_FUSED, expression_size
from symdiff.ir import Function, If, Var, nodes
from symdiff.frontend.parse import source_of
from symdiff.pipeline import forward_ir
from support import as_tuple, load_module, numerical_jacobian


def _module(tmp_path, text: str):
    return load_module(tmp_path, "robust", "import numpy as np\n\n" + text)


def _value_and_grad_agree(fn, args, wrt, compiled=None):
    """value_and_grad's value is f's own, its gradients those of central differences
    (``compiled``: the value_and_grad to call, compiled once for several inputs)."""
    compiled = compiled or symdiff.value_and_grad(fn, wrt=wrt)
    value, grads = compiled(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12, atol=1e-12)
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    for i, got in zip(positions, as_tuple(grads, isinstance(wrt, tuple))):
        assert np.shape(got) == np.shape(args[i])
        np.testing.assert_allclose(got, numerical_jacobian(fn, args, i), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- deep nesting


@pytest.mark.parametrize("depth, outer", [(159, "np.sin({})"), (199, "np.sin({})"),
                                          (199, "np.tanh(0.5 * {})"), (199, "({} * 0.9 + 0.1)")])
def test_expressions_nested_as_deep_as_python_allows(tmp_path, depth, outer):
    expr = "x"
    for _ in range(depth):
        expr = outer.format(expr)
    module = _module(tmp_path, f"def f(x, w):\n    return np.sum({expr} * w)\n")
    _value_and_grad_agree(module.f, (np.array([0.3, -0.2, 0.7]), 1.5), (0, 1))


def _elif_chain(n: int) -> str:
    lines = ["def f(x, k):", "    if k == 0:", "        y = x * 1.5"]
    for i in range(1, n):
        lines += [f"    elif k == {i}:", f"        y = np.sin(x * {1 + i % 4}.0) + x * {i % 3}.0"]
    lines += ["    else:", "        y = x * x", "    return np.sum(y)"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("n", [120, 400])
def test_long_elif_chains_stay_flat(tmp_path, n):
    module = _module(tmp_path, _elif_chain(n))
    x = np.array([0.3, -0.4])
    compiled = symdiff.value_and_grad(module.f)
    for k in (0, 1, n // 2, n - 1, n + 5):         # first, second, middle, last, else
        _value_and_grad_agree(module.f, (x, k), 0, compiled)
    source = symdiff.grad(module.f).source
    assert source.count("elif ") >= 2 * (n - 1)     # forward and backward chains
    deepest = max(len(line) - len(line.lstrip()) for line in source.splitlines())
    assert deepest <= 4 * 4


def test_elif_with_a_compound_test_is_still_right(tmp_path):
    module = _module(tmp_path, textwrap.dedent("""
        def f(x, a):
            if a > 2.0:
                y = x * a
            elif a > 1.0 and a < 1.5:
                y = np.exp(x) * a
            elif not a > 0.0:
                y = x * x
            else:
                y = np.tanh(x) * a
            return np.sum(y)
    """))
    x = np.array([0.2, -0.6, 1.1])
    compiled = symdiff.value_and_grad(module.f, wrt=(0, 1))
    for a in (2.5, 1.2, 1.7, -0.5):
        _value_and_grad_agree(module.f, (x, a), (0, 1), compiled)


def test_ifs_nested_as_deep_as_python_allows(tmp_path):
    lines = ["def f(x):", "    y = x"]
    depth = 96
    for i in range(depth):
        lines.append("    " * (i + 1) + f"if x > {-i - 1}.0:")
    lines.append("    " * (depth + 1) + "y = x * np.sin(x)")
    lines.append("    return y")
    module = _module(tmp_path, "\n".join(lines) + "\n")
    compiled = symdiff.value_and_grad(module.f)
    for x in (0.3, -50.5, -200.0):
        _value_and_grad_agree(module.f, (x,), 0, compiled)


def test_blocks_too_deep_for_python_are_a_located_error(tmp_path):
    module = _module(tmp_path, "def f(x):\n    return x * 2.0\n")
    fn = forward_ir(source_of(module.f))
    loc = fn.body[0].loc
    inner = fn.body
    for _ in range(codegen.MAX_DEPTH + 2):
        inner = (If(Var("x"), inner, (), (), (), (), loc),)
    deep = Function("grad_f", fn.params, inner, fn.result, fn.loc)
    with pytest.raises(symdiff.SymdiffError, match="indentation") as info:
        codegen.module_source([(deep, "")], "deep")
    assert info.value.loc == loc and info.value.hint


def test_a_stage_deeper_than_any_stack_is_a_located_error(tmp_path):
    module = _module(tmp_path, "def f(x):\n    return x * 2.0\n")
    src = source_of(module.f)

    def endless(src, k=0):
        return endless(src, k + 1)

    with pytest.raises(symdiff.SymdiffError, match="nested too deeply") as info:
        deep(endless)(src)
    assert info.value.loc.line == 3 and info.value.hint
    assert deep(lambda src, n: n * 2)(src, 21) == 42           # a stage that returns


# ---------------------------------------------------------------- long functions


def _chain(n: int) -> str:
    lines = ["def f(x, w, k):", "    a_0 = x"]
    lines += [f"    a_{i} = np.tanh(a_{i - 1}) * w + np.sin(a_{i // 2}) * k" for i in range(1, n)]
    return "\n".join(lines + [f"    return np.sum(a_{n - 1})"]) + "\n"


@pytest.mark.parametrize("n", [329, 2000])
def test_a_long_chain_whose_values_are_used_many_times(tmp_path, n):
    module = _module(tmp_path, _chain(n))
    args = (np.array([0.1, -0.3]), 0.5, 0.01)
    compiled = symdiff.value_and_grad(module.f, wrt=(0, 1, 2))
    _value_and_grad_agree(module.f, args, (0, 1, 2), compiled)
    _sums_are_bounded(compiled.source_for(*args))


def _sums_are_bounded(source: str) -> None:
    """No generated line adds more than SUM_CHUNK terms: w's gradient, from every line
    that reads w, is added up chunk by chunk."""
    widest = max(line.split("#")[0].count(" + ") for line in source.splitlines())
    assert widest < SUM_CHUNK


@pytest.mark.parametrize("n", [450, 600])
def test_many_independent_lines_reading_the_same_inputs(tmp_path, n):
    lines = ["def f(x, w):", "    s = 0.0"]
    lines += [f"    s = s + np.sum(np.sin(x * w + {i % 7}.0)) * {1 + i % 3}.0" for i in range(n)]
    module = _module(tmp_path, "\n".join(lines + ["    return s"]) + "\n")
    _value_and_grad_agree(module.f, (np.array([0.2, 0.4]), 0.7), (0, 1))


@pytest.mark.parametrize("n", [400, 2000])
def test_loops_with_long_bodies(tmp_path, n):
    lines = ["def f(x, w):", "    h = x", "    for i in range(3):"]
    lines += [f"        h = h * w + np.sin(x) * {(i % 5) / 10.0}" for i in range(n)]
    module = _module(tmp_path, "\n".join(lines + ["    return np.sum(h)"]) + "\n")
    _value_and_grad_agree(module.f, (np.array([0.2, -0.1]), 0.999), (0, 1))


@pytest.mark.parametrize("n", [100, 300])
def test_a_long_sum_on_one_line(tmp_path, n):
    terms = " + ".join(f"np.sin(x * {1 + i % 9}.0) * {i % 4 + 1}.0" for i in range(n))
    module = _module(tmp_path, f"def f(x):\n    return np.sum({terms})\n")
    fused = [expression_size(n.param("expr")) for n in nodes(forward_ir(source_of(module.f)).body)
             if n.op == "ew"]
    assert max(fused) <= MAX_FUSED          # SymPy never sees the whole line as one formula
    args = (np.array([0.3, 0.5, -0.2]),)
    compiled = symdiff.value_and_grad(module.f)
    _value_and_grad_agree(module.f, args, 0, compiled)
    _sums_are_bounded(compiled.source_for(*args))


# ---------------------------------------------------------------- names


COLLIDING = """
import numpy


def f(x, np, unbroadcast, tmp):
    tmp_1 = x * unbroadcast
    dx = tmp_1 * tmp + np
    cond = dx * dx
    tmp_3 = numpy.tanh(cond) + x
    tape_x = tmp_3 * tmp_1
    return numpy.sum(tape_x * dx)


def g(W, x, matmul_vjp_left, matmul_vjp_right, math):
    h = numpy.tanh(x @ W) * matmul_vjp_left
    dh = h + matmul_vjp_right * math
    dW = numpy.sum(dh * dh)
    return dW


def h(x, w, tape_x, k):
    tape_h = x
    for i in range(4):
        tmp = numpy.sin(tape_h * w)
        tape_h = tmp + tape_x * k
    dtape_h = numpy.sum(tape_h ** 2)
    return dtape_h
"""


def _colliding_cases():
    rng = np.random.default_rng(3)
    return {
        "f": ((rng.normal(size=(2, 3)), 0.7, rng.normal(size=3), rng.normal(size=(2, 1))),
              (0, 1, 2, 3)),
        "g": ((rng.normal(size=(3, 2)), rng.normal(size=(4, 3)), rng.normal(size=2),
               rng.normal(size=(4, 2)), 1.3), (0, 1, 2, 3, 4)),
        "h": ((rng.normal(size=3), 0.8, rng.normal(size=3), 0.4), (0, 1, 2, 3)),
    }


def test_user_names_that_collide_with_generated_ones_through_grad(tmp_path):
    module = load_module(tmp_path, "names", COLLIDING)
    for name, (args, wrt) in _colliding_cases().items():
        fn = getattr(module, name)
        _value_and_grad_agree(fn, args, wrt)
        g = symdiff.grad(fn, wrt=wrt)
        namespace: dict = {}
        exec(compile(g.source, "<generic>", "exec"), namespace)     # the shape-generic code
        for got, want in zip(namespace[f"grad_{name}"](*args), g(*args)):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_user_names_that_collide_with_generated_ones_through_compile(tmp_path):
    model = tmp_path / "colliding.py"
    model.write_text(COLLIDING)
    user = load_module(tmp_path, "names", COLLIDING)
    for name, (args, wrt) in _colliding_cases().items():
        fn = getattr(user, name)
        params = list(inspect.signature(fn).parameters)
        out = tmp_path / f"colliding_{name}.py"
        assert cli.main(["compile", str(model), "-f", name, "--wrt",
                         ",".join(params[i] for i in wrt), "-o", str(out)]) == 0
        spec = importlib.util.spec_from_file_location(f"colliding_{name}", out)
        compiled = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(compiled)
        grads = getattr(compiled, f"grad_{name}")(*args)
        value, again = getattr(compiled, f"value_and_grad_{name}")(*args)
        np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
        assert len(grads) == len(again) == len(wrt)
        for i, got in zip(wrt, grads):
            np.testing.assert_allclose(got, numerical_jacobian(fn, args, i), rtol=1e-6,
                                       atol=1e-8)


def test_a_user_variable_named_tmp_keeps_its_gradient_line(tmp_path):
    module = _module(tmp_path, textwrap.dedent("""
        def f(x):
            tmp = x * 2.0
            q = tmp + 1.0
            return q * q

        def g(x):
            t = x * 2.0
            q = t + 1.0
            return q * q
    """))
    for fn, name in ((module.f, "tmp"), (module.g, "t")):
        _value_and_grad_agree(fn, (0.3,), 0)
        source = symdiff.grad(fn).source
        assert f"    d{name} = 2 * q" in source       # the user's variable's gradient, named
    lines = [symdiff.grad(fn).source.count("\n") for fn in (module.f, module.g)]
    assert lines[0] == lines[1]                      # the same code, whatever the name


def test_generated_temporaries_never_take_user_names(tmp_path):
    module = _module(tmp_path, textwrap.dedent("""
        def f(x, y):
            tmp = x * y
            tmp_1 = np.sin(tmp) + x
            tmp_2 = tmp_1 * tmp
            return np.sum(tmp_2 * tmp_1)
    """))
    args = (np.array([0.5, -0.2]), np.array([0.3, 0.9]))
    _value_and_grad_agree(module.f, args, (0, 1))
    source = symdiff.grad(module.f, wrt=(0, 1)).source
    for line in ("tmp = x * y", "tmp_1 = x + np.sin(tmp)", "tmp_2 = tmp_1 * tmp"):
        assert line in source


# ---------------------------------------------------------------- odd arguments


def test_complex_results_are_a_clear_error(tmp_path):
    module = _module(tmp_path, textwrap.dedent("""
        def f(x):
            return x ** 0.5

        def g(x, p):
            return (x - 5.0) ** p + x
    """))
    for fn, args in ((module.f, (-4.0,)), (module.g, (1.0, 1.5))):
        for make in (symdiff.grad, symdiff.value_and_grad):
            with pytest.raises(symdiff.SymdiffError, match="complex") as info:
                make(fn)(*args)
            assert info.value.loc is not None and info.value.hint
    _value_and_grad_agree(module.f, (4.0,), 0)           # where it is real, it is right


def test_ragged_lists_and_lists_of_other_things_are_refused(tmp_path):
    module = _module(tmp_path, textwrap.dedent("""
        def f(x, ws):
            return np.sum(x * ws[0])
    """))
    g = symdiff.grad(module.f)
    for bad, words in (([[1.0, 2.0], [3.0]], "ragged"), (["a", "b"], "str")):
        with pytest.raises(symdiff.SymdiffError, match=words) as info:
            g(np.ones(2), bad)
        assert isinstance(info.value, TypeError) and "`ws`" in str(info.value)
    with pytest.raises(symdiff.SymdiffError, match="ragged"):
        g([[1.0], [2.0, 3.0]], [np.ones(2)])


def test_lists_and_tuples_of_arrays_that_numpy_reads(tmp_path):
    module = _module(tmp_path, textwrap.dedent("""
        def f(x, ws):
            return np.sum(np.tanh(x * ws[0]) + ws[1] * x)
    """))
    x, a, b = np.array([0.1, 0.5]), np.array([1.5, -0.5]), np.array([0.3, 0.2])
    want = symdiff.grad(module.f)(x, np.stack([a, b]))
    for ws in ([a, b], (a, b), [list(a), list(b)]):
        np.testing.assert_allclose(symdiff.grad(module.f)(x, ws), want, rtol=1e-12)
    symdiff.check_grad(module.f, x, np.stack([a, b]), wrt=0)
    got = symdiff.grad(module.f)([0.1, 0.5], (a, b))            # a list of floats for x
    np.testing.assert_allclose(got, want, rtol=1e-12)
    with pytest.raises(symdiff.SymdiffError, match="integers"):
        symdiff.grad(module.f)([1, 2], (a, b))                  # integers: no gradient


def test_a_list_of_integers_is_indices(tmp_path):
    module = _module(tmp_path, textwrap.dedent("""
        def f(x, i):
            return np.sum(x[i] ** 2)
    """))
    x = np.array([0.5, -1.0, 2.0, 0.25])
    for index in ([0, 2, 2], [3], [1, 0, 3, 3, 3]):
        got = symdiff.grad(module.f)(x, index)
        np.testing.assert_allclose(got, symdiff.grad(module.f)(x, np.array(index)))
        want = numerical_jacobian(lambda v, index=index: module.f(v, np.array(index)), (x,), 0)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    with pytest.raises(symdiff.SymdiffError, match="integers"):
        symdiff.grad(module.f, wrt=1)(x, [0, 2])              # indices have no gradient


# ---------------------------------------------------------------- keyword arguments


LOSS = """
def loss(w, X, y, reg=0.1):
    r = X @ w - y
    return np.sum(r ** 2) + reg * np.sum(w ** 2)

def vec(x, M, scale=1.0):
    return np.tanh(np.dot(x, M)) * scale
"""


def _data():
    rng = np.random.default_rng(5)
    return rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=4)


def test_keyword_arguments_bind_as_in_python(tmp_path):
    module = _module(tmp_path, LOSS)
    w, X, y = _data()
    for wrt in (0, (0, "reg")):
        g = symdiff.grad(module.loss, wrt=wrt)
        vg = symdiff.value_and_grad(module.loss, wrt=wrt)
        for reg in (0.1, 0.7):
            positional = g(w, X, y, reg)
            for kwargs in ({"X": X, "y": y, "reg": reg}, {"y": y, "reg": reg, "X": X}):
                got = g(w, **kwargs)
                several = isinstance(wrt, tuple)
                for a, b in zip(as_tuple(got, several), as_tuple(positional, several)):
                    np.testing.assert_allclose(a, b, rtol=1e-12)
                value, _ = vg(w, **kwargs)
                np.testing.assert_allclose(value, module.loss(w, X, y, reg), rtol=1e-12)
            symdiff.check_grad(module.loss, w, X, y, reg, wrt=wrt)
    np.testing.assert_allclose(symdiff.grad(module.loss)(w=w, X=X, y=y),
                               symdiff.grad(module.loss)(w, X, y), rtol=1e-12)


def test_keyword_arguments_for_forward_mode_jacobians_and_hessians(tmp_path):
    module = _module(tmp_path, LOSS)
    w, X, y = _data()
    value, tangent = symdiff.jvp(module.loss)(w, np.ones(3), X=X, y=y)
    assert (value, tangent) == symdiff.jvp(module.loss)(w, X, y, np.ones(3))
    np.testing.assert_allclose(symdiff.hessian(module.loss)(w, X=X, y=y, reg=0.3),
                               2 * X.T @ X + 0.6 * np.eye(3), rtol=1e-10)
    for mode in ("forward", "reverse"):
        jac = symdiff.jacobian(module.vec, mode=mode)(w, M=X.T, scale=2.0)
        want = numerical_jacobian(module.vec, (w, X.T, 2.0), 0)
        np.testing.assert_allclose(jac, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("call, words", [
    (lambda g, w, X, y: g(w, X=X), "loss() missing 1 required positional argument: 'y'"),
    (lambda g, w, X, y: g(w, X, y, z=1.0), "loss() got an unexpected keyword argument 'z'"),
    (lambda g, w, X, y: g(w, X, X=X, y=y), "loss() got multiple values for argument 'X'"),
    (lambda g, w, X, y: g(X=X, y=y), "loss() missing 1 required positional argument: 'w'"),
])
def test_wrong_keyword_arguments_are_worded_as_python_words_them(tmp_path, call, words):
    module = _module(tmp_path, LOSS)
    w, X, y = _data()
    with pytest.raises(TypeError) as python:
        call(module.loss, w, X, y)
    assert str(python.value) == words
    for make in (symdiff.grad, symdiff.value_and_grad, symdiff.hessian):
        with pytest.raises(ArgumentError) as info:
            call(make(module.loss), w, X, y)
        assert words in str(info.value) and info.value.loc is not None
        assert isinstance(info.value, (symdiff.SymdiffError, TypeError))
