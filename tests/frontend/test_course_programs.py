"""Course-style programs (``course_programs_corpus``) against central differences, and the
loops of run-time length that change a container, refused where they change it.

The ground truth is ``test_programs.numerical``: it perturbs every float element of the
arguments (walking dicts, lists and objects) and calls the program itself.
"""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

import symdiff
import course_programs_corpus as corpus
from support import load_module
from test_programs import assert_matches, numerical

BY_ID = {c.id: c for c in corpus.CASES}


@pytest.mark.parametrize("case", corpus.CASES, ids=[c.id for c in corpus.CASES])
def test_course_program_gradient_and_value(case):
    fn, args, wrt = case.make(np.random.default_rng(11))
    several = isinstance(wrt, tuple)
    want = numerical(fn, args, wrt)
    assert_matches(symdiff.grad(fn, wrt=wrt)(*args), want, several)
    value, again = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    assert_matches(again, want, several)


def _directional(fn, args, wrt, rng):
    """Tangents for the wrt arguments and <gradient, tangents> by central differences."""
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    tangents = [rng.standard_normal(np.shape(args[i])) for i in items]
    want = numerical(fn, args, wrt)
    expected = sum(float(np.sum(grads[()] * t)) for grads, t in zip(want, tangents))
    return tangents, expected


@pytest.mark.parametrize("name", corpus.ARRAY_CASES)
def test_course_program_forward_mode(name):
    fn, args, wrt = BY_ID[name].make(np.random.default_rng(12))
    tangents, expected = _directional(fn, args, wrt, np.random.default_rng(13))
    value, derivative = symdiff.jvp(fn, wrt=wrt)(*args, *tangents)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    np.testing.assert_allclose(derivative, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["softmax_range_index", "layernorm_keys_in_ln_param",
                                  "rnn_length_from_a_shape_cache_list_unread"])
def test_course_program_jit(name):
    pytest.importorskip("numba")
    fn, args, wrt = BY_ID[name].make(np.random.default_rng(14))
    several = isinstance(wrt, tuple)
    want = numerical(fn, args, wrt)
    value, grads = symdiff.value_and_grad(fn, wrt=wrt, jit=True)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    assert_matches(grads, want, several)


def test_an_int_attribute_is_part_of_what_the_gradient_is_compiled_for():
    rng = np.random.default_rng(15)
    x, h0 = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 2))
    Wx, Wh = 0.4 * rng.standard_normal((3, 2)), 0.4 * rng.standard_normal((2, 2))
    net = corpus.TinyRNN(2)
    g = symdiff.grad(net.loss, wrt=2)
    for steps in (2, 4, 2):
        net.steps = steps                        # the same gradient, called again
        for _ in range(2):
            assert_matches(g(x, h0, Wx, Wh), numerical(net.loss, (x, h0, Wx, Wh), 2), False)
    cfg = {"a": 1.5, "steps": 2}
    energy = symdiff.grad(corpus.scaled_energy)
    for steps in (2, 4):
        cfg["steps"] = steps
        assert_matches(energy(Wx[:, 0], cfg), numerical(corpus.scaled_energy, (Wx[:, 0], cfg), 0),
                       False)


def test_a_dict_default_argument_is_read_like_a_given_one():
    x = np.random.default_rng(16).standard_normal(3)
    g = symdiff.grad(corpus.scaled_energy)
    assert_matches(g(x), numerical(corpus.scaled_energy, (x,), 0), False)
    other = {"a": 1.5, "steps": 2}
    assert_matches(g(x, other), numerical(corpus.scaled_energy, (x, other), 0), False)


# ---------------------------------------------------------------- refused, not dropped


CHANGED_BY_A_LOOP_OF_RUN_TIME_LENGTH = [
    ("append, the bound a parameter", """
        def f(k, x, n=3):
            xs = []
            for i in range(n):
                x = x - k * x
                xs.append(x)
            return np.sum(np.array(xs) ** 2)
     """, (0.3, np.array([1.0, 0.5])), "np.array(xs)", "`xs` is a list"),
    ("append, the bound a shape", """
        def f(k, x):
            hs = []
            for t in range(x.shape[0]):
                hs.append(x[t] * k)
            return np.sum(hs[-1])
     """, (0.3, np.array([1.0, 0.5])), "hs[-1]", "`hs` is a list"),
    ("a while loop", """
        def f(k, x):
            xs = [x]
            i = 0
            while i < 3:
                xs.append(xs[-1] * k)
                i += 1
            return np.sum(xs[-1])
     """, (0.3, np.array([1.0, 0.5])), "xs.append", "`xs` is a list"),
    ("a list inside a dict", """
        def f(k, x, n):
            cache = {"h": []}
            for t in range(n):
                cache["h"].append(x * k)
            return np.sum(cache["h"][0])
     """, (0.3, np.array([1.0, 0.5]), 2), 'cache["h"][0]', "`cache` is a dict"),
    ("an attribute of an object", """
        class Recorder:
            def __init__(self):
                self.seen = []

        def f(k, x, n):
            r = Recorder()
            for t in range(n):
                r.seen.append(x * k)
            return np.sum(r.seen[0])
     """, (0.3, np.array([1.0, 0.5]), 2), "r.seen[0]", "`r` is an object"),
    ("read inside the loop", """
        def f(k, x):
            hs = []
            s = x
            for t in range(x.shape[0]):
                hs.append(x)
                s = s * len(hs) * k
            return np.sum(s)
     """, (0.3, np.array([1.0, 0.5])), "len(hs)", "`hs` is a list"),
    ("changed again after the loop", """
        def f(k, x):
            hs = []
            for t in range(x.shape[0]):
                hs.append(x * k)
            hs.append(x)
            return np.sum(x * k)
     """, (0.3, np.array([1.0, 0.5])), "hs.append(x)", "`hs` is a list"),
    ("returned beside the loss without has_aux", """
        def f(k, x):
            hs = []
            for t in range(x.shape[0]):
                hs.append(x * k)
            return np.sum(x * k), hs
     """, (0.3, np.array([1.0, 0.5])), "return", "`hs` is a list"),
    ("read through the tuple a helper returns", """
        def run(k, x):
            hs = []
            for t in range(x.shape[0]):
                hs.append(x * k)
            return x * k, hs
        def f(k, x):
            out = run(k, x)
            return np.sum(out[1][0])
     """, (0.3, np.array([1.0, 0.5])), "out[1][0]", "`hs` is a list"),
]


@pytest.mark.parametrize("case", CHANGED_BY_A_LOOP_OF_RUN_TIME_LENGTH,
                         ids=[c[0] for c in CHANGED_BY_A_LOOP_OF_RUN_TIME_LENGTH])
def test_a_container_changed_by_a_loop_of_run_time_length_is_refused(tmp_path, case):
    _, body, args, needle, words = case
    text = "import numpy as np\n" + textwrap.dedent(body)
    module = load_module(tmp_path, "loops", text)
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(module.f)(*args)
    problem = info.value.problems[0]
    assert words in problem.message and "not known at compile time" in problem.message
    assert problem.loc is not None and "constant bounds" in problem.hint
    line = next(ln for ln in text.splitlines() if needle in ln)
    assert problem.loc.text.strip() == line.strip()


def test_a_tuple_made_afresh_by_such_a_loop_is_refused_only_where_read_after_it(tmp_path):
    module = load_module(tmp_path, "tuples", textwrap.dedent("""
        import numpy as np

        def f(x, n):
            h = x
            for t in range(n):
                cache = (h, x)
                h = np.tanh(h) * cache[1]
            return np.sum(h)

        def g(x, n):
            h = x
            for t in range(n):
                cache = (h, x)
                h = np.tanh(h)
            return np.sum(cache[0])
    """))
    x = np.array([0.5, 1.0])
    assert_matches(symdiff.grad(module.f)(x, 3), numerical(module.f, (x, 3), 0), False)
    with pytest.raises(symdiff.SymdiffError, match="`cache` is a tuple that the loop at line 13"
                                                   " changes") as info:
        symdiff.grad(module.g)(x, 3)
    assert "cache[0]" in info.value.problems[0].loc.text


def _rnn_case():
    return BY_ID["rnn_length_from_a_shape_cache_list_unread"].make(np.random.default_rng(17))


def test_a_cache_list_of_run_time_length_comes_back_as_the_aux_output():
    _, args, wrt = _rnn_case()
    fn = corpus.rnn_loss_and_caches
    (value, caches), grads = symdiff.value_and_grad(fn, wrt=wrt, has_aux=True)(*args)
    want_value, want_caches = fn(*args)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    assert_matches(grads, numerical(corpus.rnn_loss, args, wrt), True)
    assert len(caches) == args[0].shape[1] == len(want_caches)
    for got, want in zip(caches, want_caches):
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)
    dx, again = symdiff.grad(fn, wrt=0, has_aux=True)(*args)
    assert_matches(dx, numerical(corpus.rnn_loss, args, 0), False)
    assert len(again) == len(want_caches)


def test_the_hessian_through_a_cache_list_of_run_time_length():
    fn, args, _ = _rnn_case()
    b, eps = args[4], 1e-4
    rest = args[:4]
    want = np.empty((b.size, b.size))
    for i, ei in enumerate(np.eye(b.size) * eps):
        for j, ej in enumerate(np.eye(b.size) * eps):
            want[i, j] = (fn(*rest, b + ei + ej) - fn(*rest, b + ei - ej) -
                          fn(*rest, b - ei + ej) + fn(*rest, b - ei - ej)) / (4 * eps * eps)
    np.testing.assert_allclose(symdiff.hessian(fn, wrt=4)(*args), want, rtol=1e-5, atol=1e-6)


def test_a_property_that_assigns_attributes_is_refused(tmp_path):
    module = load_module(tmp_path, "counting", textwrap.dedent("""
        import numpy as np

        class Counted:
            def __init__(self, W):
                self.W = W
                self.reads = 0

            @property
            def weights(self):
                self.reads = self.reads + 1
                return self.W

        def f(layer, x):
            return np.sum(layer.weights * x)
    """))
    layer = module.Counted(np.array([1.0, 2.0]))
    with pytest.raises(symdiff.SymdiffError, match="the property `weights` assigns") as info:
        symdiff.grad(module.f)(layer, np.array([0.5, 1.0]))
    assert "layer.weights" in info.value.problems[0].loc.text


def test_a_starred_name_unpacking_a_shape_is_refused(tmp_path):
    module = load_module(tmp_path, "shapes", textwrap.dedent("""
        import numpy as np

        def f(x):
            n, *rest = x.shape
            return np.sum(x) * n
    """))
    with pytest.raises(symdiff.SymdiffError, match="unpacks a tuple or list here") as info:
        symdiff.grad(module.f)(np.ones((2, 3)))
    assert "n, *rest = x.shape" in info.value.problems[0].loc.text


def test_membership_known_at_compile_time_compares_as_python_does(tmp_path):
    module = load_module(tmp_path, "members", textwrap.dedent("""
        import numpy as np

        def f(x):
            d = {1.0: x}
            s = 1.0
            if 1 in d:
                s = 2.0
            if True in [1, 2]:
                s = s * 3.0
            if 2 not in (1.0, 2.0):
                s = s * 5.0
            if "W" in "W1" and "b" not in "W1":
                s = s * 7.0
            return s * np.sum(x ** 2)
    """))
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(symdiff.grad(module.f)(x), 2 * module.f(x) / np.sum(x ** 2) * x,
                               rtol=1e-12)
