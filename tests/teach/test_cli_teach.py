"""The teaching commands: ``symdiff explain`` and ``symdiff graph``.

    symdiff explain model.py [-f NAME] --at "x=-2, y=5, z=-4" [--format text|markdown|latex]
    symdiff graph model.py [-f NAME] --at "..." [-o graph.svg|.png|.dot]
"""
from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from symdiff import cli
from support import EXAMPLES_DIR

REPO_ROOT = EXAMPLES_DIR.parent

CIRCUIT = str(EXAMPLES_DIR / "circuit.py")
AT = "x=-2, y=5, z=-4"


def test_explain_prints_the_worked_example(capsys):
    assert cli.main(["explain", CIRCUIT, "--at", AT]) == 0
    out = capsys.readouterr().out
    for line in ("q     x + y      3", "f     q * z      -12",
                 "f     q * z      df/df = 1          q      df/dq = z = -4  df/dq = -4",
                 "df/dx = -4", "df/dy = -4", "df/dz = 3"):
        assert line in out


@pytest.mark.parametrize("kind, marker", [("markdown", "| node | operation |"),
                                          ("latex", r"\begin{longtable}")])
def test_explain_formats(kind, marker, tmp_path, capsys):
    assert cli.main(["explain", CIRCUIT, "-f", "f", "--at", AT, "--format", kind]) == 0
    assert marker in capsys.readouterr().out
    out = tmp_path / f"circuit.{kind}"
    assert cli.main(["explain", CIRCUIT, "--at", AT, "--format", kind, "-o", str(out)]) == 0
    assert marker in out.read_text()


def test_graph_writes_pictures(tmp_path, capsys):
    for name in ("g.svg", "g.png", "g.dot"):
        assert cli.main(["graph", CIRCUIT, "--at", AT, "-o", str(tmp_path / name)]) == 0
    texts = [t.text for t in ET.parse(tmp_path / "g.svg").getroot().iter()
             if t.tag.endswith("text")]
    assert "q = x + y" in texts and "-12" in texts
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "g.dot").read_text().startswith('digraph "f"')
    assert cli.main(["graph", CIRCUIT, "--at", AT]) == 0
    assert capsys.readouterr().out.startswith('digraph "f"')


@pytest.mark.parametrize("argv, message", [
    (["explain", CIRCUIT, "--at", "x=-2, y=foo, z=-4"], "--at:1:9: not a literal value"),
    (["explain", CIRCUIT, "--at", "x=-2, y=5"], "no value for z"),
    (["explain", str(EXAMPLES_DIR / "mlp.py"), "--at", "x=1"], "say which one with -f"),
    (["explain", CIRCUIT, "-f", "g", "--at", AT], "no top-level function named g"),
    (["graph", str(EXAMPLES_DIR / "sigmoid_neuron.py"), "--at", "w=[1, 2], x=[1, 2]"],
     "sigmoid_neuron.py:13:5: computing tmp_7 failed"),
])
def test_errors_are_located_and_write_nothing(argv, message, tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert cli.main(argv + ["-o", str(out)]) == 1
    assert message in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unknown_picture_format_writes_nothing(tmp_path, capsys):
    assert cli.main(["graph", CIRCUIT, "--at", AT, "-o", str(tmp_path / "g.jpg")]) == 1
    assert "name the file .svg, .png or .dot" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_usage_errors_exit_2():
    run = subprocess.run([sys.executable, "-m", "symdiff.cli", "explain", CIRCUIT],
                         capture_output=True, text=True, cwd=REPO_ROOT)
    assert run.returncode == 2 and "--at" in run.stderr
