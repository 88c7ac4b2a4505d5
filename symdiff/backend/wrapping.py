"""Long generated statements broken where a reader would break them.

A statement stays on one line up to ``WIDTH`` characters of code (its comment comes
after). A longer one is broken inside its brackets, after a comma or before a binary
operator, the shallowest such place that fills the line most (an assigned sum or product
is put in brackets to break at its own operators), and the rest is indented by four
spaces (Python joins lines inside brackets):

    dx = (800.0 * (0.5 * np.sign(800.0 * x) + 0.5) - 800.0 * np.exp(-(800.0 * np.abs(x)))
        * np.sign(x) / (np.exp(-(800.0 * np.abs(x))) + 1))

never in the middle of a name (``np.`` / ``shape(x)``), as astor's own wrapping may.
"""
from __future__ import annotations

import io
import tokenize

#: Longest statement (without its indentation) kept on one line: 99 columns in the
#: body of a function.
WIDTH = 95
#: Tokens a line may start with after a break: binary operators.
_BINARY = {"+", "-", "*", "/", "//", "%", "@", "**", "if", "else", "and", "or",
           "<", ">", "<=", ">=", "==", "!="}
_OPEN, _CLOSE = "([{", ")]}"


def wrapped(text: str, width: int = WIDTH) -> str:
    """``text`` (one statement on one line) broken into lines of at most ``width``
    characters where it can be; unchanged when it fits or has no place to break."""
    if len(text) <= width or "\n" in text:
        return text
    places = _break_places(text)
    equals = next((at for depth, at, value in places if depth == 0 and value == "="), None)
    if equals is not None and any(depth == 0 and value in _BINARY and at > equals
                                  for depth, at, value in places):
        text = f"{text[:equals + 1]} ({text[equals + 1:].strip()})"   # break at its operators
        places = _break_places(text)
    places = [(depth, at) for depth, at, value in places if depth > 0]
    lines, start, indent = [], 0, ""
    while len(indent) + len(text) - start > width:
        fitting = [(depth, at) for depth, at in places
                   if start < at and len(indent) + at - start <= width]
        if not fitting:
            later = [(depth, at) for depth, at in places if at > start]
            if not later:
                break
            fitting = [min(later, key=lambda p: p[1])]
        shallowest = min(depth for depth, _ in fitting)
        at = max(at for depth, at in fitting if depth == shallowest)
        lines.append(indent + text[start:at].rstrip())
        start, indent = at, "    "
        while start < len(text) and text[start] == " ":
            start += 1
    lines.append(indent + text[start:])
    return "\n".join(lines)


def _break_places(text: str) -> list[tuple[int, int, str]]:
    """(bracket depth, offset, token) of each place a line may break: after a comma,
    before a binary operator (inside brackets only); and the ``=`` of an assignment."""
    places, depth, previous = [], 0, None
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []
    for tok in tokens:
        if tok.start[0] != 1:
            break
        value, at = tok.string, tok.start[1]
        if tok.type == tokenize.OP and value in _OPEN:
            depth += 1
        elif tok.type == tokenize.OP and value in _CLOSE:
            depth -= 1
        elif value == "," and tok.type == tokenize.OP:
            places.append((depth, tok.end[1], value))
        elif value == "=" and tok.type == tokenize.OP and depth == 0:   # not a keyword's
            places.append((depth, at, value))
        elif value in _BINARY and _after_operand(previous):
            places.append((depth, at, value))
        previous = tok
    return places


def _after_operand(tok) -> bool:
    """Whether the token before an operator ends an operand (so ``-`` there is binary)."""
    if tok is None:
        return False
    return tok.type in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING) \
        and tok.string not in ("if", "else", "and", "or", "not", "in", "lambda") \
        or tok.string in _CLOSE
