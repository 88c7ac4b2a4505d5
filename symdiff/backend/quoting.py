"""User text in generated code: file names, function names and source lines, quoted so
that they stay text.

Every piece of the user's text that reaches a generated module (a file name in a comment
or a docstring, a quoted source line) goes through one of these, so that no file name can
end a comment or a docstring and run as code when the module is imported.

    >>> print(comment_text("model.py\\nimport os"))
    model.py\\nimport os
"""
from __future__ import annotations

#: Characters that end a line for Python's tokenizer, for str.splitlines or for editors.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _escaped(ch: str) -> str:
    return ch.encode("unicode_escape").decode("ascii")


def _unsafe(ch: str, keep: str) -> bool:
    return ch not in keep and (ch in LINE_BREAKS or not ch.isprintable())


def comment_text(text: str) -> str:
    """``text`` on one line, to follow a ``#``: line breaks and other unprintable
    characters written as escapes (``\\n``), printable ones (any script) as they are."""
    return "".join(_escaped(ch) if _unsafe(ch, " \t") else ch for ch in text)


def docstring(text: str, indent: str = "") -> str:
    """``text`` as a triple-quoted string literal whose value is ``text``: quotes and
    backslashes escaped, as are unprintable characters and line breaks other than ``\\n``
    (which stays, as in any docstring)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif _unsafe(ch, " \t\n"):
            out.append(_escaped(ch))
        else:
            out.append(ch)
    return f'{indent}"""' + "".join(out) + '"""'
