"""LaTeX output: derivatives as fractions of partials, tables that fit the page, and a
document that pdflatex compiles (checked where TeX is installed)."""
from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

import symdiff
from symdiff.teach import latex
from support import load_example


@pytest.mark.parametrize("text, want", [
    ("df/dq = z = -4", r"$\frac{\partial f}{\partial q}$ = \texttt{z} = $-4$"),
    ("dloss/dW = [0.1, 0]",
     r"$\frac{\partial \texttt{loss}}{\partial W}$ = "
     r"\texttt{[\allowbreak{}0.1,\allowbreak{} 0]}"),
    ("dneuron/d(w[0] * x[0]) = 0.1966",
     r"$\partial$$\texttt{neuron}$\,/\,$\partial$\texttt{(\allowbreak{}w[\allowbreak{}0] * "
     r"x[\allowbreak{}0])} = $0.1966$"),
])
def test_derivatives_are_fractions_of_partials(text, want):
    assert latex.derivative(text) == want


@pytest.mark.parametrize("text", ["data_loss", "dh = d(h @ W2) @ W2.T", "dot(w, phi)", ""])
def test_other_cells_are_not_derivatives(text):
    assert latex.derivative(text) == ""


def test_tables_are_longtables_as_wide_as_the_line():
    ex = symdiff.explain(load_example("circuit").f, -2.0, 5.0, -4.0)
    text = ex.latex()
    assert text.count(r"\begin{longtable}") == 2 and r"\begin{tabular}" not in text
    specs = re.findall(r"\\begin\{longtable\}\{(.*)\}", text)
    for spec in specs:
        fractions = [float(f) for f in re.findall(r"\\dimexpr([\d.]+)\\linewidth", spec)]
        assert sum(fractions) == pytest.approx(1.0, abs=0.01)
    assert r"\textcolor{red!70!black}{$\frac{\partial f}{\partial q}$ = $-4$}" in text
    assert r"\texttt{df/dq" not in text
    assert text.startswith("% needs \\usepackage{xcolor, longtable, amsmath, array}")


PDFLATEX = shutil.which("pdflatex")


def compile_latex(tmp_path, source: str) -> str:
    (tmp_path / "worked.tex").write_text(source)
    done = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error",
                           "worked.tex"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=240)
    log = (tmp_path / "worked.log").read_text(errors="replace")
    assert done.returncode == 0, log[-2000:]
    assert (tmp_path / "worked.pdf").read_bytes()[:5] == b"%PDF-"
    return log


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (Debian: apt-get "
                                             "install texlive-latex-base "
                                             "texlive-latex-recommended)")
@pytest.mark.parametrize("case", ["circuit", "sigmoid_gates", "mlp"])
def test_the_document_compiles_and_fits_the_page(case, tmp_path, mlp_args):
    if case == "circuit":
        ex = symdiff.explain(load_example("circuit").f, -2.0, 5.0, -4.0)
    elif case == "sigmoid_gates":
        ex = symdiff.explain(load_example("sigmoid_neuron").neuron, np.array([2.0, -3, -3]),
                             np.array([-1.0, -2]), fuse=False)
    else:
        ex = symdiff.explain(load_example("mlp").mlp_loss, *mlp_args)
    log = compile_latex(tmp_path, ex.latex(standalone=True))
    # a word may reach into the space between two columns (2 \tabcolsep = 12pt), never
    # past the table's edge: no line is more than that too wide
    over = [float(x) for x in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert max(over, default=0.0) < 12.0, over
