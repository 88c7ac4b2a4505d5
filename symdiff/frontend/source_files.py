"""Reading a source file as Python reads it: its encoding (PEP 263: a BOM or a coding
line, else UTF-8), its lines as Python's tokenizer counts them, and the place of the first
byte Python could not read."""
from __future__ import annotations

import io
import re
import tokenize

from ..errors import Loc, SymdiffError


def read_file(path: str) -> tuple[str, list[str]]:
    """The text of a Python file as Python reads it (PEP 263: a BOM or a coding line, else
    UTF-8) and its lines as Python counts them; a file Python could not read is refused
    with the place of the first byte that is wrong."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise SymdiffError(f"cannot read {path}: {exc.strerror}",
                           hint="check the path to the model file") from None
    text = decode_source(path, data)
    return text, source_lines(text)


def source_lines(text: str) -> list[str]:
    """``text`` split where Python's tokenizer ends lines (``\\n``, ``\\r\\n``, ``\\r``), not
    at the form feeds and Unicode separators ``str.splitlines`` also splits at."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


ENCODING_HINT = ("save the file as UTF-8, or declare its encoding on its first or second line, "
                 "e.g. `# -*- coding: latin-1 -*-`")


def decode_source(path: str, data: bytes) -> str:
    """``data`` decoded as Python decodes a source file, or a located SymdiffError."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "invalid or missing encoding declaration" not in str(exc):
            line = next((i for i, t in enumerate(data.splitlines()[:2], 1)
                         if re.match(rb"^[ \t\f]*#.*?coding[:=]", t)), 1)
            raise SymdiffError(f"cannot read {path}: {exc.msg.split(' for ')[0]}",
                               _byte_loc(path, data, _line_start(data, line)),
                               hint=ENCODING_HINT) from None
        encoding = "utf-8"             # undecodable bytes in the first lines: say where
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SymdiffError(f"cannot read {path}: byte 0x{data[exc.start]:02x} is not valid "
                           f"{encoding} (is it a Python file?)", _byte_loc(path, data, exc.start),
                           hint=ENCODING_HINT) from None
    if "\0" in text:
        raise SymdiffError(f"cannot read {path}: it contains a null byte (is it a Python file?)",
                           _byte_loc(path, data, data.index(b"\0")),
                           hint="give the Python source file of the model")
    return text


_BREAK = re.compile(rb"\r\n|\r|\n")


def _line_start(data: bytes, line: int) -> int:
    starts = [0] + [m.end() for m in _BREAK.finditer(data)]
    return starts[min(line, len(starts)) - 1]


def _byte_loc(path: str, data: bytes, offset: int) -> Loc:
    """The place of byte ``offset``: line as Python counts, column in characters."""
    line = len(_BREAK.findall(data, 0, offset)) + 1
    start = _line_start(data, line)
    end = _BREAK.search(data, offset)
    text = data[start:end.start() if end else len(data)].decode("utf-8", "replace")
    col = len(data[start:offset].decode("utf-8", "replace"))
    return Loc(path, line, col, "".join(c if c.isprintable() and c != "\ufffd" else "?"
                                        for c in text))


__all__ = ["read_file", "source_lines", "decode_source", "ENCODING_HINT"]
