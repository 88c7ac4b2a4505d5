"""Generated code for a fixed set of programs, printed with every comment reworded or not.

    python tests/reworded_notes.py [--reword]

Every note the compiler writes on a statement (``Node.note``, and a branch's or loop's)
is the comment the printer puts beside its line, and nothing else. With ``--reword``,
each one is changed as the statement is built, so a stage that decided anything by a
note's text would generate other code. ``ir/test_facts_in_fields.py`` runs this twice, in
fresh processes (no compile cache is shared), and compares the code without comments.
"""
import io
import json
import pathlib
import sys
import tokenize

ROOT = pathlib.Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"

#: golden examples: (file, function, what it differentiates), as in test_golden.py
EXAMPLES = [("circuit", "f", "x,y,z"), ("sigmoid_neuron", "neuron", "w,x"),
            ("svm_loss", "svm_loss", "W"), ("softmax_loss", "softmax_loss", "W"),
            ("hinge", "hinge", "w"), ("l2_regression", "l2_loss", "W,b"),
            ("mlp", "mlp_loss", "W1,b1,W2,b2"), ("newton_logistic", "logistic_loss", "theta")]

#: functions of the control-flow corpus with loops and branches, and their wrt
CORPUS = {"svm_loss_naive": "W,reg", "softmax_loss_naive": "W,reg", "rnn_loss": "Wx,Wh,b,h0",
          "oscillator": "k,c,x0,v0", "horner": "coeffs,x", "newton_sqrt": "a",
          "piecewise": "x", "sum_until_threshold": "x", "discounted_until_small": "r,gamma",
          "huber_loop": "r"}

#: (mode, order, jit, annotate) combinations each program is compiled with
VARIANTS = [("reverse", 1, False, False), ("reverse", 1, True, False),
            ("reverse", 1, False, True), ("forward", 1, False, False),
            ("reverse", 2, False, False)]


def reword_every_note() -> None:
    """Change every note as statements are built (``replace`` builds them too)."""
    from symdiff.ir import If, Loop, Node
    for cls in (Node, If, Loop):
        built = cls.__init__

        def init(self, *args, _built=built, **kwargs):
            _built(self, *args, **kwargs)
            if self.note and not self.note.startswith("REWORDED "):
                object.__setattr__(self, "note", "REWORDED " + self.note[::-1])
        cls.__init__ = init


def without_comments(source: str) -> list[str]:
    """The lines of ``source`` with comments cut off; lines that held only a comment go."""
    lines = source.splitlines()
    for tok in reversed(list(tokenize.generate_tokens(io.StringIO(source).readline))):
        if tok.type == tokenize.COMMENT:
            row, col = tok.start
            lines[row - 1] = lines[row - 1][:col]
    return [line.rstrip() for line in lines if line.strip()]


def programs():
    """(label, path, function names or None, wrt) for every program compiled."""
    for file, name, wrt in EXAMPLES:
        yield name, ROOT / "examples" / f"{file}.py", [name], wrt
    for name, wrt in CORPUS.items():
        yield name, TESTS / "control_flow_corpus.py", [name], wrt


def generated() -> dict[str, list[str]]:
    from symdiff.cli import compile_file
    from symdiff.errors import SymdiffError
    out = {}
    for label, path, functions, wrt in programs():
        for mode, order, jit, annotate in VARIANTS:
            key = f"{label} {mode} order={order} jit={jit} annotate={annotate}"
            try:
                text = compile_file(str(path), functions, tuple(wrt.split(",")), jit=jit,
                                    mode=mode, order=order, annotate=annotate)
            except SymdiffError as exc:           # the same refusal either way
                text = f"refused: {exc}".split("\n")[0]
            out[key] = without_comments(text)
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(TESTS))
    if "--reword" in sys.argv:
        reword_every_note()
    json.dump(generated(), sys.stdout)
