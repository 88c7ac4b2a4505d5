"""Real programs (``programs_corpus``): gradients against central differences.

The ground truth walks the argument's structure here (dicts, lists, tuples, objects),
perturbs every float element by +-eps on a copy and calls the program itself: nothing of
symdiff's is used to compute it.
"""
from __future__ import annotations

import copy
import functools
import inspect
import textwrap
import types

import numpy as np
import pytest

import symdiff
import programs_corpus as corpus
from support import load_module, numerical_jacobian

EPS = 1e-6


# ---------------------------------------------------------------- ground truth


def _leaves(tree, path=()):
    """(path, value) of every float number or float array inside ``tree``."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(tree, (list, tuple)) and any(isinstance(v, (np.ndarray, dict, list, tuple))
                                                 or hasattr(v, "__dict__") for v in tree):
        for k, v in enumerate(tree):
            yield from _leaves(v, path + (k,))
    elif hasattr(tree, "__dict__") and not isinstance(tree, (np.ndarray, types.FunctionType)):
        for k, v in vars(tree).items():
            yield from _leaves(v, path + (k,))
    elif isinstance(tree, (float, np.floating)) or \
            isinstance(tree, (np.ndarray, tuple, list)) and np.asarray(tree).dtype.kind == "f":
        yield path, tree


def _replaced(tree, path, new):
    """A copy of ``tree`` with the entry at ``path`` replaced (containers copied on the way)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        out = dict(tree)
        out[head] = _replaced(tree[head], rest, new)
        return out
    if isinstance(tree, (list, tuple)):
        items = list(tree)
        items[head] = _replaced(items[head], rest, new)
        return items if isinstance(tree, list) else tuple(items)
    out = copy.copy(tree)
    setattr(out, head, _replaced(getattr(tree, head), rest, new))
    return out


def _at(tree, path):
    for step in path:
        tree = tree[step] if isinstance(tree, (dict, list, tuple)) else getattr(tree, step)
    return tree


def _roots(fn, args, wrt):
    """What each wrt item differentiates, as (get the root, call with a new root)."""
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    plain = fn.func if isinstance(fn, functools.partial) else fn
    obj = plain.__self__ if isinstance(plain, types.MethodType) else None
    names = list(inspect.signature(fn).parameters)
    out = []
    for item in items:
        if isinstance(item, str) and item not in names:
            out.append((getattr(obj, item),
                        lambda new, item=item: plain.__func__(
                            _replaced(obj, (item,), new), *args)))
            continue
        i = names.index(item) if isinstance(item, str) else item
        out.append((args[i], lambda new, i=i: fn(*args[:i], new, *args[i + 1:])))
    return out


def numerical(fn, args, wrt):
    """Central differences of ``fn`` for every float element under each wrt root:
    a list (one per root) of {path: array of derivatives}."""
    found = []
    for root, call in _roots(fn, args, wrt):
        grads = {}
        for path, value in _leaves(root):
            x = np.array(value, dtype=float)
            g = np.zeros(x.shape)
            for k in range(x.size):
                values = []
                for step in (EPS, -EPS):
                    moved = x.copy()
                    moved.reshape(-1)[k] += step
                    new = moved if isinstance(value, np.ndarray) else \
                        float(moved) if x.ndim == 0 else moved.tolist()
                    values.append(float(call(_replaced(root, path, new))))
                g.reshape(-1)[k] = (values[0] - values[1]) / (2 * EPS)
            grads[path] = g
        found.append(grads)
    return found


def assert_matches(got, want, several):
    got = got if several else (got,)
    assert len(got) == len(want)
    for tree, expected in zip(got, want):
        for path, g in expected.items():
            actual = _at(tree, path)
            assert np.shape(actual) == g.shape, (path, np.shape(actual), g.shape)
            np.testing.assert_allclose(actual, g, rtol=1e-5, atol=1e-6, err_msg=str(path))


# ---------------------------------------------------------------- the corpus


@pytest.mark.parametrize("case", corpus.CASES, ids=[c.id for c in corpus.CASES])
def test_program_gradient_and_value(case):
    fn, args, wrt = case.make(np.random.default_rng(7))
    several = isinstance(wrt, tuple)
    want = numerical(fn, args, wrt)
    got = symdiff.grad(fn, wrt=wrt)(*args)
    assert_matches(got, want, several)
    value, again = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    assert_matches(again, want, several)


def test_a_dict_gradient_is_a_dict_with_the_same_keys():
    fn, args, wrt = corpus._mlp(np.random.default_rng(1))
    grads = symdiff.grad(fn)(*args)
    assert isinstance(grads, dict) and list(grads) == list(args[0])
    for k, v in args[0].items():
        assert isinstance(grads[k], np.ndarray) and grads[k].shape == v.shape


def test_a_method_gradient_is_the_structure_of_its_attribute():
    net = corpus.TwoLayerNet(3, 4, 2)
    X, y = np.random.default_rng(2).standard_normal((4, 3)), np.array([0, 1, 1, 0])
    grads = symdiff.grad(net.loss, wrt="params")(X, y)
    assert sorted(grads) == sorted(net.params)
    dX = symdiff.grad(net.loss)(X, y)            # wrt=0: the method's first argument
    assert dX.shape == X.shape
    assert_matches(dX, numerical(net.loss, (X, y), 0), False)


def test_a_plain_attribute_is_read_when_the_gradient_is_called():
    net = corpus.TwoLayerNet(3, 4, 2, reg=0.0)
    X, y = np.random.default_rng(3).standard_normal((4, 3)), np.array([0, 1, 1, 0])
    g = symdiff.grad(net.loss, wrt="params")
    before = g(X, y)["W1"]
    net.reg = 1.0
    after = g(X, y)["W1"]
    np.testing.assert_allclose(after - before, 2.0 * net.params["W1"], rtol=1e-10)


def test_integer_entries_of_a_structure_get_none(tmp_path):
    module = load_module(tmp_path, "ints", textwrap.dedent("""
        import numpy as np

        def f(p, x):
            return np.sum(x * p["w"]) * p["k"]
    """))
    x = np.array([0.5, -1.0])
    grads = symdiff.grad(module.f)({"w": np.array([1.0, 2.0]), "k": 3}, x)
    assert grads["k"] is None
    np.testing.assert_allclose(grads["w"], 3 * x)


def test_the_closure_is_read_at_call_time():
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((5, 3)), rng.standard_normal(5)
    loss = corpus.make_loss(X, y, 0.0)
    w = rng.standard_normal(3)
    g = symdiff.grad(loss)
    np.testing.assert_allclose(g(w), 2 * X.T @ (X @ w - y), rtol=1e-10)
    X[:] = rng.standard_normal((5, 3))           # the same array, new values
    np.testing.assert_allclose(g(w), 2 * X.T @ (X @ w - y), rtol=1e-10)


def test_scipy_minimize_with_a_lambda_and_a_closure():
    optimize = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    for loss in (corpus.lambda_loss(X, y), lambda w: corpus.least_squares(w, X, y)):
        result = optimize.minimize(loss, np.zeros(3), jac=symdiff.grad(loss), method="BFGS")
        assert result.success
        np.testing.assert_allclose(symdiff.grad(loss)(result.x), 0.0, atol=1e-5)
    solution = np.linalg.solve(X.T @ X, X.T @ y)
    result = optimize.minimize(lambda w: corpus.least_squares(w, X, y), np.zeros(3),
                               jac=symdiff.grad(lambda w: corpus.least_squares(w, X, y)))
    np.testing.assert_allclose(result.x, solution, rtol=1e-4)


def test_a_container_changed_through_a_second_name_changes_for_both(tmp_path):
    module = load_module(tmp_path, "shared", textwrap.dedent("""
        import numpy as np

        def f(x):
            a = [x]
            b = a
            b.append(x * 2.0)
            cache = {"h": [x]}
            hs = cache["h"]
            hs.append(x ** 2)
            return np.sum(a[-1] ** 2) + np.sum(cache["h"][1])
    """))
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(symdiff.grad(module.f)(x), 8.0 * x + 2.0 * x, rtol=1e-12)


# ---------------------------------------------------------------- what stays refused


REFUSED = [
    ("a loop of unknown length filling a dict", """
        def f(x):
            hs = {}
            for t in range(x.shape[0]):
                hs[t] = x[t] * 2.0
            return np.sum(hs[0])
     """, "hs[t] = ", "not known at compile time"),
    ("a write into an array a list also holds", """
        def f(x):
            h = x * 1.5
            hs = [h]
            h[0] = 0.0
            return np.sum(hs[0])
     """, "h[0] = ", "also stored"),
    ("a missing key", """
        def f(x):
            d = {"a": x}
            return np.sum(d["b"])
     """, 'd["b"]', "no key 'b'"),
    ("a closure over a name changed later", """
        def f(x):
            a = 2.0
            g = lambda v: v * a
            a = 3.0
            return np.sum(g(x))
     """, "g(x)", "changed after"),
    ("an assertion that always fails", """
        def f(x):
            parts = [x, x]
            assert len(parts) == 3
            return np.sum(x)
     """, "assert len", "fails whenever"),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_refusals_are_located_with_a_hint(tmp_path, case):
    _, body, needle, words = case
    text = "import numpy as np\n" + textwrap.dedent(body)
    module = load_module(tmp_path, "refused", text)
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(module.f)(np.array([0.5, -1.0, 2.0]))
    problem = info.value.problems[0]
    assert words in problem.message, problem.message
    assert problem.loc is not None and problem.hint
    line = next(ln for ln in text.splitlines() if needle in ln)
    assert problem.loc.text.strip() == line.strip()


def test_the_shape_generic_source_of_a_dict_function_says_to_call_it_with_the_dict():
    with pytest.raises(symdiff.SymdiffError, match="indexed by the key 'W1'") as info:
        _ = symdiff.grad(corpus.mlp_loss).source
    assert info.value.problems[0].loc.line > 0 and "as a dict" in info.value.problems[0].hint
    fn, args, _ = corpus._mlp(np.random.default_rng(0))
    text = symdiff.grad(fn).source_for(*args)
    assert "def grad_mlp_loss(params_W1, params_b1, params_W2, params_b2, X, y):" in text


HELPERS_THAT_CHANGE_WHAT_THEY_ARE_GIVEN = {
    "dict": '''
def scale(p, x):
    p['a'] = p['a'] * x
    return 0.0

def f(x):
    p = {'a': x * 2.0}
    scale(p, x)
    return np.sum(p['a'])
''',
    "list": '''
def push(xs, x):
    xs.append(x * 3.0)
    return 0.0

def f(x):
    xs = [x]
    push(xs, x)
    return np.sum(xs[-1])
''',
    "nested dict through an alias": '''
def scale(params, x):
    layer = params['layer']
    layer['W'] = layer['W'] * x
    return 1.0

def f(x):
    params = {'layer': {'W': x + 1.0}}
    s = scale(params, x)
    return np.sum(params['layer']['W']) * s
''',
    "object": '''
class Layer:
    def __init__(self, W):
        self.W = W

def grow(layer, x):
    layer.W = layer.W * x
    return 0.0

def f(x):
    layer = Layer(x * 2.0)
    grow(layer, x)
    return np.sum(layer.W)
''',
}


@pytest.mark.parametrize("kind", sorted(HELPERS_THAT_CHANGE_WHAT_THEY_ARE_GIVEN))
def test_a_helper_changing_a_container_it_is_given_is_refused(tmp_path, kind):
    """Python changes the caller's dict, list or object too; inlining does not carry the
    change back, so the gradient would be of the unchanged value: refused, located."""
    source = "import numpy as np\n" + HELPERS_THAT_CHANGE_WHAT_THEY_ARE_GIVEN[kind]
    module = load_module(tmp_path, "changing_" + kind.split()[0], source)
    x = np.array([0.5, -1.5])
    with pytest.raises(symdiff.SymdiffError, match="changes the .* it is given") as info:
        symdiff.value_and_grad(module.f)(x)
    problem = info.value.problems[0]
    assert problem.loc.line > 0 and "return the new" in problem.hint


def test_a_helper_reading_a_dict_it_is_given_is_differentiated(tmp_path):
    module = load_module(tmp_path, "reading_dict", '''
import numpy as np

def affine(p, x):
    q = {'W': p['W'] * 2.0}          # a new dict of its own: the caller's is unchanged
    return np.tanh(x @ q['W'] + p['b'])

def f(W, b, x):
    p = {'W': W, 'b': b}
    return np.sum(affine(p, x) ** 2)
''')
    rng = np.random.default_rng(3)
    W, b, x = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((4, 3))
    value, (dW, db) = symdiff.value_and_grad(module.f, wrt=("W", "b"))(W, b, x)
    np.testing.assert_allclose(value, module.f(W, b, x), rtol=1e-12)
    np.testing.assert_allclose(dW, numerical_jacobian(module.f, (W, b, x), 0),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, numerical_jacobian(module.f, (W, b, x), 1),
                               rtol=1e-6, atol=1e-8)


def test_a_module_array_read_by_a_helper_is_read_at_call_time(tmp_path):
    """A helper's module arrays are inputs read at each call, like the function's own,
    also through a helper of a helper and a method; a new value is seen at the next call."""
    module = load_module(tmp_path, "helper_reads_array", '''
import numpy as np

A = np.array([1.0, 2.0])
B = np.array([[0.5, -1.0], [2.0, 0.3]])

def helper(x):
    return np.sum(A * x)

def inner(x):
    return np.tanh(B @ x)

class Layer:
    def __call__(self, x):
        return np.sin(B @ x) * A

def f(x):
    return helper(x) * 2.0 + np.sum(inner(x) ** 2) + np.sum(Layer()(x))
''')
    x = np.array([0.5, 0.25])
    for A in (np.array([1.0, 2.0]), np.array([-3.0, 0.5])):
        module.A = A
        value, g = symdiff.value_and_grad(module.f)(x)
        assert value == pytest.approx(module.f(x), rel=1e-12)
        np.testing.assert_allclose(g, numerical_jacobian(module.f, (x,), 0), rtol=1e-6)
    module.B[0, 0] = 4.0                          # changed in place: read at the next call
    np.testing.assert_allclose(symdiff.grad(module.f)(x), numerical_jacobian(module.f, (x,), 0),
                               rtol=1e-6)


def test_one_gradient_sees_a_helper_and_its_module_names_change_between_calls(tmp_path):
    """Whether a call reads module arrays is found once per gradient and found again when
    a name the function or its helpers read holds another object: a float constant that
    becomes an array, and a helper replaced by another."""
    module = load_module(tmp_path, "helper_names_change", '''
import numpy as np

A = 2.0

def helper(x):
    return np.sum(A * x ** 2)

def f(x):
    return helper(x) + np.sum(np.sin(x))
''')
    g = symdiff.grad(module.f)
    x = np.array([0.5, -0.25, 1.5])
    for change in (lambda: None, lambda: setattr(module, "A", np.array([1.0, -2.0, 3.0])),
                   lambda: setattr(module, "helper", lambda x: np.sum(np.cos(x)))):
        change()
        np.testing.assert_allclose(g(x), numerical_jacobian(module.f, (x,), 0), rtol=1e-6)



def test_arrays_held_in_module_containers_are_read_at_each_call(tmp_path):
    """A module list whose item is replaced by another array, and a module dict whose array
    is changed in place, between calls of one gradient: each call reads what they hold."""
    module = load_module(tmp_path, "containers_change", '''
import numpy as np

PARAMS = [np.ones(3)]
SCALE = {"s": np.ones(3)}

def f(x):
    return np.sum(np.sin(x) * PARAMS[0]) + np.sum(x * SCALE["s"] ** 2)
''')
    g = symdiff.value_and_grad(module.f)
    x = np.array([0.5, -0.25, 1.5])
    for change in (lambda: None, lambda: module.PARAMS.__setitem__(0, np.array([2.0, -1.0, 3.0])),
                   lambda: module.SCALE["s"].__imul__(3.0), lambda: module.PARAMS.append(1.0)):
        change()
        value, grad = g(x)
        assert value == pytest.approx(module.f(x), rel=1e-12)
        np.testing.assert_allclose(grad, numerical_jacobian(module.f, (x,), 0), rtol=1e-6)

def test_a_module_array_a_helper_changes_is_refused_by_name(tmp_path):
    """A helper that writes into a module array changes it between calls in a way the
    inputs do not show: refused where it is read, also for the helpers that only read it."""
    module = load_module(tmp_path, "helper_changes_array", '''
import numpy as np

A = np.array([1.0, 2.0])

def reader(x):
    return np.sum(A * x)

def writer(x):
    A[0] = 3.0
    return np.sum(A * x)

def f(x):
    return reader(x) + writer(x)
''')
    with pytest.raises(symdiff.SymdiffError, match="module-level array read by `reader`") as info:
        symdiff.grad(module.f)(np.array([0.5, 0.25]))
    assert info.value.problems[0].loc.line == 7
    assert "as an argument" in info.value.problems[0].hint
