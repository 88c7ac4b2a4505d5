"""Worked examples in LaTeX: derivatives as fractions of partials, tables that fit a page.

A gradient cell ``df/dq = z = -4`` becomes ``$\\frac{\\partial f}{\\partial q} = z = -4$``;
a table becomes a ``longtable`` (it breaks across pages) whose columns are paragraphs of
fixed widths summing to the line width, so long formulas and arrays wrap inside their
cell instead of running off the page. ``document`` wraps the tables in a complete article
that ``pdflatex`` compiles (packages: xcolor, longtable, amsmath, array, geometry).

    >>> derivative("df/dq = z = -4")
    '$\\\\frac{\\\\partial f}{\\\\partial q}$ = \\\\texttt{z} = $-4$'
"""
from __future__ import annotations

from .tables import Table, latex_escape

PACKAGES = ("xcolor", "longtable", "amsmath", "array")
COLOURS = {"value": "green!50!black", "gradient": "red!70!black"}
#: Relative widths of a table's columns, by header (others get 1).
WEIGHTS = {"node": 1.3, "operation": 1.6, "value": 1.6, "shape": 0.55, "line": 0.9,
           "iteration": 0.7, "upstream gradient": 1.5, "input": 1.1, "local gradient": 1.8,
           "downstream gradient": 1.5, "gate": 1.2}


def table(t: Table) -> str:
    """A ``longtable`` of paragraph columns as wide as the line, in a small font."""
    weights = [WEIGHTS.get(h, 1.0) for h in t.headers]
    gap = 2 * len(weights)                       # \tabcolsep on both sides of each column
    spec = "".join(rf">{{\raggedright\arraybackslash}}p{{\dimexpr{w / sum(weights):.3f}"
                   rf"\linewidth-{gap / len(weights):.2f}\tabcolsep\relax}}" for w in weights)
    head = " & ".join(rf"\textbf{{{latex_escape(h)}}}" for h in t.headers) + r" \\"
    kinds = t.kinds or ("code",) * len(t.headers)
    out = [r"\begingroup\footnotesize", rf"\begin{{longtable}}{{{spec}}}",
           rf"\multicolumn{{{len(weights)}}}{{l}}{{\normalsize\textbf{{"
           rf"{latex_escape(t.title)}}}}} \\", r"\hline", head, r"\hline", r"\endhead"]
    for r in t.rows:
        out.append(" & ".join(cell(c, k) for c, k in zip(r, kinds)) + r" \\")
    out += [r"\hline", r"\end{longtable}"]
    if t.note:
        out.append(latex_escape(t.note) + r"\par")
    return "\n".join(out + [r"\endgroup"])


def cell(text: str, kind: str) -> str:
    """A table cell: a derivative as maths, code in typewriter type, words as they are;
    values green, gradients red."""
    if not text:
        return ""
    shown = (derivative(text) if kind else "") or (code(text) if kind else breakable(text))
    colour = COLOURS.get(kind)
    return rf"\textcolor{{{colour}}}{{{shown}}}" if colour else shown


def code(text: str) -> str:
    """Typewriter text that may break where ``breakable`` says."""
    return r"\texttt{" + breakable(text) + "}"


def breakable(text: str) -> str:
    """Escaped text that may break after commas, brackets, equal signs, underscores and
    colons (``sigmoid_neuron.py:13`` in a narrow column), as well as at spaces."""
    out = []
    for c in text:
        out.append(latex_escape(c))
        if c in ",([=_:":
            out.append(r"\allowbreak{}")
    return "".join(out)


#: Operands longer than this are written beside the partial sign, where the line may
#: break, rather than in a fraction, which cannot.
SHORT = 12


def derivative(text: str) -> str:
    """``dL/dx = ...`` (``dL/d(w[0] * x[0]) = ...``) as maths; empty when the text is not
    a derivative. Only the fraction is set as maths: values and formulas stay text that
    breaks across lines in a narrow column."""
    head, eq, rest = text.partition(" = ")
    parsed = _fraction(head)
    if parsed is None:
        return ""
    (top, top_text), (bottom, bottom_text) = parsed
    if len(top_text) <= SHORT and len(bottom_text) <= SHORT:
        maths = rf"$\frac{{\partial {top}}}{{\partial {bottom}}}$"
    else:
        maths = rf"$\partial${_text(top, top_text)}\,/\,$\partial${_text(bottom, bottom_text)}"
    return " = ".join([maths] + [_term(t) for t in rest.split(" = ")] if eq else [maths])


def _text(latex: str, text: str) -> str:
    return code(text) if len(text) > SHORT else f"${latex}$"


def _term(text: str) -> str:
    try:
        float(text)
        return f"${text}$"
    except ValueError:
        return code(text)


def _fraction(head: str):
    """``dA/dB`` -> ((A as maths, A), (B as maths, B)); None for anything else."""
    if not head.startswith("d") or len(head) < 2:
        return None
    top, end = _operand(head, 1)
    if top is None or not head.startswith("/d", end):
        return None
    bottom, stop = _operand(head, end + 2)
    if bottom is None or stop != len(head):
        return None
    return (top, head[1:end]), (bottom, head[end + 2:])


def _operand(text: str, start: int) -> tuple[str | None, int]:
    """A name, or a parenthesized expression, from ``start``: (its maths, where it ends)."""
    if start < len(text) and text[start] == "(":
        depth = 0
        for k in range(start, len(text)):
            depth += {"(": 1, ")": -1}.get(text[k], 0)
            if depth == 0:
                return rf"(\texttt{{{latex_escape(text[start + 1:k])}}})", k + 1
        return None, start
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    if end == start:
        return None, start
    name = text[start:end]
    return (latex_escape(name) if len(name) == 1 else rf"\texttt{{{latex_escape(name)}}}",
            end)


def document(body: str, title: str = "") -> str:
    """A complete article around ``body`` (the tables), for ``pdflatex``."""
    packages = "\n".join(rf"\usepackage{{{p}}}" for p in PACKAGES)
    heading = rf"\noindent{{\raggedright\large\bfseries {breakable(title)}\par}}\medskip"
    return "\n".join([r"\documentclass[11pt]{article}", r"\usepackage[margin=2cm]{geometry}",
                      packages, r"\begin{document}", heading if title else "",
                      body, r"\end{document}", ""])


__all__ = ["table", "cell", "derivative", "document", "PACKAGES"]
