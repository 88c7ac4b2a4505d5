"""``symdiff compile`` of functions with dict and list parameters: the generated module
takes and returns the parameters' structure, needs only NumPy, and its gradients and
values equal central differences (``structured_programs_corpus``)."""
from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import structured_programs_corpus as corpus
from support import load_module
from symdiff.cli import compile_file
from symdiff.errors import SymdiffError
from symdiff.frontend.shape_spec import parse_shapes

CORPUS = str(Path(corpus.__file__))


def _leaves(tree, path=()):
    """(path, value) of every float leaf of a dict/list/tuple, depth first."""
    if isinstance(tree, dict):
        return [x for k, v in tree.items() for x in _leaves(v, path + (k,))]
    if isinstance(tree, (list, tuple)):
        return [x for k, v in enumerate(tree) for x in _leaves(v, path + (k,))]
    return [(path, tree)] if np.asarray(tree).dtype.kind == "f" else []


def _replaced(tree, path, value):
    if not path:
        return value
    out = copy.copy(tree) if not isinstance(tree, tuple) else list(tree)
    out[path[0]] = _replaced(tree[path[0]], path[1:], value)
    return tuple(out) if isinstance(tree, tuple) else out


def _get(tree, path):
    for step in path:
        tree = tree[step]
    return tree


def numerical(fn, args, i, eps=1e-6):
    """Central differences of fn with respect to every float leaf of args[i], in its
    structure."""
    grad = copy.deepcopy(args[i]) if not isinstance(args[i], np.ndarray) else None
    out = {}
    for path, leaf in _leaves(args[i]):
        x = np.array(leaf, dtype=float)
        g = np.zeros_like(x)
        for k in range(x.size):
            values = []
            for step in (eps, -eps):
                moved = x.copy()
                moved.reshape(-1)[k] += step
                new = moved if np.ndim(leaf) else float(moved)
                shifted = list(args)
                shifted[i] = _replaced(args[i], path, new)
                values.append(fn(*shifted))
            g.reshape(-1)[k] = (values[0] - values[1]) / (2 * eps)
        out[path] = g
    return grad, out


def assert_structured_close(got, want_leaves, like):
    """``got`` has the structure of ``like``, and each leaf the numbers of ``want_leaves``."""
    assert type(got) is type(like) or isinstance(like, tuple) and isinstance(got, (list, tuple))
    for path, _ in _leaves(like):
        np.testing.assert_allclose(_get(got, path), want_leaves[path], rtol=1e-5, atol=1e-7)


def _compiled(tmp_path, case, name="generated"):
    options = dict(functions=[case.fn.__name__],
                   wrt=tuple(case.wrt.split(",")) if "," in case.wrt else int(case.wrt),
                   shapes=parse_shapes(case.shapes) if case.shapes else None)
    source = compile_file(CORPUS, **options)
    return source, load_module(tmp_path, name, source)


@pytest.mark.parametrize("case", corpus.CASES,
                         ids=[f"{c.fn.__name__}-{k}" for k, c in enumerate(corpus.CASES)])
def test_compiled_structures_match_differences(tmp_path, case):
    rng = np.random.default_rng(7)
    args = case.make(rng)
    _, module = _compiled(tmp_path, case)
    name = case.fn.__name__
    grad = getattr(module, f"grad_{name}")(*copy.deepcopy(args))
    value, again = getattr(module, f"value_and_grad_{name}")(*copy.deepcopy(args))
    assert value == pytest.approx(case.fn(*args), rel=1e-12)
    positions = [int(w) if w.isdigit() else case.fn.__code__.co_varnames.index(w)
                 for w in case.wrt.split(",")]
    grads = grad if len(positions) > 1 else (grad,)
    agains = again if len(positions) > 1 else (again,)
    for i, g, h in zip(positions, grads, agains):
        _, want = numerical(case.fn, args, i)
        assert_structured_close(g, want, args[i])
        assert_structured_close(h, want, args[i])


def test_compiled_module_runs_with_numpy_only(tmp_path):
    """The module, run in a fresh interpreter that cannot import symdiff, gives the same
    gradient dict as central differences."""
    case = corpus.CASES[1]
    source, _ = _compiled(tmp_path, case)
    (tmp_path / "fc_grads.py").write_text(source)
    script = (
        "import sys, pickle\n"
        "sys.modules['symdiff'] = None\n"
        "import numpy as np\n"
        "import fc_grads\n"
        "params, X, y = pickle.load(open(sys.argv[1], 'rb'))\n"
        "value, g = fc_grads.value_and_grad_fc_net_loss(params, X, y)\n"
        "pickle.dump((value, g), open(sys.argv[2], 'wb'))\n")
    import pickle
    args = case.make(np.random.default_rng(3))
    (tmp_path / "in.pkl").write_bytes(pickle.dumps(args))
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "in.pkl"),
                           str(tmp_path / "out.pkl")], cwd=tmp_path, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    value, g = pickle.loads((tmp_path / "out.pkl").read_bytes())
    assert value == pytest.approx(case.fn(*args), rel=1e-12)
    assert sorted(g) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    _, want = numerical(case.fn, args, 0)
    assert_structured_close(g, want, args[0])


def test_another_structure_is_refused_at_run_time(tmp_path):
    case = corpus.CASES[0]
    _, module = _compiled(tmp_path, case)
    params, X, y = case.make(np.random.default_rng(0))
    keys = "'W1', 'b1', 'W2', 'b2'"
    with pytest.raises(ValueError, match=f"params must be a dict with the keys {keys}"):
        module.grad_two_layer_loss({**params, "W3": params["W2"]}, X, y)
    with pytest.raises(ValueError, match="params must be a dict"):
        module.grad_two_layer_loss({k: v for k, v in params.items() if k != "b2"}, X, y)
    listed = corpus.CASES[4]
    _, module = _compiled(tmp_path, listed, "listed")
    layers, X, y = listed.make(np.random.default_rng(0))
    with pytest.raises(ValueError, match="layers must be a list or tuple of 3 items"):
        module.grad_layers_loss(layers[:2], X, y)
    with pytest.raises(ValueError, match=r"layers\[1\] must be a list or tuple of 2"):
        module.grad_layers_loss([layers[0], layers[1][:1], layers[2]], X, y)


def test_generated_functions_read_as_written():
    source = compile_file(CORPUS, ["nested_encoder"])
    assert "def grad_nested_encoder(params, x):" in source
    assert "expect_keys(params['encoder'], \"params['encoder']\", ('w', 'b'))" in source
    assert "    params_encoder_w = params['encoder']['w']" in source
    assert ("return {'encoder': {'w': dparams_encoder_w, 'b': dparams_encoder_b},\n"
            "            'head': {'v': dparams_head_v}, 'scale': dparams_scale}") in source
    assert "def grad_nested_encoder_leaves(params_encoder_w, params_encoder_b, " in source
    callable_part = source[source.index("def expect_keys"):]
    assert max(map(len, callable_part.splitlines())) <= 99


def test_numeric_leaf_shapes_specialize(tmp_path):
    case = corpus.CASES[5]
    source, _ = _compiled(tmp_path, case)
    assert "Specialized to the argument shapes" in source
    assert "layers_0_0=(3,5)" in source


def _refusal(tmp_path, text, *, shapes=None, mode="reverse", order=1) -> SymdiffError:
    path = tmp_path / "model.py"
    path.write_text("import numpy as np\n\n" + text)
    with pytest.raises(SymdiffError) as info:
        compile_file(str(path), shapes=parse_shapes(shapes) if shapes else None, mode=mode,
                     order=order)
    return info.value


def test_a_list_the_source_does_not_show_asks_for_shapes(tmp_path):
    err = _refusal(tmp_path, "def f(layers, x):\n    for W, b in layers:\n"
                             "        x = np.tanh(x @ W + b)\n    return np.sum(x)\n")
    text = str(err)
    assert "model.py:4:" in text and "for W, b in layers" in text
    assert "`layers` looks like a list or dict" in text
    assert '--shapes "layers=[((D, H), (H,)), ((H, C), (C,))]"' in text


def test_dict_values_unknown_keys_are_refused(tmp_path):
    err = _refusal(tmp_path, "def f(params, x):\n"
                             "    return sum(np.sum(v * x) for v in params.values())\n")
    assert "model.py:4:" in str(err) and "--shapes" in str(err)


def test_a_declared_dict_missing_a_key_read_is_refused(tmp_path):
    err = _refusal(tmp_path, "def f(params, x):\n    return np.sum(params['W'] * params['c'])\n",
                   shapes="params={W: (3,), b: (3,)}")
    assert "model.py:4:" in str(err) and "no key 'c'" in str(err)


def test_forward_mode_of_a_dict_is_refused(tmp_path):
    err = _refusal(tmp_path, "def f(params, x):\n    return np.sum(params['W'] * x)\n",
                   mode="forward")
    assert "model.py:3:" in str(err) and "reverse mode" in str(err)


@pytest.mark.parametrize("text", ["params=[(3,)", "params={W: np.ones}",
                                  "params={W: (3,), W: (2,)}", "params=[(3,)] * x"])
def test_bad_structures_say_what_to_write(text):
    with pytest.raises(SymdiffError, match="write e.g. params="):
        parse_shapes(text)


def test_structures_parse():
    spec = parse_shapes("X=(N,D), params={W: (D,C), 'b': (C,)}, layers=[(..., ...)] * 2")
    assert spec["X"] == ("N", "D")
    assert spec["params"].structure == ("dict", ("W", "b"), (("leaf",), ("leaf",)))
    assert spec["params"].shapes == (("D", "C"), ("C",))
    assert spec["layers"].structure[0] == "list" and len(spec["layers"].structure[1]) == 2
    assert spec["layers"].shapes == (None,) * 4


def test_cli_writes_the_structured_module(tmp_path):
    out = tmp_path / "grads.py"
    done = subprocess.run([sys.executable, "-m", "symdiff", "compile", CORPUS, "-f",
                           "layers_loss", "--shapes", "layers=[(...,...)] * 3", "-o", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    module = load_module(tmp_path, "cli_layers", out.read_text())
    args = corpus._layers(np.random.default_rng(11))
    grads = module.grad_layers_loss(*args)
    _, want = numerical(corpus.layers_loss, args, 0)
    assert_structured_close(grads, want, args[0])


CLASS_REBOUND = """\
import numpy as np


class Model:
    K = 2.0

    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return self.K * np.sum((self.w * x) ** 2)


Model.K = 5.0


def loss(w, x):
    return Model(w).energy(x)


def loss_own(w, x):
    m = Model(w)
    m.K = 3.0
    return m.energy(x)
"""


def test_a_class_attribute_the_file_assigns_elsewhere_is_refused(tmp_path):
    """symdiff compile reads the class body; `Model.K = 5.0` after it would make that body
    say 2.0 where the module runs with 5.0."""
    model = tmp_path / "rebound.py"
    model.write_text(CLASS_REBOUND)
    with pytest.raises(SymdiffError, match="`Model.K` is assigned outside the class") as info:
        compile_file(str(model), ["loss"], wrt=["w"])
    assert info.value.loc.line == 14
    generated = load_module(tmp_path, "rebound_grad",
                            compile_file(str(model), ["loss_own"], wrt=["w"]))
    w, x = np.array([0.5, 1.5]), np.array([1.0, -2.0])
    np.testing.assert_allclose(generated.grad_loss_own(w, x), 3.0 * 2 * w * x ** 2)
