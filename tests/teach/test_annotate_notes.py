"""What --annotate says where the code is not what the maths suggests: the ReLU's step at
0 (the code's 0.5*sign(u) + 0.5), the zero gradient of a softmax's max, and the source
line of a gradient added in at a branch's join inside a loop."""
from __future__ import annotations

import numpy as np

import symdiff
from symdiff import cli
from symdiff.teach.annotate import STEP
from support import EXAMPLES_DIR, load_module
from test_annotate import comments, compiled

MLP_WRT = ("W1", "b1", "W2", "b2")


def test_relu_comment_says_what_the_code_computes(tmp_path):
    text = compiled("mlp", ["mlp_loss"], MLP_WRT, annotate=True)
    lines = comments(text, "grad_mlp_loss")
    relu = next(above for code, (_, above) in lines.items() if "np.sign(X_W1_plus_b1)" in code)
    assert relu[-2].endswith("= step(X_W1_plus_b1)") and relu[-1] == STEP
    assert "1(" not in text
    # and it is what the code computes: at 0 the gradient is 1/2 of the upstream one
    module = load_module(tmp_path, "relu_at_zero", "import numpy as np\n\n"
                         "def f(x):\n    return np.sum(np.maximum(0, x))\n")
    assert symdiff.grad(module.f)(np.array([-1.0, 0.0, 2.0])).tolist() == [0.0, 0.5, 1.0]


def test_softmax_max_gets_a_note_saying_why_its_gradient_is_zero():
    for example, function, wrt in (("mlp", "mlp_loss", MLP_WRT),
                                   ("softmax_loss", "softmax_loss", ("W",))):
        text = compiled(example, [function], wrt, annotate=True)
        notes = [line for line in text.splitlines() if "no gradient for" in line]
        assert notes, example
        assert all("(the max of scores)" in n for n in notes)
        assert "softmax is shift-invariant), so its gradient is 0" in text


def test_no_note_where_the_max_carries_a_gradient(tmp_path):
    path = tmp_path / "plain_max.py"
    path.write_text("import numpy as np\n\n"
                    "def f(s):\n    return np.sum(s - np.max(s, axis=1, keepdims=True) ** 2)\n")
    text = cli.compile_file(str(path), ["f"], 0, annotate=True)
    assert "no gradient for" not in text


def test_a_gradient_added_at_a_join_belongs_to_the_line_it_comes_from():
    """svm_loss_naive adds the gradient of `scores[j]` (line 41) into dscores where the
    branch `if j == y[i]:` joins: its comment heading is line 41, not the if."""
    path = EXAMPLES_DIR.parent / "tests" / "control_flow_corpus.py"
    text = cli.compile_file(str(path), ["svm_loss_naive"], 0, annotate=True)
    body = text[text.index("def grad_svm_loss_naive("):]
    body = body[:body.index("\n\n\n")]
    heading = None
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("# control_flow_corpus.py:"):
            heading = stripped.split()[1]
        if stripped.startswith("dscores_3[j] +=") or "+= dcorrect_class_score_1" in stripped:
            assert heading == "control_flow_corpus.py:41", (stripped, heading)
