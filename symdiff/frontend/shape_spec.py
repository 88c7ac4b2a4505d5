"""Argument shapes as users give them: ``--shapes "X=(N,D), W=(D,C)"``, docstrings, names.

A shape is a tuple of sizes, each a number or a name. Users give them on the command line
or to ``Gradient.annotated_source``; sources state them in docstrings (``X is (N, D)``,
``X: array of shape (N, D)``, ``X : ndarray of shape (n_samples, n_features)``) or with
``float``/``int`` annotations (scalars). ``resolve`` turns names into numbers that shape
inference can work with, and ``Sizes`` prints those numbers back as the names.

    >>> parse_shapes("X=(N,D), b=(D,), reg=()")
    {'X': ('N', 'D'), 'b': ('D',), 'reg': ()}
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

import numpy as np
import sympy

from ..errors import SymdiffError
from . import structure_spec as structures

Dim = int | str
ShapeSpec = dict[str, tuple]

SPEC_HINT = 'write e.g. "X=(64,100), W1=(100,50)" or "X=(N,D), b=(D,), reg=()"'


def parse_shapes(text: str) -> ShapeSpec:
    """``"X=(N,D), W1=(D,H), reg=()"`` -> ``{"X": ("N", "D"), "W1": ("D", "H"), "reg": ()}``."""
    spec: ShapeSpec = {}
    rest = text.strip()
    item = re.compile(r"\s*([A-Za-z_]\w*)\s*=\s*\(([^()]*)\)\s*[,;]?")
    while rest:
        m = item.match(rest)
        structured = re.match(r"\s*([A-Za-z_]\w*)\s*=\s*", rest)
        if structured and rest[structured.end():].lstrip().startswith(("((", "[", "{")):
            start = structured.end()
            end = start + structures.value_end(rest[start:])
            spec[structured.group(1)] = structures.declared(rest[start:end])
            rest = rest[end + 1:].strip()
            continue
        if m is None:
            raise SymdiffError(f"cannot read the shapes {text!r} near {rest[:20]!r}",
                               hint=SPEC_HINT)
        spec[m.group(1)] = _dims(m.group(2), text)
        rest = rest[m.end():].strip()
    return spec


def _dims(text: str, whole: str) -> tuple:
    parts = [p.strip() for p in text.split(",")]
    if parts and parts[-1] == "":
        parts.pop()                                  # (H,) and ()
    dims: list[Dim] = []
    for p in parts:
        if p.isdigit():
            dims.append(int(p))
        elif p.isidentifier():
            dims.append(p)
        else:
            raise SymdiffError(f"{p!r} in {whole!r} is not a size: give a number or a name",
                               hint=SPEC_HINT)
    return tuple(dims)


def stated_shapes(src) -> ShapeSpec:
    """Parameter shapes the source states: ``float``/``int`` annotations (scalars), else the
    function's docstring, else its module's (``X is (N, D)``, ``X: ... of shape (N, D)``)."""
    params = [a.arg for a in src.tree.args.args]
    texts = [ast.get_docstring(src.tree) or "", _module_docstring(src)]
    spec: ShapeSpec = {}
    for name in params:
        for text in texts:
            dims = _stated(name, text)
            if dims is not None:
                spec[name] = dims
                break
    for a in src.tree.args.args:
        if isinstance(a.annotation, ast.Name) and a.annotation.id in ("float", "int"):
            spec[a.arg] = ()
    return spec


def _module_docstring(src) -> str:
    try:
        return ast.get_docstring(ast.parse("".join(src.lines))) or ""
    except (SyntaxError, ValueError):
        return ""


def _stated(name: str, text: str) -> tuple | None:
    """``X is (N, D)``, ``X is an (N, D) array``, ``t holds (N, K) targets``, ``X: array of
    shape (N, D)``, ``X : ndarray of shape (n, d)``, ``X has shape (N, D)``."""
    who = rf"(?<![\w.]){re.escape(name)}(?![\w(.\[])"
    for pattern in (rf"{who}\s+(?:is|holds)\s+(?:an?\s+)?\(([^()]*)\)",
                    rf"{who}\s*(?::|has|is)[^\n()]{{0,60}}?\bshape\s*\(([^()]*)\)"):
        m = re.search(pattern, text)
        if m:
            try:
                return _dims(m.group(1), m.group(0))
            except SymdiffError:
                continue
    return None


def check_spec(spec: ShapeSpec, params: list[str], where: str) -> None:
    """Every name in a spec is a parameter of some function compiled."""
    unknown = [k for k in spec if k not in params]
    if unknown:
        raise SymdiffError(f"--shapes names {', '.join(unknown)}, not a parameter of {where}",
                           hint=f"choose from: {', '.join(params) or '(none)'}")


def numeric(spec: ShapeSpec) -> dict[str, tuple]:
    """The parameters whose every size is a number: those the code can be specialized to."""
    return {k: v for k, v in spec.items() if all(isinstance(d, int) for d in v)}


def show_spec(spec: ShapeSpec) -> str:
    return ", ".join(f"{k}={_paren([str(d) for d in v])}" for k, v in spec.items())


# ---------------------------------------------------------------- named sizes


@dataclass(frozen=True)
class Sizes:
    """How sizes print: numbers the caller gave that a docstring names (``exact``), and
    stand-ins for sizes known only by name, which also name sums and products of them;
    numbers the caller or the program wrote (``plain``) print as themselves."""

    exact: dict = field(default_factory=dict)       # 64 -> "N"
    stand_in: dict = field(default_factory=dict)    # 101 -> "N"
    plain: frozenset = frozenset()

    def show(self, d) -> str:
        if not isinstance(d, (int, np.integer)):
            return "?"
        d = int(d)
        if d in self.exact:
            return self.exact[d]
        if d in self.stand_in:
            return self.stand_in[d]
        if d in self.plain:
            return str(d)
        for size, name in self.stand_in.items():
            if 0 < abs(d - size) <= 4:
                return f"{name}{d - size:+d}"
        for size, name in self.stand_in.items():
            q, r = divmod(d, size)
            if r == 0 and q in self.stand_in:
                return f"{name}*{self.stand_in[q]}"
            if r == 0 and 2 <= q <= 16:
                return f"{q}*{name}"
        return str(d)

    def shape(self, shape) -> str:
        return "?" if shape is None else _paren([self.show(d) for d in shape])


def resolve(stated: ShapeSpec, given: ShapeSpec, avoid: set) -> tuple[dict, Sizes]:
    """Numbers for every parameter shape known, and how to print them.

    A given shape wins over a stated one; where a given number meets a stated name at the
    same place (``--shapes "X=(64,100)"``, docstring ``X is (N, D)``), the number prints as
    that name, if no other number claims it. Each name known only by name becomes a
    distinct prime (at least 10 apart, and no number the program or caller uses), so
    broadcasting and shape inference work on numbers; primes print back as names."""
    claims: dict[str, set] = {}
    for k, dims in given.items():
        if k in stated and len(stated[k]) == len(dims):
            for name, d in zip(stated[k], dims):
                if isinstance(name, str) and isinstance(d, int):
                    claims.setdefault(name, set()).add(d)
    bound = {name: ds.pop() for name, ds in claims.items() if len(ds) == 1}
    numbers_named = [d for d in bound.values()]
    exact = {d: name for name, d in bound.items() if numbers_named.count(d) == 1 and d != 1}
    spec = {**stated, **given}
    spec = {k: tuple(bound.get(d, d) for d in dims) for k, dims in spec.items()}
    avoid = avoid | {d for dims in spec.values() for d in dims if isinstance(d, int)}
    stand_in: dict[str, int] = {}
    p = 90
    for name in dict.fromkeys(d for dims in spec.values() for d in dims if isinstance(d, str)):
        p = sympy.nextprime(p + 10)
        while p in avoid:
            p = sympy.nextprime(p + 10)
        stand_in[name] = int(p)
    numbers = {k: tuple(stand_in.get(d, d) for d in dims) for k, dims in spec.items()}
    return numbers, Sizes(exact, {v: k for k, v in stand_in.items()}, frozenset(avoid))


def _paren(parts: list[str]) -> str:
    return "(" + ",".join(parts) + ("," if len(parts) == 1 else "") + ")"


__all__ = ["parse_shapes", "stated_shapes", "check_spec", "numeric", "show_spec", "resolve",
           "Sizes", "ShapeSpec"]
