"""Tables for worked examples, printed four ways: terminal text, Markdown, LaTeX and HTML.

A ``Table`` is a title, column headers and rows of plain-text cells; each column has a
kind: ``"value"`` for forward values and ``"gradient"`` for gradients (shown in the
colours of a computational graph: values green, gradients red), ``"code"`` for names and
formulas (set in code type), ``""`` for words.

    >>> print(Table("Forward", ("node", "value"), [("q", "3")], ("", "value")).text())
"""
from __future__ import annotations

import html
from dataclasses import dataclass

GREEN, RED = "#1b7f3b", "#c0392b"
#: Inline styles of table cells and of the code in them (no background: the notebooks
#: give ``code`` one of their own).
CELL = "text-align:left !important;vertical-align:top;padding:2px 8px"
CODE = "background:none !important;white-space:pre-wrap"


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    kinds: tuple[str, ...] = ()
    note: str = ""                       # a line under the table (rows left out, ...)

    def text(self) -> str:
        widths = [max([len(h)] + [len(r[k]) for r in self.rows]) for k, h in
                  enumerate(self.headers)]
        def line(cells):
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
        out = [self.title, line(self.headers), "  ".join("-" * w for w in widths)]
        out += [line(r) for r in self.rows]
        return "\n".join(out + ([self.note] if self.note else []))

    def markdown(self) -> str:
        kinds = self.kinds or ("code",) * len(self.headers)

        def line(cells, plain=False):
            return "| " + " | ".join(_markdown_cell(c, not plain and kind != "")
                                     for c, kind in zip(cells, kinds)) + " |"
        out = [f"**{self.title}**", "", line(self.headers, plain=True),
               "|" + "|".join("---" for _ in self.headers) + "|"]
        out += [line(r) for r in self.rows]
        return "\n".join(out + (["", self.note] if self.note else []))

    def latex(self) -> str:
        out = [r"\begin{center}", rf"\textbf{{{latex_escape(self.title)}}}\\[2pt]",
               r"\begin{tabular}{" + "l" * len(self.headers) + "}", r"\hline",
               " & ".join(rf"\textbf{{{latex_escape(h)}}}" for h in self.headers) + r" \\",
               r"\hline"]
        for r in self.rows:
            out.append(" & ".join(_latex_cell(c, kind) for c, kind in
                                  zip(r, self.kinds or ("code",) * len(r))) + r" \\")
        out += [r"\hline", r"\end{tabular}"]
        if self.note:
            out.append(r"\\[2pt]" + latex_escape(self.note))
        return "\n".join(out + [r"\end{center}"])

    def html(self) -> str:
        """An HTML table whose colours survive the notebooks' style sheets: JupyterLab,
        classic Notebook and VS Code colour ``code`` themselves, so the colour is set on
        the ``code`` element, inline and ``!important`` (which no style sheet overrides)."""
        kinds = self.kinds or ("code",) * len(self.headers)
        head = "".join(f"<th style='{CELL}'>{html.escape(h)}</th>" for h in self.headers)
        body = []
        for r in self.rows:
            cells = []
            for c, kind in zip(r, kinds):
                colour = {"value": GREEN, "gradient": RED}.get(kind)
                inner = f"color:{colour} !important;" if colour else ""
                shown = (f"<code style='{inner}{CODE}'>{html.escape(c)}</code>" if kind
                         else html.escape(c))
                cells.append(f"<td style='{CELL}'>{shown}</td>" if c else "<td></td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        note = f"<p>{html.escape(self.note)}</p>" if self.note else ""
        return (f"<p><b>{html.escape(self.title)}</b></p><div style='overflow-x:auto;"
                f"max-width:100%'><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table></div>{note}")


def _markdown_cell(text: str, code: bool) -> str:
    text = text.replace("|", "\\|")
    return f"`{text}`" if code and text and "`" not in text else text


_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
          "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
          "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}"}


def latex_escape(text: str) -> str:
    return "".join(_LATEX.get(c, c) for c in text)


def _latex_cell(text: str, kind: str) -> str:
    if not text:
        return ""
    cell = r"\texttt{" + latex_escape(text) + "}" if kind else latex_escape(text)
    colour = {"value": "green!50!black", "gradient": "red!70!black"}.get(kind)
    return rf"\textcolor{{{colour}}}{{{cell}}}" if colour else cell


__all__ = ["Table", "latex_escape", "GREEN", "RED"]
