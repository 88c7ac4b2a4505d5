"""``symdiff compile --explain-passes``: the chain rule's output, then one unified diff per
optimizer pass, ending in exactly the compiled module.

The explanation is taken apart into its sections; the diffs are applied in order, each
one strictly (every context and removed line must match), starting from the first
listing. Each stage in between is run: every one computes the gradient (central
differences), so every pass is seen to keep the meaning while it changes the code.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pytest

from symdiff import cli, pipeline

from symdiff.teach import optimize_trace
from symdiff.check import numerical_gradient
from symdiff.optimize.passes import PASSES
from symdiff.ir.shapes import mark_items
from support import load_module

TESTS = Path(__file__).resolve().parents[1]
EXAMPLES = TESTS.parent / "examples"
CORPUS = TESTS / "control_flow_corpus.py"
HEADING = re.compile(r"^=== (.*) ===\n", re.M)
PASS_NAMES = [optimize_trace.pass_name(p) for p in pipeline._with_shapes({})]


def sections(text: str) -> list[tuple[str, str]]:
    """(title, body) of each section; a blank line separates a body from the next title."""
    marks = list(HEADING.finditer(text))
    assert marks and marks[0].start() == 0, "the explanation starts with a title"
    out = []
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        body = text[m.end():end]
        if k + 1 < len(marks):
            assert body.endswith("\n\n") or body == "\n", f"no blank line after {m.group(1)}"
            body = body[:-1]
        out.append((m.group(1), body))
    return out


def apply_diff(text: str, diff: str) -> str:
    """Apply a unified diff strictly: every context and removed line must be there."""
    lines = text.splitlines(keepends=True)
    body = diff.splitlines(keepends=True)
    assert body[0].startswith("--- ") and body[1].startswith("+++ "), body[:2]
    out, at, k = [], 0, 2
    while k < len(body):
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", body[k])
        assert m, f"not a hunk header: {body[k]!r}"
        start = int(m.group(1)) - (0 if m.group(2) == "0" else 1)
        assert start >= at, "hunks out of order"
        out += lines[at:start]
        at, k = start, k + 1
        while k < len(body) and not body[k].startswith("@@"):
            mark, line = body[k][0], body[k][1:]
            if mark in " -":
                assert lines[at] == line, f"line {at + 1}: {lines[at]!r} != {line!r}"
                at += 1
            if mark in " +":
                out.append(line)
            k += 1
    return "".join(out + lines[at:])


@functools.lru_cache(maxsize=None)
def _explained(path, functions: tuple, wrt, options: tuple) -> tuple[str, str]:
    text, _ = cli.explain_passes(str(path), list(functions), wrt, **dict(options))
    return text, cli.compile_file(str(path), list(functions), wrt, **dict(options))


def explained(path, functions, wrt=0, **options) -> tuple[str, str]:
    """The explanation and, compiled separately, the module it must end with."""
    return _explained(path, tuple(functions), wrt, tuple(sorted(options.items())))


def functions_of(module: str) -> list[str]:
    """The top-level functions of a generated module (helpers too), as text."""
    blocks = [b.strip("\n") for b in module.split("\n\n\n")]
    return [b for b in blocks if re.search(r"^def ", b, re.M)]


def stages(text: str) -> list[tuple[str, str]]:
    """(what produced it, module source) for the first listing and after each diff; the
    last one's functions are those of the compiled output (which adds value_and_grad_*)."""
    parts = sections(text)
    assert parts[0][0].startswith("the chain rule, before optimizing")
    assert parts[-1][0] == "the compiled output"
    current, out = parts[0][1], [("chain rule", parts[0][1])]
    for title, body in parts[1:-1]:
        if title.endswith(": no change") or "no pass changes anything" in title or \
                "without the argument shapes" in title:
            assert body == "", f"{title} has a body"
            continue
        name = title.rsplit(": ", 1)[1]
        description, _, diff = body.partition("--- ")
        assert description.strip(), f"{title} says nothing about the pass"
        current = apply_diff(current, "--- " + diff)
        out.append((name, current))
    compiled = functions_of(parts[-1][1])
    assert functions_of(current) and all(f in compiled for f in functions_of(current)), \
        "the diffs do not lead to the compiled output"
    assert current.split("\n\n\n")[0] == parts[-1][1].split("\n\n\n")[0]
    return out


CASES = [
    (EXAMPLES / "circuit.py", ["f"], ("x", "y", "z")),
    (EXAMPLES / "mlp.py", ["mlp_loss"], ("W1", "b1", "W2", "b2")),
    (CORPUS, ["svm_loss_naive"], 0),
    (CORPUS, ["huber_loop"], 0),
    (CORPUS, ["sum_positive"], 0),
]


IDS = [functions[0] for _, functions, _ in CASES]


@pytest.mark.parametrize("path, functions, wrt", CASES, ids=IDS)
def test_explanation_ends_in_the_compiled_output(path, functions, wrt):
    text, compiled = explained(path, functions, wrt)
    assert text.endswith("\n\n=== the compiled output ===\n" + compiled)
    last = functions_of(stages(text)[-1][1])
    assert set(last) <= set(functions_of(compiled))
    assert [f for f in last if "def grad_" in f] == [f for f in functions_of(compiled)
                                                     if "def grad_" in f]


def test_command_line_prints_the_explanation(capsys):
    text, _ = explained(EXAMPLES / "mlp.py", ["mlp_loss"], ("W1", "b1", "W2", "b2"))
    args = ["compile", str(EXAMPLES / "mlp.py"), "-f", "mlp_loss", "--wrt", "W1,b1,W2,b2"]
    assert cli.main(args + ["--explain-passes"]) == 0
    assert capsys.readouterr().out == text


@pytest.mark.parametrize("path, functions, wrt", CASES, ids=IDS)
def test_every_pass_is_listed_in_order(path, functions, wrt):
    text, _ = explained(path, functions, wrt)
    titles = [title for title, _ in sections(text)[1:-1]]
    listed = [re.match(r"round (\d+), pass (\d+) of (\d+): (\w+)", t) for t in titles]
    rounds = [m for m in listed if m]
    assert [m.group(4) for m in rounds[:len(PASS_NAMES)]] == PASS_NAMES
    for k, m in enumerate(rounds):
        assert m.group(4) == PASS_NAMES[k % len(PASS_NAMES)]
        assert int(m.group(3)) == len(PASS_NAMES)
        assert int(m.group(2)) == k % len(PASS_NAMES) + 1
        assert int(m.group(1)) == k // len(PASS_NAMES) + 1


def test_first_listing_is_the_unoptimized_chain_rule():
    from symdiff.frontend.source_modules import functions_of_file
    text, _ = explained(CORPUS, ["huber_loop"])
    src = functions_of_file(str(CORPUS))["huber_loop"]
    plans = [p for p in pipeline.plan_module([(src, (0,))]) if not p.with_value]
    _, header, _, _ = cli._setup(str(CORPUS), ["huber_loop"], 0, "reverse", 1, False, None)
    built = [p.build(pipeline.chain_rule_ir) for p in plans]
    naive = pipeline.module_of(plans, [mark_items(fn, shapes) for fn, _, shapes in built], header)
    assert sections(text)[0][1] == naive
    assert naive != cli.compile_file(str(CORPUS), ["huber_loop"])


def huber_args():
    return (np.array([0.3, -2.0, 1.4, -0.2, 2.5]), 1.0)


def sum_positive_args():
    return (np.array([0.7, -1.2, 2.0, -0.1, 0.4]),)


@pytest.mark.parametrize("name, make_args", [("huber_loop", huber_args),
                                             ("sum_positive", sum_positive_args)])
def test_every_stage_computes_the_gradient(name, make_args, tmp_path):
    """The chain rule's output and the code after each pass all give the same gradient."""
    import control_flow_corpus as corpus
    fn, args = getattr(corpus, name), make_args()
    text, _ = explained(CORPUS, [name])
    want = numerical_gradient(fn, args, 0)
    produced = stages(text)
    assert len(produced) >= 3, "the optimizer should change this code more than once"
    for k, (by, source) in enumerate(produced):
        module = load_module(tmp_path, f"stage_{k}", source)
        got = getattr(module, f"grad_{name}")(*args)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8, err_msg=f"after {by}")


def test_explain_with_annotations_and_output_file(tmp_path, capsys):
    out = tmp_path / "grad.py"
    args = ["compile", str(CORPUS), "-f", "svm_loss_naive", "--annotate", "--shapes",
            "W=(D,C), X=(N,D), y=(N,)", "--explain-passes", "-o", str(out)]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    compiled = out.read_text()
    assert compiled == cli.compile_file(
        str(CORPUS), ["svm_loss_naive"], annotate=True,
        shapes={"W": ("D", "C"), "X": ("N", "D"), "y": ("N",)})
    assert set(functions_of(stages(text)[-1][1])) <= set(functions_of(compiled))
    assert text.endswith(compiled)
    assert "# (D,C) = outer((D,), (C,))" in compiled


def test_explain_with_jit():
    text, compiled = explained(EXAMPLES / "circuit.py", ["f"], ("x", "y", "z"), jit=True)
    assert "@jit_or_numpy" in sections(text)[0][1]
    assert set(functions_of(stages(text)[-1][1])) <= set(functions_of(compiled))


def test_pass_descriptions_come_from_their_docstrings():
    for p in PASSES:
        text = optimize_trace.describe(p)
        assert text.endswith("\n") and len(text) > 30 and "\n\n" not in text


def test_each_change_is_shown_once():
    """value_and_grad_<name> goes through the same passes as grad_<name>: only the latter
    is shown, so no hunk appears twice."""
    text, compiled = explained(EXAMPLES / "mlp.py", ["mlp_loss"], ("W1", "b1", "W2", "b2"))
    assert "value_and_grad_mlp_loss runs the same passes" in sections(text)[0][0]
    assert "def value_and_grad_mlp_loss" not in sections(text)[0][1]
    assert "def value_and_grad_mlp_loss" in compiled
    for _, body in sections(text)[1:-1]:
        removed = [line for line in body.splitlines() if line.startswith("-    ")]
        assert len(removed) == len(set(removed)) or not removed


def test_without_shapes_a_note_suggests_them(capsys):
    text, _ = explained(EXAMPLES / "mlp.py", ["mlp_loss"], ("W1", "b1", "W2", "b2"))
    titles = [title for title, _ in sections(text)]
    changed = {t.rsplit(": ", 1)[1] for t in titles if t.startswith("round") and
               not t.endswith("no change") and "no pass" not in t}
    notes = [t for t in titles if "without the argument shapes" in t]
    assert (len(changed) <= 1) == bool(notes)
    if notes:
        assert '--shapes "W1=(...), b1=(...), W2=(...), ..."' in notes[0]
    shaped, _ = cli.explain_passes(str(EXAMPLES / "mlp.py"), ["mlp_loss"],
                                   ("W1", "b1", "W2", "b2"),
                                   shapes={"W1": (2, 3), "b1": (3,), "W2": (3, 2), "b2": (2,),
                                           "X": (3, 2), "y": (3,), "reg": ()})
    assert "without the argument shapes" not in shaped
    scalars, _ = explained(EXAMPLES / "circuit.py", ["f"], ("x", "y", "z"))
    assert "without the argument shapes" not in scalars     # annotated floats: shapes known
