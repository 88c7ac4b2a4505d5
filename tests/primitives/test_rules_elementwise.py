"""Every row of the elementwise rule table becomes tests (style.md, convention 7).

For each row of ``rules.elementwise.TABLE`` (and each NumPy alias / ``math`` name that
maps to a row):

- ``np.<name>`` on (3, 4) arrays drawn from the row's domain, reduced with np.sum, is
  checked against central differences for every argument; binary rows also with
  broadcasting ((3, 1) with (1, 4), a float with an array);
- ``math.<name>`` on Python floats, where the math module has it;
- the derivative column (``"1/y, -x/y**2"``, ``"1 - out**2"``...) is parsed with SymPy
  and shown equal, at a few points, to what ``local_derivative`` produces and to the
  plain SymPy derivative of the forward expression;
- the kink conventions: ties in max/min split evenly, abs'(0) = 0, relu'(0) = 1/2,
  clip at a bound 1/2, sign' = 0.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
import sympy

import symdiff
from symdiff.primitives import elementwise as E
from support import assert_gradient, load_module

PARAMS = ("x", "y", "z")
SHAPE = (3, 4)
KINK_GAP = 0.05          # samples stay this far from every kink


def _target(name: str) -> str | None:
    row = E.lookup(name)
    return row.name if row is not None else None


#: (name users write, row) for np.<name>: every row, and every alias that maps to one.
NUMPY_CASES = [(name, name) for name in E.TABLE] + [
    (alias, target) for alias, target in sorted(E.NUMPY_ALIASES.items())
    if target is not None and hasattr(np, alias)]
#: (name users write, row) for math.<name>.
MATH_CASES = [(name, _target(name)) for name in sorted(E.MATH_FUNCTIONS)
              if hasattr(math, name) and _target(name) is not None]
#: Rows of two or more arguments: broadcasting cases.
MULTI_CASES = [(name, row) for name, row in NUMPY_CASES if E.TABLE[row].arity >= 2]
#: Argument shapes for the broadcasting tests, by arity (None: a Python float).
BROADCASTS = {
    2: [((3, 1), (1, 4)), ((1, 4), (3, 1)), (None, SHAPE), (SHAPE, None), ((4,), SHAPE),
        (SHAPE, (3, 1))],
    3: [(SHAPE, (3, 1), (1, 4)), (SHAPE, None, None), (None, (3, 1), (1, 4))],
}


# ---------------------------------------------------------------- the generated module


def _module_text() -> str:
    lines = ["import math", "import numpy as np", ""]
    for name, row in NUMPY_CASES:
        params = ", ".join(PARAMS[: E.TABLE[row].arity])
        lines += [f"def np_{name}({params}):", f"    return np.sum(np.{name}({params}))", ""]
    for name, row in MATH_CASES:
        params = ", ".join(PARAMS[: E.TABLE[row].arity])
        lines += [f"def math_{name}({params}):", f"    return math.{name}({params})", ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("elementwise"), "elementwise", _module_text())


# ---------------------------------------------------------------- sampling


def _kink_free(row: E.Elementwise, values) -> bool:
    """Away from ties between arguments and from 0 for abs/sign: smooth there."""
    if not row.kink:
        return True
    full = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in values])
    if row.name in ("abs", "sign") and np.min(np.abs(full[0])) < KINK_GAP:
        return False
    for a in range(len(full)):
        for b in range(a + 1, len(full)):
            if np.min(np.abs(full[a] - full[b])) < KINK_GAP:
                return False
    return True


def draw(row: E.Elementwise, shapes, seed: int):
    """Arguments from the row's domain (None shape: a Python float), away from kinks."""
    rng = np.random.default_rng(seed)
    lo, hi = row.domain
    lo, hi = lo + 0.01 * (hi - lo), hi - 0.01 * (hi - lo)    # open interval
    for _ in range(1000):
        values = [float(rng.uniform(lo, hi)) if s is None else rng.uniform(lo, hi, s)
                  for s in shapes]
        if _kink_free(row, values):
            return values
    raise AssertionError(f"could not sample {row.name} away from its kinks")


# ---------------------------------------------------------------- the table itself


def test_table_has_rows_and_every_row_is_a_numpy_function():
    assert len(E.TABLE) >= 30
    for name, row in E.TABLE.items():
        assert row.name == name
        assert hasattr(np, name), f"np.{name} does not exist"
        lo, hi = row.domain
        assert lo < hi
        assert row.arity in (1, 2, 3)


def test_every_alias_resolves_to_a_row():
    for alias, target in E.NUMPY_ALIASES.items():
        if target is None:
            assert E.lookup(alias) is None, alias
        else:
            assert E.lookup(alias) is E.TABLE[target], alias
    for name in E.MATH_FUNCTIONS:
        assert E.lookup(name, "math") is not None, f"math.{name} has no row"
        assert hasattr(math, name), f"math.{name} does not exist"


@pytest.mark.parametrize("name,row", NUMPY_CASES, ids=[c[0] for c in NUMPY_CASES])
def test_numpy_function_on_arrays(generated, name, row):
    spec = E.TABLE[row]
    args = draw(spec, [SHAPE] * spec.arity, seed=len(name))
    fn = getattr(generated, f"np_{name}")
    assert_gradient(fn, *args, wrt=tuple(range(spec.arity)))


@pytest.mark.parametrize("name,row", NUMPY_CASES, ids=[c[0] for c in NUMPY_CASES])
def test_numpy_function_on_floats(generated, name, row):
    spec = E.TABLE[row]
    args = draw(spec, [None] * spec.arity, seed=len(name) + 1)
    fn = getattr(generated, f"np_{name}")
    grads = assert_gradient(fn, *args, wrt=tuple(range(spec.arity)))
    assert all(isinstance(g, float) for g in grads)


@pytest.mark.parametrize("name,row", MATH_CASES, ids=[c[0] for c in MATH_CASES])
def test_math_function_on_floats(generated, name, row):
    spec = E.TABLE[row]
    args = draw(spec, [None] * spec.arity, seed=len(name) + 2)
    fn = getattr(generated, f"math_{name}")
    value, grads = symdiff.value_and_grad(fn, wrt=tuple(range(spec.arity)))(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    assert_gradient(fn, *args, wrt=tuple(range(spec.arity)))


BROADCAST_CASES = [(name, row, shapes) for name, row in MULTI_CASES
                   for shapes in BROADCASTS[E.TABLE[row].arity]]


def _shape_id(shapes) -> str:
    return "-".join("float" if s is None else "x".join(map(str, s)) for s in shapes)


@pytest.mark.parametrize("name,row,shapes", BROADCAST_CASES,
                         ids=[f"{n}-{_shape_id(s)}" for n, _, s in BROADCAST_CASES])
def test_broadcasting(generated, name, row, shapes):
    spec = E.TABLE[row]
    fn = getattr(generated, f"np_{name}")
    args = draw(spec, shapes, seed=100 + len(name))
    assert_gradient(fn, *args, wrt=tuple(range(spec.arity)))


# ---------------------------------------------------------------- the derivative column

X, Y, Z = E.X, E.Y, sympy.Symbol("_2", real=True)
ARGS = (X, Y, Z)
#: The names the derivative column uses.
TEXT_NAMES = {"x": X, "y": Y, "lo": Y, "hi": Z, "out": E.OUT, "H": sympy.Heaviside,
              "sign": sympy.sign, "log": sympy.log, "sqrt": sympy.sqrt, "sin": sympy.sin,
              "cos": sympy.cos, "sinh": sympy.sinh, "cosh": sympy.cosh}
#: A trailing note saying which arguments the text covers: ``"... (x only)"``.
ONLY = re.compile(r"^(?P<formula>.*?)\s*\((?P<names>[a-z, ]+) only\)$")


def _parse_column(row: E.Elementwise):
    """{argument position: SymPy expression} stated by the row, or None if not a formula."""
    text = row.derivative
    names = list(PARAMS[: row.arity]) if row.name != "clip" else ["x", "lo", "hi"]
    covered = list(range(row.arity))
    note = ONLY.match(text)
    if note:
        text = note["formula"]
        covered = [names.index(n.strip()) for n in note["names"].split(",")]
    parts = text.split(", ")
    if len(parts) == 1 and len(covered) > 1:
        return None
    assert len(parts) == len(covered), f"{row.name}: {len(parts)} derivatives for {covered}"
    try:
        return {i: sympy.sympify(p, locals=TEXT_NAMES) for i, p in zip(covered, parts)}
    except (sympy.SympifyError, SyntaxError, TypeError):
        return None


def _points(row: E.Elementwise):
    return [tuple(draw(row, [None] * row.arity, seed=s)) for s in range(4)]


def _evaluate(expr: sympy.Expr, forward: sympy.Expr, point) -> float:
    values = dict(zip(ARGS, point))
    out = float(forward.subs(values))
    return float(expr.subs({**values, E.OUT: out}))


FORMULA_ROWS = [name for name, row in E.TABLE.items() if row.derivative != "SymPy derives it"]


@pytest.mark.parametrize("name", FORMULA_ROWS)
def test_derivative_column_matches_local_derivative(name):
    row = E.TABLE[name]
    forward = row.forward(*ARGS[: row.arity])
    stated = _parse_column(row)
    if stated is None:
        # Not a formula: it must still name something, and local_derivative must agree
        # with SymPy's own derivative (checked for every row below).
        assert row.derivative.strip()
        return
    assert stated, name
    for i, expected in stated.items():
        local = E.local_derivative(forward, i)
        assert local.free_symbols <= {X, Y, Z, E.OUT}, (name, local)
        for point in _points(row):
            want = _evaluate(expected, forward, point)
            got = _evaluate(local, forward, point)
            assert got == pytest.approx(want, rel=1e-10, abs=1e-12), (name, i, point)


@pytest.mark.parametrize("name", list(E.TABLE))
def test_local_derivative_equals_sympy_derivative(name):
    """The output-reusing rewrite (tanh' = 1 - out**2) is the same function as d/dx."""
    row = E.TABLE[name]
    forward = row.forward(*ARGS[: row.arity])
    for i in range(row.arity):
        local = E.local_derivative(forward, i)
        plain = sympy.diff(forward, ARGS[i]).replace(sympy.DiracDelta, lambda *a: 0)
        for point in _points(row):
            got, want = _evaluate(local, forward, point), _evaluate(plain, forward, point)
            assert got == pytest.approx(want, rel=1e-10, abs=1e-12), (name, i, point)


def test_rows_that_reuse_the_output():
    """Design: exp' = out, tanh' = 1 - out**2 (no input needed)."""
    for name in ("exp", "tanh", "reciprocal", "sqrt"):
        row = E.TABLE[name]
        local = E.local_derivative(row.forward(X), 0)
        assert E.uses_output(local), name
        assert X not in local.free_symbols, name


def test_sigmoid_derivative_is_written_with_the_output():
    forward = 1 / (1 + sympy.exp(-X))
    local = E.local_derivative(forward, 0)
    assert X not in local.free_symbols
    assert sympy.simplify(local - E.OUT * (1 - E.OUT)) == 0


# ---------------------------------------------------------------- kinks


def np_maximum(x, y):
    return np.sum(np.maximum(x, y))


def np_minimum(x, y):
    return np.sum(np.minimum(x, y))


def builtin_max(a, b):
    return max(a, b)


def builtin_min(a, b):
    return min(a, b)


def np_abs(x):
    return np.sum(np.abs(x))


def builtin_abs(a):
    return abs(a)


def math_fabs(a):
    return math.fabs(a)


def relu(x):
    return np.sum(np.maximum(0, x))


def relu_right(x):
    return np.sum(np.maximum(x, 0.0))


def clip(x, lo, hi):
    return np.sum(np.clip(x, lo, hi))


def np_sign(x):
    return np.sum(np.sign(x) * x)


def sign_only(x):
    return np.sum(np.sign(x))


def test_np_maximum_and_minimum_split_ties_evenly():
    x = np.array([1.0, -2.0, 3.0, 0.5])
    y = np.array([1.0, -2.0, 0.0, 2.5])      # ties in the first two entries
    dx, dy = symdiff.grad(np_maximum, wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(dx, [0.5, 0.5, 1.0, 0.0])
    np.testing.assert_array_equal(dy, [0.5, 0.5, 0.0, 1.0])
    dx, dy = symdiff.grad(np_minimum, wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(dx, [0.5, 0.5, 0.0, 1.0])
    np.testing.assert_array_equal(dy, [0.5, 0.5, 1.0, 0.0])


@pytest.mark.parametrize("fn", [builtin_max, builtin_min])
def test_builtin_max_and_min_split_ties_evenly(fn):
    da, db = symdiff.grad(fn, wrt=(0, 1))(1.25, 1.25)
    assert (da, db) == (0.5, 0.5)
    assert isinstance(da, float) and isinstance(db, float)
    big, small = (0, 1) if fn is builtin_max else (1, 0)
    grads = symdiff.grad(fn, wrt=(0, 1))(2.0, -1.0)
    assert grads[big] == 1.0 and grads[small] == 0.0


def test_abs_at_zero_is_zero():
    x = np.array([0.0, -1.5, 2.0, 0.0])
    np.testing.assert_array_equal(symdiff.grad(np_abs)(x), [0.0, -1.0, 1.0, 0.0])
    assert symdiff.grad(builtin_abs)(0.0) == 0.0
    assert symdiff.grad(builtin_abs)(-3.0) == -1.0
    assert symdiff.grad(math_fabs)(0.0) == 0.0
    assert symdiff.grad(math_fabs)(2.0) == 1.0


@pytest.mark.parametrize("fn", [relu, relu_right])
def test_relu_at_zero_is_one_half(fn):
    x = np.array([0.0, -1.0, 2.0, 0.0, 1e-3])
    np.testing.assert_array_equal(symdiff.grad(fn)(x), [0.5, 0.0, 1.0, 0.5, 1.0])


def test_clip_at_a_bound_is_one_half():
    x = np.array([-1.0, 1.0, 0.0, -3.0, 3.0])
    dx, dlo, dhi = symdiff.grad(clip, wrt=(0, 1, 2))(x, -1.0, 1.0)
    np.testing.assert_array_equal(dx, [0.5, 0.5, 1.0, 0.0, 0.0])
    assert dlo == 0.5 + 1.0          # half at x == lo, all of it where x < lo
    assert dhi == 0.5 + 1.0


def test_sign_has_zero_derivative():
    x = np.array([0.0, -1.5, 2.0])
    np.testing.assert_array_equal(symdiff.grad(sign_only)(x), [0.0, 0.0, 0.0])
    # d(sign(x) * x) = sign(x) (+ x * sign'(x) = 0): abs by another name
    np.testing.assert_array_equal(symdiff.grad(np_sign)(x), [0.0, -1.0, 1.0])
