"""Notebook output: colours that survive the notebooks' style sheets, pictures scaled to the
output width, and notebook cells named as the notebook names them (``cell [3], line 3``).

The colours and widths are checked in a real headless browser (scripts/
notebook_screenshot.py) where one is installed."""
from __future__ import annotations

import base64
import pathlib
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import symdiff
from symdiff.teach.tables import GREEN, RED, Table
from support import load_example, load_script

ROOT = pathlib.Path(__file__).resolve().parents[2]


def screenshot_script():
    return load_script(ROOT / "scripts" / "notebook_screenshot.py")


def test_table_colours_are_on_the_code_inline_and_important():
    html = Table("t", ("node", "value", "gradient"), [("q", "3", "-4")],
                 ("code", "value", "gradient")).html()
    codes = re.findall(r"<code style='([^']*)'>([^<]*)</code>", html)
    rest = "background:none !important;white-space:pre-wrap"
    assert (f"color:{GREEN} !important;{rest}", "3") in codes
    assert (f"color:{RED} !important;{rest}", "-4") in codes
    ex = symdiff.explain(load_example("circuit").f, -2.0, 5.0, -4.0)
    page = ex._repr_html_()
    assert page.count(f"color:{GREEN} !important") == len(ex.forward_table().rows)
    assert f"color:{RED} !important" in page


def test_graph_html_scales_to_the_output_width(mlp_args):
    g = symdiff.graph(load_example("mlp").mlp_loss, *mlp_args)
    html = g._repr_html_()
    assert "max-width:100%" in html and "height:auto" in html
    data = re.search(r'base64,([^"]+)"', html).group(1)
    svg = base64.b64decode(data).decode("utf-8")
    assert svg == g.svg() and ET.fromstring(svg).tag.endswith("svg")
    width = float(re.search(r'style="width:(\d+)px', html).group(1))
    assert width == pytest.approx(float(ET.fromstring(svg).get("width")[:-2]) * 4 / 3, abs=1)


def test_notebook_cells_are_named_as_the_notebook_names_them():
    shell_module = pytest.importorskip("IPython.core.interactiveshell",
                                       reason="IPython is not installed")
    shell = shell_module.InteractiveShell.instance()
    try:
        shell.run_cell("import numpy as np\n\ndef f(x, y):\n    q = x * y\n"
                       "    return np.exp(q)\n", store_history=True)
        number = shell.execution_count - 1
        fn = shell.user_ns["f"]
        ex = symdiff.explain(fn, 1.5, -0.5)
        assert ex.title().endswith(f"(cell [{number}], line 3)")
        lines = {r[0]: r[4] for r in ex.forward_table().rows}
        assert lines["q"] == f"cell [{number}], line 4"
        assert lines["f"] == f"cell [{number}], line 5"
        assert ex.run.gradients["x"] == pytest.approx(-0.5 * np.exp(-0.75), rel=1e-12)
        assert ".py" not in ex.text()
    finally:
        shell_module.InteractiveShell.clear_instance()


def test_files_keep_their_names():
    ex = symdiff.explain(load_example("circuit").f, -2.0, 5.0, -4.0)
    assert ex.title().endswith("(circuit.py:12)")


@pytest.fixture(scope="module")
def drawn():
    module = screenshot_script()
    command = module.browser()
    if command is None:
        pytest.skip("no headless browser installed (Debian: apt-get install -y chromium)")
    return module, module.measured(command)


def test_colours_survive_every_notebook_in_a_real_browser(drawn):
    module, found = drawn
    green, red = "rgb(27, 127, 59)", "rgb(192, 57, 43)"
    assert set(found) == set(module.STYLES)
    for notebook, seen in found.items():
        colours = seen["colours"]
        assert colours.get(green, 0) > 10 and colours.get(red, 0) > 10, (notebook, colours)
        # the MLP's picture is wider than the output area, and drawn within it
        assert seen["image"] <= seen["area"] < seen["natural"], (notebook, seen)


def test_screenshot_is_written(drawn, tmp_path):
    module, _ = drawn
    out = tmp_path / "notebook.png"
    module.screenshot(module.browser(), out)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
