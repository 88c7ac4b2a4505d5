"""docs/tutorial.md shows exactly what symdiff prints and draws for the seed examples
(refresh: python scripts/tutorial_outputs.py --write), and the example scripts run."""
import importlib.util
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
STALE = "docs are stale: run `python scripts/tutorial_outputs.py --write`"


@pytest.fixture(scope="module")
def outputs():
    spec = importlib.util.spec_from_file_location("tutorial_outputs",
                                                  ROOT / "scripts" / "tutorial_outputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tutorial_blocks_are_current(outputs):
    doc = (ROOT / "docs" / "tutorial.md").read_text()
    assert outputs.update(doc) == doc, STALE
    assert doc.count("<!-- generated: ") == len(outputs.SEEDS) + len(outputs.VERIFY) + \
        len(outputs.GATES)
    assert "df/dx = -4" in doc and "sign flipped" in doc
    gates = doc.split("<!-- generated: sigmoid_neuron-gates -->")[1].split("<!-- end -->")[0]
    for number in ("0.3679", "1.368", "-0.5344", "-0.1966"):      # the slide's 0.37, 1.37,
        assert number in gates                                    # -0.53 and -0.20
    assert "--gates" in doc and "fuse=False" in doc


def labels(svg: str) -> list[str]:
    return [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


def test_tutorial_pictures_are_current(outputs):
    """Same labels (every number) in the same order; the drawing itself may differ a
    little between matplotlib versions."""
    doc = (ROOT / "docs" / "tutorial.md").read_text()
    for name, svg in outputs.pictures().items():
        assert f"]({name})" in doc
        committed = (ROOT / "docs" / name).read_text()
        assert labels(committed) == labels(svg), f"docs/{name}: {STALE}"


@pytest.mark.parametrize("name", ["circuit", "sigmoid_neuron", "svm_loss", "softmax_loss",
                                  "hinge", "mlp"])
def test_example_scripts_run(name, outputs, tmp_path, capsys):
    outputs.seed(name)                      # imports examples/explain_<name>.py
    script = sys.modules[f"explain_{name}"]
    script.main(["-o", str(tmp_path / "g.svg"), "--format", "markdown"])
    assert "**Backward pass" in capsys.readouterr().out
    assert ET.parse(tmp_path / "g.svg").getroot().tag.endswith("svg")


def test_example_script_from_the_command_line(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "examples" / "explain_circuit.py")],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "df/dz = 3" in run.stdout and (tmp_path / "circuit.svg").exists()


def test_tutorial_shows_wrong_backwards_caught(outputs):
    """Section 7: the reports of `symdiff verify` on examples/backward_checks.py, each
    with the diagnosis of its mistake, and the command line gives the same text."""
    texts = outputs.verify_blocks()
    assert "right except for the term with reg" in texts["verify-loss"]
    assert "only the diagonal of the Jacobian" in texts["verify-layer"]
    for block, (name, inputs) in outputs.VERIFY.items():
        run = subprocess.run([sys.executable, "-m", "symdiff.cli", "verify",
                              str(ROOT / "examples" / "backward_checks.py"), "-f", name,
                              "--inputs", inputs], capture_output=True, text=True)
        assert run.returncode == 1, run.stderr
        assert run.stdout in texts[block]
