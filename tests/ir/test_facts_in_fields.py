"""Facts live in fields: rewording a comment changes no generated code, and no name
decides what a value is (a user variable called ``tmp`` or ``dx`` is the user's).

A note is the comment the printer writes beside a line; the role of a statement
(forward, backward, tangent, tape) and whether a node sums a gradient's contributions
are fields (``Node.role``, ``Node.gradient_sum``), and the passes and the code generator
read those.
"""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import symdiff
from symdiff.ir import BACKWARD, FORWARD, TANGENT, TAPE, nodes
from support import numerical_jacobian

HERE = pathlib.Path(__file__).resolve().parents[1]     # tests/


def _generated(*flags) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(HERE.parent), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(HERE / "reworded_notes.py"), *flags],
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)


def test_rewording_every_note_changes_no_generated_code():
    plain, reworded = _generated(), _generated("--reword")
    assert plain.keys() == reworded.keys()
    assert not any(lines[0].startswith("refused") for lines in plain.values())
    changed = [key for key in plain if plain[key] != reworded[key]]
    assert changed == []


def test_rewording_changes_the_comments():
    """The rewording reaches the printed comments (so the test above compares something)."""
    import reworded_notes
    code = "def f(x, y):\n    q = x * y  # mul\n    # forward\n    return q\n"
    assert reworded_notes.without_comments(code) == ["def f(x, y):", "    q = x * y",
                                                     "    return q"]
    script = ("import sys, reworded_notes as r; r.reword_every_note(); "
              "from symdiff.cli import compile_file; "
              "print(compile_file(sys.argv[1], ['svm_loss_naive'], ('W',)))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), str(HERE)])}
    out = subprocess.run([sys.executable, "-c", script, str(HERE / "control_flow_corpus.py")],
                         capture_output=True, text=True, env=env, check=True).stdout
    assert "REWORDED" in out


def _roles(fn):
    return {n.out.name: n.role for n in nodes(fn.body)}


def test_the_chain_rule_marks_roles_and_sums():
    from symdiff import pipeline
    from symdiff.frontend.parse import source_of

    def f(x, n):
        s = 0.0
        for _ in range(n):
            s = np.sin(s) * x + x
        return s
    src = source_of(f)
    grad, _, _ = pipeline.chain_rule_ir(src, (0,))
    roles = set(_roles(grad).values())
    assert {FORWARD, BACKWARD, TAPE} <= roles
    sums = [n for n in nodes(grad.body) if n.gradient_sum]
    assert sums and all(n.role == BACKWARD and n.op == "ew" for n in sums)
    tangent = pipeline.jvp_ir(src, (0,))
    assert TANGENT in set(_roles(tangent).values())


# ------------------------------------------------------------ user names like made-up ones

def tmp_named(tmp, y):
    tmp_1 = tmp * y
    return np.sum(np.tanh(tmp_1) * tmp)


def d_named(dx, x):
    q = dx * x
    dq = q + dx
    return np.sum(dq * dq)


def tape_named(tape_x, n: int):
    s = 0.0
    for _ in range(n):
        tape_x = np.sin(tape_x)
        s = s + np.sum(tape_x * tape_x)
    return s


def cond_named(cond, tmp_3):
    if np.sum(cond) > 0:
        cond = cond * tmp_3
    else:
        cond = cond - tmp_3
    return np.sum(cond ** 2)


def saved_named(saved, iterations):
    checked = saved * iterations
    for _ in range(3):
        checked = checked * saved + iterations
    return np.sum(checked)


CASES = [
    (tmp_named, ("tmp", "y"), lambda r: (r.standard_normal(4), r.standard_normal(4))),
    (d_named, ("dx", "x"), lambda r: (r.standard_normal(3), r.standard_normal(3))),
    (tape_named, ("tape_x",), lambda r: (r.standard_normal(3), 4)),
    (cond_named, ("cond", "tmp_3"), lambda r: (np.abs(r.standard_normal(3)) + 0.5,
                                               r.standard_normal(3))),
    (cond_named, ("cond", "tmp_3"), lambda r: (-np.abs(r.standard_normal(3)) - 0.5,
                                               r.standard_normal(3))),
    (saved_named, ("saved", "iterations"), lambda r: (0.5 * r.standard_normal(3),
                                                       r.standard_normal(3))),
]


@pytest.mark.parametrize("f, wrt, make", CASES,
                         ids=["tmp", "dx", "tape_x", "cond>0", "cond<0", "saved"])
def test_user_names_that_look_made_up_keep_their_gradients(f, wrt, make):
    args = make(np.random.default_rng(12))
    value, grads = symdiff.value_and_grad(f, wrt=wrt)(*args)
    assert np.isclose(value, f(*args), rtol=1e-12)
    names = list(f.__code__.co_varnames[:f.__code__.co_argcount])
    expected = [numerical_jacobian(f, args, names.index(name)) for name in wrt]
    for name, got, want in zip(wrt, grads, expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8, err_msg=f"d{name}")
    source = symdiff.grad(f, wrt=wrt).source
    for name in wrt:                     # every user variable keeps its gradient's name
        assert f"d{name} =" in source or f"d{name}," in source or f" d{name}" in source


def test_a_tangent_parameter_is_known_by_the_function_not_by_its_name():
    """``hvp_f(..., v)`` for one argument: v is W1's direction (``Function.tangents``),
    so the annotations state its shape, as they do for ``v_W1`` and ``W1_dot``."""
    from symdiff import cli, pipeline
    from symdiff.frontend.source_modules import functions_of_file
    path = str(HERE.parent / "examples" / "mlp.py")
    text = cli.compile_file(path, ["mlp_loss"], ("W1",), order=2, annotate=True)
    hvp = text[text.index("def hvp_mlp_loss"):]
    line = next(line for line in hvp.splitlines() if "= X @ v " in line)
    assert "(N,H) = (N,D) @ (D,H)" in line
    src = functions_of_file(path)["mlp_loss"]
    assert dict(pipeline.hvp_ir(src, (0,)).tangents) == {"v": "W1"}
    assert dict(pipeline.jvp_ir(src, (0, 1)).tangents) == {"W1_dot": "W1", "b1_dot": "b1"}
