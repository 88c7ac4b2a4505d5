"""Annotated generated code (``--annotate``, ``source_for(annotate=True)``): the same code,
with comments that state the right shapes and the right maths.

Three kinds of check:

- the code is unchanged: the annotated module's functions parse to the same AST as the
  plain module's (the golden files), for every seed example;
- the annotated module computes the gradient: checked against central differences;
- every shape an annotation states is the shape the line computes at run time: the
  generated function is run with sizes for the names (N=7, D=5, H=4, C=3) and each
  annotated line's stated shape is compared with its value's shape.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

import symdiff
from symdiff import cli
from symdiff.teach import annotate
from symdiff.check import numerical_gradient
from symdiff.errors import SymdiffError
from support import load_module

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SIZES = {"N": 7, "D": 5, "H": 4, "C": 3}
MLP_WRT = ("W1", "b1", "W2", "b2")
MLP_NUMBERS = "X=(7,5), W1=(5,4), b1=(4,), W2=(4,3), b2=(3,), y=(7,)"


def mlp_args(seed=0):
    rng = np.random.default_rng(seed)
    N, D, H, C = SIZES["N"], SIZES["D"], SIZES["H"], SIZES["C"]
    return (rng.normal(size=(D, H)), 0.1 * rng.normal(size=H), rng.normal(size=(H, C)),
            0.1 * rng.normal(size=C), rng.normal(size=(N, D)), rng.integers(0, C, N), 0.1)


def compiled(example: str, functions, wrt, **options) -> str:
    path = EXAMPLES / f"{example}.py"
    return cli.compile_file(str(path), functions, wrt, **options).replace(str(path), path.name)


def function_trees(text: str) -> list[str]:
    return [ast.dump(node) for node in ast.parse(text).body if isinstance(node, ast.FunctionDef)]


def comments(text: str, function: str) -> dict[str, tuple[str, list[str]]]:
    """Code line -> (the comment beside it, the comment lines just above it)."""
    body = text[text.index(f"def {function}("):]
    body = body[:body.find("\n\n\n")] if "\n\n\n" in body else body
    found, above = {}, []
    for line in body.splitlines()[1:]:
        stripped = line.strip()
        if stripped in ("# forward", "# backward"):
            continue
        if stripped.startswith("#"):
            above.append(stripped[1:].strip())
            continue
        code, _, comment = stripped.partition("  # ")
        found[code.strip()] = (comment.strip(), above)
        above = []
    return found


# ---------------------------------------------------------------- the code is unchanged


GOLDEN_CASES = {"circuit": "x,y,z", "sigmoid_neuron": "w,x", "svm_loss": "W",
                "softmax_loss": "W", "hinge": "w", "l2_regression": "W,b",
                "mlp": "W1,b1,W2,b2"}


@pytest.mark.parametrize("example", sorted(GOLDEN_CASES))
def test_annotations_change_comments_only(example):
    from symdiff.frontend.source_modules import functions_of_file
    path = EXAMPLES / f"{example}.py"
    functions = [n for n in functions_of_file(str(path)) if n != "softmax_cross_entropy"]
    text = compiled(example, functions, tuple(GOLDEN_CASES[example].split(",")), annotate=True)
    plain = (GOLDEN / f"{example}_grad.py").read_text()
    assert function_trees(text) == function_trees(plain)
    assert text != plain and "# backward" in text


def test_annotations_keep_the_specialized_code():
    shapes = annotate.parse_shapes(MLP_NUMBERS)
    plain = compiled("mlp", ["mlp_loss"], MLP_WRT, shapes=shapes)
    text = compiled("mlp", ["mlp_loss"], MLP_WRT, shapes=shapes, annotate=True)
    assert function_trees(text) == function_trees(plain)
    assert re.search(r"dW2_from_scores = h\.T @ d\w+ ", plain)    # specialized: no helper


# ---------------------------------------------------------------- the gradient is right


def assert_matches_central_differences(fn, module_text, tmp_path, args, wrt_positions):
    module = load_module(tmp_path, "annotated", module_text)
    got = getattr(module, f"grad_{fn.__name__}")(*args)
    got = got if isinstance(got, tuple) else (got,)
    for g, i in zip(got, wrt_positions):
        want = numerical_gradient(fn, args, i)
        np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-7)
    value, _ = getattr(module, f"value_and_grad_{fn.__name__}")(*args)
    assert np.isclose(value, fn(*args))


@pytest.mark.parametrize("shapes", [None, MLP_NUMBERS, "X=(N,D), W1=(D,H)"])
def test_annotated_mlp_gradient(load_example, tmp_path, shapes):
    spec = annotate.parse_shapes(shapes) if shapes else None
    text = compiled("mlp", ["mlp_loss"], MLP_WRT, annotate=True, shapes=spec)
    assert_matches_central_differences(load_example("mlp").mlp_loss, text, tmp_path,
                                       mlp_args(), (0, 1, 2, 3))


def test_annotated_seed_gradients(load_example, tmp_path):
    circuit = compiled("circuit", ["f"], ("x", "y", "z"), annotate=True)
    assert_matches_central_differences(load_example("circuit").f, circuit, tmp_path,
                                       (-2.0, 5.0, -4.0), (0, 1, 2))
    neuron = compiled("sigmoid_neuron", ["neuron"], ("w", "x"), annotate=True)
    assert_matches_central_differences(load_example("sigmoid_neuron").neuron, neuron, tmp_path,
                                       (np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])),
                                       (0, 1))


# ---------------------------------------------------------------- the shapes are right


def stated_shape(comment: str):
    """The shape a comment states for its line's value: ``(N,H) = ...`` or ``(N,H)``."""
    m = re.match(r"(?:[\w.]+:\d+  )?(\((?:[\w*+-]+,?)*\))(?: |$)", comment)
    return m.group(1) if m else None


def assert_stated_shapes_hold(text: str, function: str, args, sizes=SIZES) -> int:
    """Run ``function`` of the module ``text`` and compare each stated shape with the
    shape of the value its line assigns; returns how many lines were compared."""
    lines = text.split("\n")
    start = lines.index(next(line for line in lines if line.startswith(f"def {function}(")))
    end = next(k for k in range(start + 1, len(lines)) if lines[k].startswith("    return "))
    lines[end] = "    return locals()"
    namespace: dict = {}
    exec(compile("\n".join(lines), "<annotated>", "exec"), namespace)
    values = namespace[function](*args)
    checked = 0
    for code, (comment, _) in comments(text, function).items():
        m = re.match(r"(\w+) = ", code)
        shape = stated_shape(comment)
        if not m or shape is None or m.group(1) not in values:
            continue
        want = eval(shape, {}, dict(sizes))          # names -> sizes, N-1, N*D...
        assert np.shape(values[m.group(1)]) == want, f"{code}  # {comment}"
        checked += 1
    return checked


@pytest.mark.parametrize("shapes", [None, MLP_NUMBERS])
def test_mlp_stated_shapes_hold(shapes):
    spec = annotate.parse_shapes(shapes) if shapes else None
    text = compiled("mlp", ["mlp_loss"], MLP_WRT, annotate=True, shapes=spec)
    for function in ("grad_mlp_loss", "value_and_grad_mlp_loss"):
        assert assert_stated_shapes_hold(text, function, mlp_args()) >= 36


def test_seed_stated_shapes_hold():
    circuit = compiled("circuit", ["f"], ("x", "y", "z"), annotate=True)
    assert assert_stated_shapes_hold(circuit, "grad_f", (-2.0, 5.0, -4.0)) == 5
    neuron = compiled("sigmoid_neuron", ["neuron"], ("w", "x"), annotate=True)
    args = (np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))
    assert assert_stated_shapes_hold(neuron, "grad_neuron", args) >= 15


def test_loop_stated_shapes_hold():
    """The naive SVM (loops, branches, tapes), with named sizes given on the command line."""
    corpus = Path(__file__).resolve().parents[1] / "control_flow_corpus.py"
    shapes = annotate.parse_shapes("W=(D,C), X=(N,D), y=(N,)")
    text = cli.compile_file(str(corpus), ["svm_loss_naive"], 0, annotate=True, shapes=shapes)
    rng = np.random.default_rng(1)
    args = (rng.normal(size=(5, 3)), rng.normal(size=(7, 5)), rng.integers(0, 3, 7), 0.1)
    assert assert_stated_shapes_hold(text, "grad_svm_loss_naive", args) >= 20


# ---------------------------------------------------------------- what the comments say


def test_mlp_annotations_with_docstring_names():
    """Without --shapes, the sizes are named as examples/mlp.py's docstring names them."""
    text = compiled("mlp", ["mlp_loss"], MLP_WRT, annotate=True)
    lines = comments(text, "grad_mlp_loss")
    assert "# shapes: W1=(D,H), b1=(H,), W2=(H,C), b2=(C,), X=(N,D), y=(N,), reg=()" in text
    assert lines["X_W1 = X @ W1"][0] == "mlp.py:23  (N,H) = (N,D) @ (D,H)"
    assert lines["dh = matmul_vjp_left(dh_W2, h, W2)"] == (
        "(N,H) = (N,C) @ (H,C).T",
        ["matmul: dh = dh_W2 @ W2.T (the helper also handles other ranks)"])
    assert lines["db1 = unbroadcast(dX_W1_plus_b1, b1)"] == (
        "(H,) = sum of (N,H) over axis 0", ["add distributes: d(X_W1 + b1)/db1 = 1, and",
                                            "b1 was broadcast over axis 0: sum it back"])
    assert lines["dX_W1_plus_b1 = dh * (0.5 * np.sign(X_W1_plus_b1) + 0.5)"][1] == [
        "mlp.py:23  h = np.maximum(0, X @ W1 + b1)",
        "max routes: d max(0, X_W1_plus_b1)/dX_W1_plus_b1 = step(X_W1_plus_b1)",
        "step(u) = 1 for u > 0, 0 for u < 0, 1/2 at u = 0: the code's 0.5*sign(u) + 0.5"]


def test_mlp_annotations_with_example_shapes():
    """Numbers specialize the code; the docstring's names still label the sizes."""
    text = compiled("mlp", ["mlp_loss"], MLP_WRT, annotate=True,
                    shapes=annotate.parse_shapes(MLP_NUMBERS))
    lines = comments(text, "grad_mlp_loss")
    assert "# with N=7, D=5, H=4, C=3" in text
    assert lines["dW2_from_scores = h.T @ dscores"][0] == "(H,C) = (N,H).T @ (N,C)"
    assert lines["dh = dscores @ W2.T"][0] == "(N,H) = (N,C) @ (H,C).T"
    assert lines["dW1_from_h = X.T @ dX_W1_plus_b1"][0] == "(D,H) = (N,D).T @ (N,H)"
    assert lines["db2 = np.sum(dscores, axis=0)"] == (
        "(C,) = sum of (N,C) over axis 0",
        ["mlp.py:24  scores = h @ W2 + b2", "add distributes: d(h_W2 + b2)/db2 = 1, and",
         "b2 was broadcast over axis 0: sum it back"])
    assert "Specialized to the argument shapes X=(7,5)" in text


def test_seed_annotations_state_the_local_derivatives():
    circuit = comments(compiled("circuit", ["f"], ("x", "y", "z"), annotate=True), "grad_f")
    assert circuit["dq = z"] == ("()", ["circuit.py:14  return q * z",
                                        "mul switches: d(q*z)/dq = z"])
    assert circuit["dx = dq"] == ("()", ["circuit.py:13  q = x + y",
                                         "add distributes: d(x + y)/dx = 1"])
    neuron = comments(compiled("sigmoid_neuron", ["neuron"], ("w", "x"), annotate=True),
                      "grad_neuron")
    assert neuron["dz = neuron * (1 - neuron)"][1][-1] == \
        "d(1/(1 + exp(-z)))/dz = exp(-z)/(1 + exp(-z))^2 = neuron*(1 - neuron)"
    assert neuron["dw_from_w2 = np.zeros(w.shape)"][0] == "(3,) = zeros with () written in"


def test_elementwise_maths_uses_the_function_names():
    assert annotate._math(annotate.sympy.tanh(annotate.sympy.Symbol("z")).diff(), {}) == \
        "1 - tanh(z)^2"


def test_unknown_shapes_are_marked(tmp_path):
    path = tmp_path / "model.py"
    path.write_text("import numpy as np\n\n\ndef f(w, x):\n    return np.sum(np.tanh(w * x))\n")
    text = cli.compile_file(str(path), annotate=True)
    assert "# shapes: w=?, x=?" in text
    assert "state it in a docstring" in text
    lines = comments(text, "grad_f")
    derivative = "d tanh(w_times_x)/dw_times_x = 1 - tanh(w_times_x)^2"
    assert any(derivative in above for _, a in lines.values() for above in a)


# ---------------------------------------------------------------- where shapes come from


@pytest.mark.parametrize("text, spec", [
    ("X=(64,100), W1=(100,50)", {"X": (64, 100), "W1": (100, 50)}),
    ("X=(N, D); b=(D,) reg=()", {"X": ("N", "D"), "b": ("D",), "reg": ()}),
    ("  w = ( 3 , ) ", {"w": (3,)}),
])
def test_parse_shapes(text, spec):
    assert annotate.parse_shapes(text) == spec


@pytest.mark.parametrize("text", ["X=64", "X=(1.5,2)", "X=(N,D", "=(2,)", "X=(N-1,)"])
def test_parse_shapes_refuses(text):
    with pytest.raises(SymdiffError, match="X=\\(64,100\\)"):
        annotate.parse_shapes(text)


DOCSTRINGS = '''"""Module: W is (D, C)."""


def numpy_style(X, y, reg: float):
    """Loss.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    """


def course_style(W, X):
    """
    Inputs:
    - X: A numpy array of shape (N, D) containing a minibatch of data.
    """
'''


def test_stated_shapes(tmp_path):
    from symdiff.frontend.source_modules import functions_of_file
    path = tmp_path / "shapes_stated.py"
    path.write_text(DOCSTRINGS)
    found = functions_of_file(str(path))
    assert annotate.stated_shapes(found["numpy_style"]) == {
        "X": ("n_samples", "n_features"), "y": ("n_samples",), "reg": ()}
    assert annotate.stated_shapes(found["course_style"]) == {"W": ("D", "C"), "X": ("N", "D")}
    l2 = functions_of_file(str(EXAMPLES / "l2_regression.py"))["l2_loss"]   # "X is an (N, D)
    assert annotate.stated_shapes(l2) == {                                 # minibatch"
        "W": ("D", "K"), "b": ("K",), "X": ("N", "D"), "t": ("N", "K")}


def test_named_sizes_print_back():
    sizes = annotate.Sizes({64: "N"}, {101: "D", 113: "H"})
    assert [sizes.show(d) for d in (64, 101, 100, 101 * 113, 202, 7)] == \
        ["N", "D", "D-1", "D*H", "2*D", "7"]


def test_a_size_two_names_claim_prints_as_a_number():
    numbers, sizes = annotate.resolve({"X": ("N", "D"), "W": ("D", "H")},
                                      {"X": (5, 5), "W": (5, 4)}, set())
    assert numbers == {"X": (5, 5), "W": (5, 4)}
    assert sizes.exact == {4: "H"}


# ---------------------------------------------------------------- the Python API


def test_source_for_annotated_matches_the_command_line(load_example):
    g = symdiff.grad(load_example("mlp").mlp_loss, wrt=MLP_WRT)
    args = mlp_args()
    text = g.source_for(*args, annotate=True)
    assert function_trees(text)[0] == function_trees(g.source_for(*args))[0]
    assert comments(text, "grad_mlp_loss")["dW2_from_scores = h.T @ dscores"][0] == \
        "(H,C) = (N,H).T @ (N,C)"
    assert g(*args)[0].shape == (5, 4)        # the call still runs the plain code


def test_annotated_source(load_example):
    g = symdiff.grad(load_example("mlp").mlp_loss, wrt=MLP_WRT)
    text = g.annotated_source("X=(B,D)")
    assert comments(text, "grad_mlp_loss")["X_W1 = X @ W1"][0] == "mlp.py:23  (B,H) = (B,D) @ (D,H)"
    assert function_trees(text) == function_trees(g.source)
    assert g.annotated_source({"X": (7, 5)}) != text
    with pytest.raises(SymdiffError, match="not a parameter"):
        g.annotated_source({"Q": (2,)})


# ---------------------------------------------------------------- the command line


def test_cli_annotate_with_named_shapes(tmp_path, capsys):
    out = tmp_path / "mlp_grad.py"
    code = cli.main(["compile", str(EXAMPLES / "mlp.py"), "-f", "mlp_loss", "--wrt",
                     ",".join(MLP_WRT), "--annotate", "--shapes", "X=(B,D), y=(B,)",
                     "-o", str(out)])
    assert code == 0 and capsys.readouterr().out == ""
    text = out.read_text()
    assert comments(text, "grad_mlp_loss")["X_W1 = X @ W1"][0] == "mlp.py:23  (B,H) = (B,D) @ (D,H)"
    assert "Specialized" not in text              # names do not specialize the code
    assert function_trees(text) == function_trees(compiled("mlp", ["mlp_loss"], MLP_WRT))


def test_cli_shapes_without_annotate_specializes(capsys):
    code = cli.main(["compile", str(EXAMPLES / "mlp.py"), "-f", "mlp_loss", "--wrt",
                     ",".join(MLP_WRT), "--shapes", MLP_NUMBERS])
    text = capsys.readouterr().out
    assert code == 0 and "dW2_from_scores = h.T @ dscores  " in text and "# (H,C)" not in text
    assert "Specialized to the argument shapes X=(7,5), W1=(5,4)" in text


def test_cli_refuses_unreadable_shapes(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["compile", str(EXAMPLES / "mlp.py"), "--shapes", "X=(N,D"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--shapes" in err and 'X=(64,100)' in err


def test_cli_refuses_shapes_of_unknown_parameters(tmp_path, capsys):
    out = tmp_path / "never.py"
    code = cli.main(["compile", str(EXAMPLES / "mlp.py"), "-f", "mlp_loss", "--annotate",
                     "--shapes", "Z=(3,)", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "Z, not a parameter of mlp_loss" in err and "choose from: W1" in err
    assert not out.exists()


@pytest.mark.parametrize("shapes, found", [("X=(64,100), W1=(99,50)", "(N,100) @ (99,H)"),
                                           ("X=(N,E)", "(N,E) @ (D,H)"),
                                           ("b2=(4,), W2=(50,10)", "(N,10), (4,)")])
def test_cli_refuses_shapes_that_do_not_fit(shapes, found, capsys):
    code = cli.main(["compile", str(EXAMPLES / "mlp.py"), "-f", "mlp_loss", "--shapes", shapes])
    err = capsys.readouterr().err
    assert code == 1 and f"the shapes given do not fit here: {found}" in err
    assert "mlp.py:2" in err and "^" in err


def test_annotated_source_refuses_shapes_that_do_not_fit(load_example):
    g = symdiff.grad(load_example("mlp").mlp_loss)
    with pytest.raises(SymdiffError, match=r"do not fit here: \(N,D\) @ \(E,H\)"):
        g.annotated_source({"W1": ("E", "H")})


DEAD_FORWARD = '''
import numpy as np


def f(x, y, w):
    s1 = np.minimum(w, y[1]) if np.minimum(x[2], x[1]) < 0.0 else np.mean(x[1:] - x[:2])
    x = np.maximum(np.mean(y[::-1]) * (x[::-1] / (2.0 + np.cos(y))), x / (1.0 + y[1] * y[1]) * y)
    x = np.concatenate((x[1:], x[:1]))
    s1 *= np.tanh(np.dot(x[:2], x[1:]))
    return np.sum(x / (1.0 + (x * x) ** 2)) + (y[1] - y[1] + 0.3 * 0.1)
'''


def test_names_of_dead_forward_code_reused_by_the_backward(tmp_path):
    """Found by fuzzing: `s1` is dead, the optimizer drops its lines before the chain rule
    runs, and the backward reuses their names; their shapes must not leak into it."""
    f = load_module(tmp_path, "dead_forward", DEAD_FORWARD).f
    args = (np.array([0.3, -1.2, 0.8]), np.array([1.1, 0.4, -0.7]), 0.9)
    g = symdiff.grad(f, wrt=(0, 1, 2))
    assert assert_stated_shapes_hold(g.annotated_source(), "grad_f", args, sizes={}) >= 5
    assert assert_stated_shapes_hold(g.source_for(*args, annotate=True), "grad_f", args,
                                     sizes={}) >= 20


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz_annotate")


def test_random_programs(fuzz_folder):
    """Random programs (branches, loops, local arrays; tests/fuzz_programs.py): annotated
    code is the same code, and every shape it states holds at run time. (A longer run of
    the same check, 540 programs, found the bug pinned in the test above.)"""
    from hypothesis import HealthCheck, Phase, assume, given, note, settings
    from hypothesis import strategies as st

    from fuzz_programs import copy_args, pick_inputs, programs

    @settings(deadline=None, derandomize=True, database=None, max_examples=5,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])
    @given(program=programs(), seed=st.integers(0, 2 ** 32 - 1))
    def check(program, seed):
        note(program.source)
        args = pick_inputs(program, seed)
        assume(args is not None)
        g = symdiff.grad(load_module(fuzz_folder, "fuzz", program.source).f, wrt=(0, 1, 2))
        annotated = g.source_for(*args, annotate=True)
        assert function_trees(annotated) == function_trees(g.source_for(*args))
        assert_stated_shapes_hold(annotated, "grad_f", copy_args(args), sizes={})
        assert_stated_shapes_hold(g.annotated_source(), "grad_f", copy_args(args), sizes={})
    check()


def test_forward_mode_annotated(load_example):
    """--mode forward: same code; the tangents' shapes are their arguments' shapes."""
    plain = compiled("mlp", ["mlp_loss"], ("W1", "b1"), mode="forward")
    text = compiled("mlp", ["mlp_loss"], ("W1", "b1"), mode="forward", annotate=True)
    assert function_trees(text) == function_trees(plain)
    assert comments(text, "jvp_mlp_loss")["tmp_dot = X @ W1_dot"][0].startswith(
        "(N,H) = (N,D) @ (D,H)")
    args = mlp_args()
    tangents = (np.ones_like(args[0]), np.ones_like(args[1]))
    assert assert_stated_shapes_hold(text, "jvp_mlp_loss", args + tangents) >= 40


def test_explain_passes_is_for_reverse_mode(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["compile", str(EXAMPLES / "circuit.py"), "--explain-passes", "--order", "2"])
    assert exit_.value.code == 2 and "reverse mode" in capsys.readouterr().err
