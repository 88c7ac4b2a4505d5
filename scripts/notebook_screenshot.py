"""Render symdiff's notebook output in a real headless browser, under the style sheets of
JupyterLab, classic Notebook and VS Code, and check what the browser draws.

    python scripts/notebook_screenshot.py --out docs/notebook.png      # a screenshot
    python scripts/notebook_screenshot.py --check                      # colours, widths

Each notebook colours ``code`` with a rule of its own (JupyterLab's ``--jp-content-font-
color1``, classic Notebook's black, VS Code's ``--vscode-textPreformat-foreground``); the
page reproduces those rules around the HTML that ``Explanation._repr_html_`` and
``Graph._repr_html_`` return, in an output area narrower than the MLP's picture. The
browser (Debian's ``chromium``, run with --headless) computes the colour of every value and
gradient and the width of the picture; ``--check`` prints them as JSON.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "examples")]

#: The notebooks' own rules for ``code`` (and the output area's width).
STYLES = {
    "jupyterlab": ":root{--jp-content-font-color1:rgba(0,0,0,0.87)}"
                  ".jp-RenderedHTMLCommon code{color:var(--jp-content-font-color1);"
                  "background-color:#eee;padding:1px 5px}",
    "classic": ".rendered_html code{color:black;background-color:#eff0f1}",
    "vscode": ":root{--vscode-textPreformat-foreground:#a31515}"
              ".vscode-body code{color:var(--vscode-textPreformat-foreground)}",
}
CONTAINER = {"jupyterlab": "jp-RenderedHTMLCommon", "classic": "rendered_html",
             "vscode": "vscode-body"}
OUTPUT_WIDTH = 900
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]

MEASURE = """
<script>
const out = {};
for (const area of document.querySelectorAll('.area')) {
  const colours = {};
  for (const code of area.querySelectorAll('td code')) {
    const c = getComputedStyle(code).color;
    colours[c] = (colours[c] || 0) + 1;
  }
  const img = area.querySelector('img');
  out[area.dataset.notebook] = {colours: colours, image: img.getBoundingClientRect().width,
                                area: area.getBoundingClientRect().width,
                                natural: img.naturalWidth};
}
document.getElementById('result').textContent = JSON.stringify(out);
</script>"""


def browser() -> str | None:
    """The headless browser's command, or None where none is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def page(measure: bool = False) -> str:
    """The notebook page: the MLP's tables and picture under each notebook's style sheet."""
    import symdiff
    from explain_mlp import ARGS
    from mlp import mlp_loss
    tables = symdiff.explain(mlp_loss, *ARGS, wrt=("W1", "b1"))._repr_html_()
    picture = symdiff.graph(mlp_loss, *ARGS)._repr_html_()
    areas = "".join(
        f'<div class="area {CONTAINER[k]}" data-notebook="{k}" style="width:{OUTPUT_WIDTH}px;'
        f'border:1px solid #ccc;margin:8px;padding:8px"><h3>{k}</h3>{tables}{picture}</div>'
        for k in STYLES)
    style = "".join(STYLES.values())
    return (f"<!doctype html><html><head><meta charset='utf-8'><style>{style}</style></head>"
            f"<body style='font-family:sans-serif'>{areas}<pre id='result'></pre>"
            f"{MEASURE if measure else ''}</body></html>")


def run(command: str, html: str, *flags: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "notebook.html"
        path.write_text(html, encoding="utf-8")
        return subprocess.run([command, *FLAGS, f"--user-data-dir={folder}/profile", *flags,
                               path.as_uri()], capture_output=True, text=True, timeout=180,
                              cwd=folder)


def measured(command: str) -> dict:
    """What the browser computed: per notebook, the colours of the table's code cells
    (colour -> count) and the widths of the picture and of the output area."""
    done = run(command, page(measure=True), "--virtual-time-budget=5000", "--dump-dom")
    text = done.stdout
    start = text.index('<pre id="result">') + len('<pre id="result">')
    return json.loads(text[start:text.index("</pre>", start)].replace("&quot;", '"'))


def screenshot(command: str, out: pathlib.Path) -> None:
    height = 2400
    done = run(command, page(), f"--screenshot={out.resolve()}",
               f"--window-size={OUTPUT_WIDTH + 60},{height}")
    if not out.exists():
        raise SystemExit(f"no screenshot written: {done.stderr[-500:]}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, help="write a PNG screenshot here")
    parser.add_argument("--check", action="store_true", help="print what the browser drew")
    options = parser.parse_args(argv)
    command = browser()
    if command is None:
        print("no headless browser: apt-get install -y chromium", file=sys.stderr)
        return 2
    if options.out:
        screenshot(command, options.out)
        print(f"screenshot written to {options.out}")
    if options.check or not options.out:
        print(json.dumps(measured(command), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
