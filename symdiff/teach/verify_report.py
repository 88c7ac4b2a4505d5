"""What ``check_backward`` found: one ``Comparison`` per hand-written gradient, in a
``BackwardReport``.

A report prints as text (``str``), as Markdown (``markdown()``) and shows itself in a
notebook (``_repr_html_``, ``_repr_markdown_``); ``report.ok`` says whether every
gradient agrees with symdiff's.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from ..errors import Loc
from .locations import where

GREEN, RED = "#1b7f3b", "#c0392b"


@dataclass
class Comparison:
    """One hand-written gradient against symdiff's."""

    name: str                      # as the hand-written code calls it: dW
    argument: str                  # the argument it is the gradient of: W
    ok: bool
    shape: tuple
    worst: tuple | None = None     # index of the worst element (None for a scalar)
    hand: float | None = None      # there, the hand-written value
    correct: float | None = None   # symdiff's
    error: float = 0.0             # its relative error |hand - correct| / max(|hand|, |correct|)
    numerical: float | None = None  # central differences there, when the two disagree
    diagnosis: list[str] = field(default_factory=list)
    hand_array: np.ndarray | None = field(default=None, repr=False)
    correct_array: np.ndarray | None = field(default=None, repr=False)

    @property
    def where(self) -> str:
        if not self.worst:
            return self.name
        return f"{self.name}[{', '.join(map(str, self.worst))}]"

    def summary(self) -> str:
        if self.ok:
            return f"OK (largest relative error {self.error:.1e})"
        if self.hand is None:
            return "wrong"
        out = (f"wrong at {self.where}: hand-written {_num(self.hand)}, symdiff "
               f"{_num(self.correct)}, relative error {self.error:.2g}")
        if self.numerical is not None:
            out += f" (central differences: {_num(self.numerical)})"
        return out


@dataclass
class Intermediate:
    """A hand-written ``d<name>`` against symdiff's gradient of the intermediate ``name``."""

    name: str
    line: int
    ok: bool
    note: str = ""
    scaled: bool = False           # off by a constant factor only (a later line may undo it)
    text: str = ""                 # the source line that first assigns it
    last: int = 0                  # the line of the last write into it

    def place(self) -> str:
        return f"{self.name} (line {self.line}" + (f": `{self.text}`)" if self.text else ")")


@dataclass
class BackwardReport:
    function: str
    backward: str | None
    loc: Loc
    gradients: list[Comparison]
    intermediates: list[Intermediate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    right_until: int = 0           # intermediates are right, the error comes after this line

    @property
    def ok(self) -> bool:
        return all(g.ok for g in self.gradients)

    @property
    def wrong(self) -> list[Comparison]:
        return [g for g in self.gradients if not g.ok]

    @property
    def first_difference(self) -> Intermediate | None:
        """The first hand-written intermediate gradient that differs from symdiff's."""
        return next((i for i in self.intermediates if not i.ok and not i.scaled), None)

    def title(self) -> str:
        what = f"{self.function} / {self.backward}" if self.backward else self.function
        how = ("vector-Jacobian product at a random dout" if self.backward else
               "gradient of the loss it returns")
        return f"{what} ({_short(self.loc)}): the hand-written gradients against symdiff's {how}"

    def verdict(self) -> str:
        if self.ok:
            return f"all {len(self.gradients)} gradients agree with symdiff"
        return f"{len(self.wrong)} of {len(self.gradients)} gradients wrong"

    def __str__(self) -> str:
        width = max(len(g.name) for g in self.gradients) if self.gradients else 0
        out = _wrapped(self.title(), "", 4)
        for g in self.gradients:
            out += _wrapped(f"{g.name.ljust(width)}  {g.summary()}", "  ", width + 4)
            for d in g.diagnosis:
                out += _wrapped(d, "  " + " " * (width + 2), 2)
        for line in self._trail():
            out += _wrapped(line, "  ", 4)
        out.append(self.verdict())
        return "\n".join(out) + "\n"

    def _trail(self) -> list[str]:
        """Where the hand-written backward first goes wrong, and other notes."""
        out = []
        first = self.first_difference
        if first is not None:
            right = [i for i in self.intermediates[:self.intermediates.index(first)] if i.ok]
            out += [f"{i.place()} {i.note}" for i in self.intermediates
                    if i.scaled]
            out.append(f"first intermediate that differs: {first.place()}"
                       + (f" {first.note}" if first.note else "")
                       + (f"; {', '.join(i.name for i in right)} "
                          f"{'is' if len(right) == 1 else 'are'} right" if right else ""))
        elif self.intermediates and not self.ok:
            right = [i for i in self.intermediates if i.ok]
            names = ", ".join(f"{i.name} (line {i.line})" for i in right)
            if right:
                out.append(f"{names} {'is' if len(right) == 1 else 'are'} right" +
                           (f": the error is made after line {self.right_until}"
                            if self.right_until else ""))
        return out + self.notes

    def __repr__(self) -> str:
        return f"<BackwardReport {self.function}: {self.verdict()}>"

    def markdown(self) -> str:
        out = [f"**{_md(self.title())}**", "", "| gradient | result | diagnosis |",
               "|---|---|---|"]
        for g in self.gradients:
            status = "OK" if g.ok else "**wrong**"
            result = status if g.ok else f"{status}: {_md(g.summary()[6:])}"
            out.append(f"| `{g.name}` | {result} | {_md('; '.join(g.diagnosis))} |")
        out += [""] + [_md(line) for line in self._trail()] + ["", _md(self.verdict())]
        return "\n".join(out) + "\n"

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def _repr_html_(self) -> str:
        cell = 'style="text-align:left;padding:2px 10px;vertical-align:top"'
        rows = []
        for g in self.gradients:
            colour = GREEN if g.ok else RED
            status = (f'<span style="color:{colour} !important;font-weight:bold">'
                      f'{"OK" if g.ok else "wrong"}</span>')
            detail = html.escape(g.summary() if not g.ok else g.summary()[3:])
            rows.append(f"<tr><td {cell}><code>{html.escape(g.name)}</code></td>"
                        f"<td {cell}>{status} {detail}</td>"
                        f"<td {cell}>{'<br>'.join(map(html.escape, g.diagnosis))}</td></tr>")
        trail = "".join(f"<p>{html.escape(line)}</p>" for line in self._trail())
        return (f"<div><p><b>{html.escape(self.title())}</b></p><table>"
                f"<tr><th {cell}>gradient</th><th {cell}>result</th>"
                f"<th {cell}>diagnosis</th></tr>{''.join(rows)}</table>{trail}"
                f"<p>{html.escape(self.verdict())}</p></div>")


def compare(name: str, argument: str, hand, correct, rtol: float, atol: float) -> Comparison:
    """``hand`` against ``correct``: each element within ``rtol`` of the larger of the two,
    or within ``atol`` times the gradient's largest element."""
    want = np.asarray(correct, dtype=float)
    try:
        got = np.asarray(hand, dtype=float)
    except (TypeError, ValueError):
        return Comparison(name, argument, False, want.shape,
                          diagnosis=[f"is a {type(hand).__name__}, not an array of numbers"])
    if got.shape != want.shape:
        out = Comparison(name, argument, False, want.shape, hand_array=got, correct_array=want)
        if got.T.shape == want.shape and _close(got.T, want, rtol, atol).all():
            out.diagnosis.append(f"transposed: its shape is {got.shape}, {argument}'s is "
                                 f"{want.shape}")
        else:
            out.diagnosis.append(f"has shape {got.shape}; {argument} has shape {want.shape}")
        return out
    close = _close(got, want, rtol, atol)
    gap = np.abs(got - want)
    relative = gap / np.maximum(np.maximum(np.abs(got), np.abs(want)), 1e-300)
    relative = np.where(gap == 0, 0.0, relative)
    score = gap / _limit(got, want, rtol, atol)
    k = int(np.argmax(score)) if score.size else 0
    worst = tuple(int(i) for i in np.unravel_index(k, want.shape)) if want.ndim else None
    return Comparison(name, argument, bool(close.all()), want.shape, worst,
                      float(got.reshape(-1)[k]) if got.size else None,
                      float(want.reshape(-1)[k]) if want.size else None,
                      float(relative.reshape(-1)[k]) if relative.size else 0.0,
                      hand_array=got, correct_array=want)


def _limit(got, want, rtol, atol):
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    return rtol * np.maximum(np.abs(got), np.abs(want)) + atol * max(scale, 1e-3)


def _close(got, want, rtol, atol) -> np.ndarray:
    return np.abs(got - want) <= _limit(got, want, rtol, atol)


#: Lines of the text report wrap here.
WIDTH = 92


def _wrapped(text: str, indent: str, hang: int) -> list[str]:
    """``text`` wrapped at WIDTH, continuation lines hanging ``hang`` columns further in."""
    import textwrap
    return textwrap.wrap(text, WIDTH, initial_indent=indent,
                         subsequent_indent=indent + " " * hang, break_on_hyphens=False,
                         break_long_words=False)


def _num(value) -> str:
    return "?" if value is None else f"{value:.6g}"


def _short(loc: Loc) -> str:
    return where(loc)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
