"""Python that ordinary numerical code is written in: comprehensions over the rows of an
array, ``.item()``, module-level objects, static and class methods, ``map``, ``sorted``
and list methods, ``isinstance``. Each program is checked against central differences
(value and gradient through value_and_grad, the tangent through jvp, and jit=True); what
cannot be decided when the function is compiled is refused with a located error.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import symdiff

from support import compiled_by_cli, directional_difference, load_module, numerical_jacobian

PROGRAMS = """
import numpy as np

W = np.arange(6.0).reshape(3, 2) / 4


def sum_of_rows(x):
    return sum(np.sum(r ** 2) for r in x)


def sum_of_columns_with_start(x):
    r = 3.0
    s = sum((np.sum(np.sin(r)) for r in x.T), 1.5)
    return s * r


def sum_with_condition(x):
    return sum(np.sum(r) ** 2 for r in x if np.sum(r) > 0)


def sum_of_list_comprehension(x):
    return sum([np.dot(r, r) * 0.5 for r in x])


def array_of_row_sums(x):
    return np.sum(np.array([np.sum(r) for r in x]) ** 2)


def stack_of_rows(x):
    y = np.stack([r * 2 + np.sum(np.tanh(r)) for r in x])
    return np.sum(y ** 2 * np.cos(x))


def asarray_over_a_constant(x):
    return np.sum(np.asarray([np.sum(w * x[0]) for w in W]) ** 2)


def comprehension_over_a_list_still_unrolled(x):
    return np.sum(np.array([np.sum(r) for r in [x[0], x[1]]]) ** 2)


def item_of_an_element(v):
    return v[0].item() * np.sum(v)


def item_of_a_total(v):
    return np.sum(v ** 2).item()


def item_of_a_slice(v):
    return v[1:2].item() * np.sum(np.sin(v))


def item_at_indices(v):
    return v.item(3) ** 2 + v.reshape(1, 5).item(0, 2) * v.item(-1)
"""

ROW_PROGRAMS = ["sum_of_rows", "sum_of_columns_with_start", "sum_with_condition",
                "sum_of_list_comprehension", "array_of_row_sums", "stack_of_rows",
                "asarray_over_a_constant", "comprehension_over_a_list_still_unrolled"]

#: (program, whether numba compiles its gradient)
ITEM_PROGRAMS = [("item_of_an_element", False), ("item_of_a_total", True),
                 ("item_of_a_slice", True), ("item_at_indices", True)]

RNG = np.random.default_rng(7)
X = RNG.normal(size=(4, 2))
V = RNG.normal(size=5)


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("breadth"), "python_breadth", PROGRAMS)


def check_everything(fn, *args, jit: bool = True):
    """value_and_grad (value and gradient), jvp and jit=True against central differences,
    with respect to the first argument."""
    value, g = symdiff.value_and_grad(fn)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    expected = numerical_jacobian(fn, list(args), 0)
    assert np.allclose(g, expected, rtol=1e-6, atol=1e-8)
    v = RNG.normal(size=np.shape(args[0]))
    value_f, t = symdiff.jvp(fn)(*args, v)
    assert value_f == pytest.approx(fn(*args), rel=1e-12)
    assert t == pytest.approx(float(directional_difference(fn, list(args), [0], [v])),
                              rel=1e-6, abs=1e-9)
    if jit:
        with warnings.catch_warnings():
            warnings.simplefilter("error")        # numba compiles it: no fallback warning
            value_j, g_j = symdiff.value_and_grad(fn, jit=True)(*args)
        assert value_j == pytest.approx(value, rel=1e-12)
        assert np.allclose(g_j, g, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- comprehensions over rows


@pytest.mark.parametrize("name", ROW_PROGRAMS)
def test_comprehension_over_rows_matches_central_differences(programs, name):
    check_everything(getattr(programs, name), X)


def test_comprehension_over_rows_runs_for_other_lengths(programs):
    fn = programs.stack_of_rows
    g = symdiff.grad(fn)
    for rows in (1, 3, 6):
        x = RNG.normal(size=(rows, 2))
        assert np.allclose(g(x), numerical_jacobian(fn, [x], 0), rtol=1e-6, atol=1e-8)


def test_comprehension_over_rows_is_a_loop_in_the_generated_code(programs):
    source = symdiff.grad(programs.sum_of_rows).source
    assert "for k in range(" in source
    assert "r = x[k]" in source


def test_comprehension_over_rows_keeps_its_names_inside(programs):
    # r is 3.0 after the generator, as in Python: the gradient of s * r uses it
    fn = programs.sum_of_columns_with_start
    assert np.allclose(symdiff.grad(fn)(X), numerical_jacobian(fn, [X], 0), rtol=1e-6)


def test_stacked_comprehension_with_a_condition_is_refused(tmp_path):
    module = load_module(tmp_path, "breadth_refused", """
import numpy as np

def kept_rows(x):
    return np.sum(np.array([np.sum(r) for r in x if np.sum(r) > 0]))
""")
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(module.kept_rows)(X)
    err = info.value
    assert "known only at run time" in err.message
    assert err.loc is not None and err.loc.line == 5 and "^" in str(err)


def test_bare_comprehension_over_rows_is_refused_with_its_place(tmp_path):
    module = load_module(tmp_path, "breadth_bare", """
import numpy as np

def rows_kept_as_a_list(x):
    ys = [r * 2 for r in x]
    return np.sum(ys[0])
""")
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(module.rows_kept_as_a_list)(X)
    err = info.value
    assert "over an array" in err.message and "np.stack" in err.hint
    assert err.loc is not None and err.loc.line == 5


def test_comprehension_over_rows_through_the_command_line(tmp_path):
    namespace = compiled_by_cli(tmp_path, """
        import numpy as np

        def loss(x):
            return sum(np.sum(r ** 2) for r in x) + np.sum(np.stack([np.sin(r) for r in x]))
        """)
    value, g = namespace["value_and_grad_loss"](X)

    def loss(x):
        return sum(np.sum(r ** 2) for r in x) + np.sum(np.stack([np.sin(r) for r in x]))

    assert value == pytest.approx(loss(X), rel=1e-12)
    assert np.allclose(g, numerical_jacobian(loss, [X], 0), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- .item()


@pytest.mark.parametrize("name, jit", ITEM_PROGRAMS)
def test_item_is_the_element_itself(programs, name, jit):
    check_everything(getattr(programs, name), V, jit=jit)


def test_item_of_more_than_one_element_fails_as_numpy_does(programs, tmp_path):
    module = load_module(tmp_path, "breadth_item", """
def doubled(v):
    return v.item() * 2.0
""")
    g = symdiff.grad(module.doubled)
    assert g(np.ones(1)) == pytest.approx(np.array([2.0]))
    assert g(1.5) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="size 3"):
        g(np.ones(3))


# ---------------------------------------------------------------- module-level objects

OBJECTS = """
import numpy as np


class Settings:
    lam = 0.3


class Scaled:
    def __init__(self, scale):
        self.scale = scale


settings = Settings()
scaled = Scaled(1.5)


def penalized(x):
    return settings.lam * np.sum(x ** 2) + scaled.scale * np.sum(np.sin(x))
"""


def test_module_level_object_attributes_are_read(tmp_path):
    module = load_module(tmp_path, "breadth_objects", OBJECTS)
    check_everything(module.penalized, V)


def test_module_level_object_changed_between_calls_is_followed(tmp_path):
    module = load_module(tmp_path, "breadth_objects_changed", OBJECTS)
    g = symdiff.grad(module.penalized)
    before = g(V)
    module.Settings.lam = 2.0                 # the class attribute
    assert np.allclose(g(V), numerical_jacobian(module.penalized, [V], 0), rtol=1e-6)
    module.settings.lam = -1.0                # now an attribute of the instance
    assert np.allclose(g(V), numerical_jacobian(module.penalized, [V], 0), rtol=1e-6)
    module.scaled.scale = 0.25
    after = g(V)
    assert np.allclose(after, numerical_jacobian(module.penalized, [V], 0), rtol=1e-6)
    assert not np.allclose(before, after)


CLI_OBJECTS = """
import numpy as np

K = 2.0


class Config:
    scale = 0.5

    def __init__(self, lam, power=2):
        self.lam = lam * K
        self.power = power


cfg = Config(0.3, power=3)


def helper(x):
    return cfg.scale * np.sum(x ** cfg.power)


def loss(x):
    return cfg.lam * np.sum(x ** 2) + helper(x)
"""


def test_module_level_object_through_the_command_line(tmp_path):
    namespace = compiled_by_cli(tmp_path, CLI_OBJECTS)
    module = load_module(tmp_path, "breadth_cli_objects", CLI_OBJECTS)
    value, g = namespace["value_and_grad_loss"](V)
    assert value == pytest.approx(module.loss(V), rel=1e-12)
    assert np.allclose(g, numerical_jacobian(module.loss, [V], 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("change, line, words", [
    ("cfg.lam = 0.5", 12, "has `.lam` assigned"),
    ("setattr(cfg, 'lam', 0.5)", 12, "is changed by setattr"),
    ("def reset():\n    global cfg\n    cfg = 0", 13, "is also bound by `global cfg` in reset"),
    ("cfg = Config()", 12, "is bound again"),
])
def test_module_level_object_the_file_changes_is_refused(tmp_path, change, line, words):
    import subprocess
    import sys
    path = tmp_path / "model.py"
    path.write_text("import numpy as np\n\n\nclass Config:\n    def __init__(self):\n"
                    "        self.lam = 0.3\n\n\ncfg = Config()\n\n\n" + change + "\n\n\n"
                    "def loss(x):\n    return cfg.lam * np.sum(x ** 2)\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "symdiff", "compile", str(path), "-f", "loss"],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert f"{words} (line {line})" in done.stderr
    assert "model.py:" in done.stderr and "^" in done.stderr
    assert "cfg.lam * np.sum" in done.stderr


def test_module_level_object_with_a_method_that_changes_it_is_refused(tmp_path):
    import subprocess
    import sys
    path = tmp_path / "model.py"
    path.write_text("import numpy as np\n\n\nclass Config:\n    def __init__(self):\n"
                    "        self.lam = 0.3\n\n    def bump(self):\n        self.lam *= 2\n\n\n"
                    "cfg = Config()\n\n\ndef loss(x):\n    return cfg.lam * np.sum(x ** 2)\n",
                    encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "symdiff", "compile", str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "a method, `bump`, that assigns `self.lam`" in done.stderr
    assert "model.py:16:12" in done.stderr


# ---------------------------------------------------------------- static and class methods

METHODS = """
import numpy as np


class Ops:
    k = 2.0

    def __init__(self):
        self.k = 10.0                       # shadows Ops.k on the object, not for cls.k

    @staticmethod
    def doubled(x):
        return x * 2

    @classmethod
    def scaled(cls, x):
        return cls.k * cls.doubled(x)

    def both(self, x):
        return self.doubled(x) * self.k + self.scaled(x)


def static_through_the_class(v):
    return np.sum(Ops.doubled(v) ** 2)


def classmethod_through_the_class(v):
    return np.sum(np.sin(Ops.scaled(v))) * Ops.k


def through_an_object(v):
    ops = Ops()
    return np.sum(ops.both(v) ** 2) + np.sum(ops.scaled(v))


def plain_method_through_the_class(v):
    return np.sum(Ops.both(Ops(), v))
"""

METHOD_PROGRAMS = ["static_through_the_class", "classmethod_through_the_class",
                   "through_an_object"]


@pytest.fixture(scope="module")
def methods(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("methods"), "breadth_methods", METHODS)


@pytest.mark.parametrize("name", METHOD_PROGRAMS)
def test_static_and_class_methods_match_central_differences(methods, name):
    check_everything(getattr(methods, name), V)


@pytest.mark.parametrize("name", METHOD_PROGRAMS)
def test_static_and_class_methods_through_the_command_line(tmp_path, methods, name):
    namespace = compiled_by_cli(tmp_path, METHODS, "-f", name)
    fn = getattr(methods, name)
    value, g = namespace[f"value_and_grad_{name}"](V)
    assert value == pytest.approx(fn(V), rel=1e-12)
    assert np.allclose(g, numerical_jacobian(fn, [V], 0), rtol=1e-6, atol=1e-8)


def test_plain_method_through_the_class_is_refused(methods):
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(methods.plain_method_through_the_class)(V)
    err = info.value
    assert "`Ops.both` is a method of its objects" in err.message
    assert err.loc is not None and err.loc.line == 37 and "obj.both" in err.hint


# ---------------------------------------------------------------- map

MAPS = """
import numpy as np


def squared(t):
    return t * t


def map_of_a_numpy_function(v):
    return sum(map(np.sin, [v[0], v[1]]))


def map_of_a_helper(v):
    return np.sum(np.array(list(map(squared, [v[0], v[2], v[4]]))))


def map_of_a_lambda_over_two_lists(v):
    return sum(map(lambda a, b: a * b, [v[0], v[1]], [v[2], v[3]]))


def map_over_rows(v):
    x = v.reshape(5, 1)
    return sum(map(np.sum, x ** 2)) * np.sum(np.stack(list(map(np.tanh, [v, v * 2]))))


def map_given_to_numpy(v):
    return np.sum(np.stack(map(np.cos, [v, v])))
"""

MAP_PROGRAMS = ["map_of_a_numpy_function", "map_of_a_helper", "map_of_a_lambda_over_two_lists",
                "map_over_rows"]


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("maps"), "breadth_maps", MAPS)


@pytest.mark.parametrize("name", MAP_PROGRAMS)
def test_map_is_a_comprehension(maps, name):
    check_everything(getattr(maps, name), V)


def test_map_through_the_command_line(tmp_path, maps):
    namespace = compiled_by_cli(tmp_path, MAPS, "-f", "map_over_rows", "-f", "map_of_a_helper")
    for name in ("map_over_rows", "map_of_a_helper"):
        fn = getattr(maps, name)
        value, g = namespace[f"value_and_grad_{name}"](V)
        assert value == pytest.approx(fn(V), rel=1e-12)
        assert np.allclose(g, numerical_jacobian(fn, [V], 0), rtol=1e-6, atol=1e-8)


def test_map_given_to_numpy_is_refused(maps):
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(maps.map_given_to_numpy)(V)
    err = info.value
    assert "does not iterate a map object" in err.message and "list(map(" in err.hint
    assert err.loc is not None and err.loc.line == 27


# ---------------------------------------------------------------- sorted and list methods

ORDERS = """
import numpy as np


def smallest_two(v):
    return sum(sorted([v[0], v[1], v[2]])[:2])


def sorted_largest_first(v):
    ranked = sorted([v[0], np.sin(v[1]), v[2] * 2, v[3], v[4]], reverse=True)
    return ranked[0] * 3 + ranked[1] * 2 + ranked[4]


def sort_in_place(v):
    xs = [v[0], v[1], v[2] * 2, v[3]]
    xs.sort(reverse=True)
    return xs[0] * 3 + xs[1] * 2 + xs[3]


def reverse_in_place(v):
    xs = [v[0], v[1]]
    xs.reverse()
    return xs[0] * 2 + xs[1]


def remove_a_known_item(v):
    a, b, c = v[0], v[1], v[2]
    xs = [a, b, c]
    xs.remove(a)
    return xs[0] * 2 + xs[1] + sum(sorted([3.0, 1.0, 2.0])[:1])


def remove_decided_by_values(v):
    xs = [v[0], v[1], v[2]]
    xs.remove(v[1])
    return xs[0]


def sorted_arrays(v):
    return np.sum(sorted([v, v * 2])[0])


def sorted_with_a_key(v):
    return sorted([v[0], v[1]], key=lambda t: -t)[0]
"""

ORDER_PROGRAMS = ["smallest_two", "sorted_largest_first", "sort_in_place", "reverse_in_place",
                  "remove_a_known_item"]


@pytest.fixture(scope="module")
def orders(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("orders"), "breadth_orders", ORDERS)


@pytest.mark.parametrize("name", ORDER_PROGRAMS)
def test_sorting_routes_the_gradient_through_the_order(orders, name):
    check_everything(getattr(orders, name), V)


def test_sorting_through_the_command_line(tmp_path, orders):
    namespace = compiled_by_cli(tmp_path, ORDERS, "-f", "sorted_largest_first")
    value, g = namespace["value_and_grad_sorted_largest_first"](V)
    assert value == pytest.approx(orders.sorted_largest_first(V), rel=1e-12)
    assert np.allclose(g, numerical_jacobian(orders.sorted_largest_first, [V], 0), rtol=1e-6)


@pytest.mark.parametrize("name, line, words", [
    ("remove_decided_by_values", 35, "depends on values known only at run time"),
    ("sorted_arrays", 40, "sorted(...) orders numbers"),
    ("sorted_with_a_key", 44, "key= is not supported"),
])
def test_orders_that_cannot_be_decided_are_refused(orders, name, line, words):
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(getattr(orders, name))(V)
    err = info.value
    assert words in err.message
    assert err.loc is not None and err.loc.line == line
