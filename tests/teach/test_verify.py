"""check_backward and `symdiff verify`: hand-written backward passes, right and wrong.

Right ones (CS231n's solutions) must be reported OK; each wrong kind found in public
solutions must be caught, with its diagnosis. symdiff's side of every comparison is
itself checked against central differences of the user's forward pass.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import symdiff
import backward_corpus as bc
from support import numerical_jacobian

CORPUS = str(Path(bc.__file__).resolve())
N, D, C, H = 6, 4, 3, 5


def linear_args(seed=1):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((D, C)) * 0.1, rng.standard_normal((N, D)),
            rng.integers(0, C, N), 0.3)


def net_args(seed=2):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((D, H)), rng.standard_normal(H) * 0.1,
            rng.standard_normal((H, C)), rng.standard_normal(C) * 0.1,
            rng.standard_normal((N, D)), rng.integers(0, C, N), 0.1)


def rnn_args(seed=3):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((3, D)), rng.standard_normal(H) * 0.5,
            rng.standard_normal((D, H)) * 0.5, rng.standard_normal((H, H)) * 0.5)


def layer_input(seed=4):
    return (np.random.default_rng(seed).standard_normal((N, D)),)


def assert_symdiff_side_is_right(report, f, args, of):
    """symdiff's gradient, as the report holds it, against central differences of f (which
    takes the arguments of the function ``of``)."""
    params = of.__code__.co_varnames[:of.__code__.co_argcount]
    for g in report.gradients:
        i = params.index(g.argument)
        want = numerical_jacobian(f, args, i)
        np.testing.assert_allclose(g.correct_array, want, rtol=1e-5, atol=1e-7)


LOSSES_RIGHT = [("svm_loss_vectorized", linear_args), ("svm_loss_naive", linear_args),
                ("softmax_loss_vectorized", linear_args), ("two_layer_loss", net_args),
                ("rnn_loss", rnn_args)]


@pytest.mark.parametrize("name, make", LOSSES_RIGHT)
def test_right_losses_are_ok(name, make):
    fn, args = getattr(bc, name), make()
    report = symdiff.check_backward(fn, None, *args)
    assert report.ok, str(report)
    assert all(g.ok for g in report.gradients) and "wrong" not in str(report)
    assert_symdiff_side_is_right(report, lambda *a: fn(*a)[0], args, fn)
    for g in report.gradients:          # and the hand-written gradient agrees with numbers
        np.testing.assert_allclose(g.hand_array, g.correct_array, rtol=1e-6, atol=1e-9)


def _vjp_value(forward, douts):
    def value(*args):
        outs = forward(*args)[:len(douts)]
        return sum(float(np.sum(o * d)) for o, d in zip(outs, douts))
    return value


PAIRS_RIGHT = [("affine", lambda: layer_input() + (np.random.default_rng(5).standard_normal(
                    (D, C)), np.random.default_rng(6).standard_normal(C))),
               ("relu", layer_input), ("sigmoid", layer_input), ("softmax", layer_input),
               ("gelu", layer_input),
               ("word_embedding", lambda: (np.array([[0, 2, 1], [2, 3, 0]]),
                                           np.random.default_rng(7).standard_normal((5, 3)))),
               ("split", lambda: layer_input() + (np.random.default_rng(8).standard_normal(D),))]


@pytest.mark.parametrize("name, make", PAIRS_RIGHT)
def test_right_layers_are_ok(name, make):
    forward, backward = getattr(bc, f"{name}_forward"), getattr(bc, f"{name}_backward")
    args = make()
    report = symdiff.check_backward(forward, backward, *args, seed=3)
    assert report.ok, str(report)
    rng = np.random.default_rng(3)      # the douts check_backward draws with seed=3
    outs = forward(*args)[:-1]
    douts = [rng.standard_normal(np.shape(o)) for o in outs]
    assert_symdiff_side_is_right(report, _vjp_value(forward, douts), args, forward)


def test_a_given_dout_is_used():
    x, = layer_input()
    dout = np.ones((N, D))
    report = symdiff.check_backward(bc.sigmoid_forward, bc.sigmoid_backward, x, dout=dout)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(report.gradients[0].correct_array, s * (1 - s), rtol=1e-12)


def diagnosis(report, k=0):
    return " ".join(report.gradients[k].diagnosis)


def test_constant_factor_two():
    report = symdiff.check_backward(bc.svm_loss_twice, None, *linear_args())
    assert not report.ok
    assert "off by a constant factor 2" in diagnosis(report)
    g = report.gradients[0]
    assert g.hand == pytest.approx(2 * g.correct) and g.numerical == pytest.approx(g.correct,
                                                                                    rel=1e-6)
    assert_symdiff_side_is_right(report, lambda *a: bc.svm_loss_twice(*a)[0], linear_args(),
                                 bc.svm_loss_twice)


def test_flipped_l2_sign_is_right_except_for_the_regularization_term():
    report = symdiff.check_backward(bc.softmax_loss_flipped_l2, None, *linear_args())
    text = diagnosis(report)
    assert "right except for the term with reg" in text and "sign flipped" in text
    assert "loss += reg * np.sum(W * W)" in text
    W, X, y, _ = linear_args()
    assert symdiff.check_backward(bc.softmax_loss_flipped_l2, None, W, X, y, 0.0).ok


def test_sign_used_for_the_gradient_of_an_l2_norm():
    args = linear_args()
    report = symdiff.check_backward(bc.softmax_loss_l2_norm_sign, None, *args)
    text = diagnosis(report)
    assert "right except for the term with reg" in text and "np.linalg.norm(W)" in text
    W, reg = args[0], args[3]
    g = report.gradients[0]
    at = g.worst
    assert f"is {reg * np.sign(W)[at]:.6g}, should be {(reg * W / np.linalg.norm(W))[at]:.6g}" \
        in text
    assert_symdiff_side_is_right(report, lambda *a: bc.softmax_loss_l2_norm_sign(*a)[0], args,
                                 bc.softmax_loss_l2_norm_sign)


def test_softmax_jacobian_reduced_to_its_diagonal():
    report = symdiff.check_backward(bc.softmax_diagonal_forward, bc.softmax_diagonal_backward,
                                    *layer_input())
    assert not report.ok and "only the diagonal of the Jacobian" in diagnosis(report)
    right = symdiff.check_backward(bc.softmax_forward, bc.softmax_backward, *layer_input())
    assert right.ok


def test_repeated_words_accumulated_into_one_row():
    x = np.array([[0, 2, 1], [2, 3, 0]])
    W = np.random.default_rng(7).standard_normal((6, 3))
    report = symdiff.check_backward(bc.embedding_overwrite_forward,
                                    bc.embedding_overwrite_backward, x, W)
    text = diagnosis(report)
    assert "wrong rows: [0, 2]" in text and "np.add.at" in text
    g = report.gradients[0]
    for row in (1, 3, 4, 5):            # the rows of words seen once (or never) are right
        np.testing.assert_allclose(g.hand_array[row], g.correct_array[row])


def test_gelu_approximation_with_the_exact_gelus_gradient():
    report = symdiff.check_backward(bc.gelu_exact_grad_forward, bc.gelu_exact_grad_backward,
                                    *layer_input())
    assert not report.ok and "close everywhere" in diagnosis(report)
    g = report.gradients[0]
    assert g.numerical == pytest.approx(g.correct, rel=1e-6)


def test_hidden_states_overwritten_in_a_list():
    args = rnn_args()
    report = symdiff.check_backward(bc.rnn_loss_overwritten, None, *args)
    assert not report.ok and [g.name for g in report.wrong] == ["dWx", "dWh"]
    assert_symdiff_side_is_right(report, lambda *a: bc.rnn_loss_overwritten(*a)[0], args,
                                 bc.rnn_loss_overwritten)
    assert symdiff.check_backward(bc.rnn_loss, None, *args).ok


def test_first_intermediate_that_differs():
    report = symdiff.check_backward(bc.two_layer_loss_no_correct_class, None, *net_args())
    first = report.first_difference
    assert first is not None and first.name == "dscores" and first.text == "dscores = probs / N"
    assert "first intermediate that differs: dscores (line" in str(report)


def test_intermediates_right_before_the_error():
    report = symdiff.check_backward(bc.two_layer_loss_no_relu_mask, None, *net_args())
    assert [g.name for g in report.wrong] == ["dW1", "db1"]
    assert report.first_difference is None
    assert [(i.name, i.ok) for i in report.intermediates] == [("dscores", True),
                                                               ("dhidden", True)]
    assert "the error is made after line" in str(report)


def test_scalar_gradients_and_names_from_positions():
    w, alpha = np.random.default_rng(9).standard_normal(4), 0.7
    report = symdiff.check_backward(bc.weighted_l2, None, w, alpha)
    assert report.ok and [g.argument for g in report.gradients] == ["w", "alpha"]
    bad = symdiff.check_backward(bc.weighted_l2_bad_scalar, None, w, alpha)
    assert [g.name for g in bad.wrong] == ["dalpha"]
    assert "off by a constant factor 2" in diagnosis(bad, 1)


def test_wrt_says_which_arguments():
    w, alpha = np.random.default_rng(9).standard_normal(4), 0.7
    report = symdiff.check_backward(bc.weighted_l2, None, w, alpha, wrt=("w", 1))
    assert report.ok
    with pytest.raises(symdiff.SymdiffError, match="cannot tell which arguments"):
        symdiff.check_backward(bc.weighted_l2, None, w, alpha, wrt=("w",))


def test_a_loss_that_cannot_be_separated_is_refused():
    rng = np.random.default_rng(0)
    with pytest.raises(symdiff.SymdiffError, match="cannot separate the loss"):
        symdiff.check_backward(bc.loss_after_mutation, None, rng.standard_normal((3, 2)),
                               rng.standard_normal((4, 3)))


def test_a_function_returning_only_the_loss_is_refused():
    def only(w):
        return np.sum(w * w)
    with pytest.raises(symdiff.SymdiffError, match="not \\(loss, gradients"):
        symdiff.check_backward(only, None, np.ones(3))


def test_an_argument_in_the_place_of_the_backward_is_refused():
    W, X, y, reg = linear_args()
    with pytest.raises(symdiff.SymdiffError, match="pass None as the backward"):
        symdiff.check_backward(bc.svm_loss_vectorized, W, X, y, reg)


def test_the_arguments_are_not_changed():
    args = linear_args()
    copies = [np.copy(a) for a in args]
    symdiff.check_backward(bc.softmax_loss_flipped_l2, None, *args)
    for a, b in zip(args, copies):
        np.testing.assert_array_equal(a, b)


def test_report_displays():
    report = symdiff.check_backward(bc.svm_loss_twice, None, *linear_args())
    html = report._repr_html_()
    assert "wrong" in html and "#c0392b" in html and "<table>" in html
    md = report._repr_markdown_()
    assert md.startswith("**svm\\_loss\\_twice (") and "| `dW` | **wrong**" in md
    assert "off by a constant factor 2" in md
    assert repr(report) == "<BackwardReport svm_loss_twice: 1 of 1 gradients wrong>"
    ok = symdiff.check_backward(bc.svm_loss_vectorized, None, *linear_args())
    assert "#1b7f3b" in ok._repr_html_() and str(ok).endswith(
        "all 1 gradients agree with symdiff\n")


def test_import_symdiff_loads_no_verify_module():
    code = ("import sys, symdiff; assert not [m for m in sys.modules if 'teach' in m]; "
            "symdiff.check_backward; assert 'symdiff.teach.verify' in sys.modules; "
            "assert 'check_backward' in dir(symdiff)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


# ---------------------------------------------------------------- the command line


def verify(*argv, cwd=None):
    return subprocess.run([sys.executable, "-m", "symdiff.cli", "verify", *argv],
                          capture_output=True, text=True, cwd=cwd)


NET_AT = ("W1=rng.standard_normal((4, 5)), b1=rng.standard_normal(5) * 0.1, "
          "W2=rng.standard_normal((5, 3)), b2=np.zeros(3), X=rng.standard_normal((6, 4)), "
          "y=np.array([0, 1, 2, 1, 0, 2]), reg=0.1")


def test_cli_right_loss_exits_zero():
    run = verify(CORPUS, "-f", "two_layer_loss", "--at", NET_AT)
    assert run.returncode == 0, run.stderr
    assert "all 4 gradients agree with symdiff" in run.stdout


def test_cli_wrong_loss_exits_one_and_says_where():
    run = verify(CORPUS, "-f", "two_layer_loss_no_correct_class", "--at", NET_AT)
    assert run.returncode == 1 and "4 of 4 gradients wrong" in run.stdout
    assert "first intermediate that differs: dscores" in run.stdout


@pytest.mark.parametrize("name", ["softmax_diagonal", "softmax_diagonal_forward"])
def test_cli_pairs_by_name(name):
    run = verify(CORPUS, "-f", name, "--at", "x=rng.standard_normal((3, 4))")
    assert run.returncode == 1 and "only the diagonal of the Jacobian" in run.stdout


def test_cli_backward_given(tmp_path):
    run = verify(CORPUS, "-f", "softmax_forward", "--backward", "softmax_diagonal_backward",
                 "--at", "x=rng.standard_normal((3, 4))", "--format", "markdown")
    assert run.returncode == 1 and "| `dx` | **wrong**" in run.stdout


def test_cli_inputs_function(tmp_path):
    model = tmp_path / "layers.py"
    model.write_text("import numpy as np\n\n"
                     "def scale_forward(x, a):\n    return a * x, (x, a)\n\n"
                     "def scale_backward(dout, cache):\n    x, a = cache\n"
                     "    return dout * a, np.sum(dout * x)\n\n"
                     "def inputs():\n    return {'x': np.linspace(-1, 1, 5), 'a': 1.5}\n")
    run = verify(str(model), "-f", "scale", "--inputs", "inputs", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "dx  OK" in run.stdout and "da  OK" in run.stdout


@pytest.mark.parametrize("argv, message", [
    (["-f", "nothing", "--at", "x=1"], "has no function nothing"),
    (["-f", "relu"], "needs arguments to be checked at"),
    (["-f", "relu", "--at", "x=undefined_name"], "cannot evaluate undefined_name"),
    (["-f", "relu", "--at", "x=("], "cannot read the argument values"),
    (["-f", "relu", "--at", "y=1"], "arguments of relu_forward"),
])
def test_cli_errors(argv, message):
    run = verify(CORPUS, *argv)
    assert run.returncode == 1 and message in run.stderr and "Traceback" not in run.stderr


def test_a_hard_coded_penalty_whose_gradient_is_missing():
    W, X, y, _ = linear_args()
    report = symdiff.check_backward(bc.svm_loss_no_reg_grad, None, W, X, y)
    assert "right except for the term `1e-2 * np.sum(W * W)` (line" in diagnosis(report)
    assert "its gradient is missing" in diagnosis(report)
    g = report.gradients[0]
    np.testing.assert_allclose(g.correct_array - g.hand_array, 2e-2 * W, rtol=1e-9)
    assert_symdiff_side_is_right(report, lambda *a: bc.svm_loss_no_reg_grad(*a)[0], (W, X, y),
                                 bc.svm_loss_no_reg_grad)


def test_a_separate_penalty_term_with_its_gradient_doubled():
    report = symdiff.check_backward(bc.two_layer_reg_half, None, *net_args())
    assert [g.name for g in report.wrong] == ["dW2"]
    assert "`0.05 * np.sum(W2 * W2)`" in diagnosis(report, 2)
    assert "off by a factor 2" in diagnosis(report, 2)


def test_an_intermediate_masked_in_place_is_right_before_the_mask():
    """dhidden holds the gradient of hidden until `dhidden[hidden <= 0] = 0` turns it into
    the gradient of the pre-activation: no false alarm on it."""
    report = symdiff.check_backward(bc.two_layer_reg_half, None, *net_args())
    assert [(i.name, i.ok) for i in report.intermediates] == [("dscores", True),
                                                               ("dhidden", True)]
    assert report.first_difference is None and "error is made after" not in str(report)


def layer_values(seed=10):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, D)), rng.standard_normal((D, C)), rng.standard_normal(C)


def test_a_layer_object_is_checked_without_being_changed():
    x, W, b = layer_values()
    layer = bc.Affine(W.copy(), b.copy())
    report = symdiff.check_backward(layer.forward, layer.backward, x)
    assert report.ok, str(report)
    assert [(g.name, g.argument) for g in report.gradients] == [("dx", "x"), ("dW", "W"),
                                                                ("db", "b")]
    assert not hasattr(layer, "dW") and not hasattr(layer, "x")
    np.testing.assert_array_equal(layer.W, W)
    dout = np.random.default_rng(0).standard_normal((N, C))     # check_backward's seed 0
    np.testing.assert_allclose(report.gradients[1].correct_array, x.T @ dout, rtol=1e-12)
    np.testing.assert_allclose(report.gradients[0].correct_array, dout @ W.T, rtol=1e-12)


def test_a_layer_with_a_wrong_parameter_gradient():
    x, W, b = layer_values()
    report = symdiff.check_backward(bc.AffineBadBias(W, b), None, x)
    assert [g.name for g in report.wrong] == ["db"]
    assert "off by a constant factor 1/6" in diagnosis(report, 2)
    assert "divided by 6, a size of x (axis 0): a mean where a sum belongs" in \
        diagnosis(report, 2)
    assert str(report).startswith("AffineBadBias.forward / AffineBadBias.backward")


def test_a_layer_keeping_its_gradients_in_a_dict():
    x = layer_values()[0]
    report = symdiff.check_backward(bc.Tanh(0.7), None, x)
    assert report.ok and [g.argument for g in report.gradients] == ["x", "scale"]
    dout = np.random.default_rng(0).standard_normal(x.shape)
    t = np.tanh(0.7 * x)
    assert report.gradients[1].correct == pytest.approx(np.sum(dout * (1 - t ** 2) * x))


def test_cli_layer_class():
    run = verify(CORPUS, "-f", "AffineBadBias", "--init",
                 "W=rng.standard_normal((3, 2)), b=np.zeros(2)",
                 "--at", "x=rng.standard_normal((4, 3))")
    assert run.returncode == 1 and "db  wrong" in run.stdout and "dW  OK" in run.stdout
    missing = verify(CORPUS, "-f", "Affine", "--at", "x=rng.standard_normal((4, 3))")
    assert missing.returncode == 1 and "--init" in missing.stderr
