"""Errors the compiler raises, located in the user's source like a SyntaxError.

    >>> raise SymdiffError("generators are not supported",
    ...                    Loc("f.py", 3, 8, "    return sum(v for v in x)"),
    ...                    hint="write a for loop, or use np.sum")
    f.py:3:9: generators are not supported
        return sum(v for v in x)
               ^
    hint: write a for loop, or use np.sum
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """A place in the user's source: file, 1-based line, 0-based column, and the line's text."""

    file: str
    line: int
    col: int
    text: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the user's code: what, where, and what to write instead."""

    message: str
    loc: Loc | None = None
    hint: str = ""

    def render(self) -> str:
        if self.loc is None:
            head = self.message
            body = []
        else:
            head = f"{self.loc.file}:{self.loc.line}:{self.loc.col + 1}: {self.message}"
            body = []
            if self.loc.text:
                body = ["    " + self.loc.text.rstrip(), "    " + " " * self.loc.col + "^"]
        tail = [f"hint: {self.hint}"] if self.hint else []
        return "\n".join([head, *body, *tail])


class SymdiffError(Exception):
    """Base of every error the compiler raises. Carries one or more located problems."""

    def __init__(self, message: str = "", loc: Loc | None = None, hint: str = "",
                 problems: tuple[Problem, ...] | None = None):
        self.problems = tuple(problems) if problems else (Problem(message, loc, hint),)
        first = self.problems[0]
        self.message, self.loc, self.hint = first.message, first.loc, first.hint
        super().__init__(self.render())

    def render(self) -> str:
        return "\n\n".join(p.render() for p in self.problems)

    def __str__(self) -> str:
        return self.render()


class GradientCheckError(SymdiffError, AssertionError):
    """symdiff's gradient and central differences disagree; names the worst element."""
