"""Output files (``-o``): written whole or not at all, only as regular files, never over
an input.

    >>> write_whole("grad_model.py", source.encode(), inputs=["model.py"])

A temporary file in the destination's folder is renamed onto it, so an error or a Ctrl-C
never leaves half a file. The destination is refused when it is one of the inputs (also
through a symbolic or hard link), a folder, a device or another file that is not regular,
a read-only file, or a symbolic link to nothing; a symbolic link to a regular file is
written through (the link stays, its target gets the new text).
"""
from __future__ import annotations

import os
import stat
import tempfile
from typing import Iterable

from ..errors import SymdiffError


def target(path: str, inputs: Iterable[str] = ()) -> str:
    """The file to write for ``path`` (through symbolic links), or a SymdiffError why not."""
    real = os.path.realpath(path)
    hint = "choose another output file, or leave out -o to write to standard output"
    try:
        st = os.stat(real)
    except FileNotFoundError:
        if os.path.islink(path):
            raise SymdiffError(f"refusing to write {path}: it is a symbolic link to "
                               f"{os.readlink(path)}, which does not exist", hint=hint) from None
        return real
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a device, " \
                                                           "a pipe or a socket)"
        raise SymdiffError(f"refusing to write {path}: it is {kind}", hint=hint)
    for given in inputs:
        try:
            other = os.stat(given)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
            same = "" if os.path.abspath(given) == os.path.abspath(path) else \
                f" (the same file as {given})"
            raise SymdiffError(f"refusing to write {path}: it is an input{same}, and writing "
                               "would replace its source", hint=f"{hint}, e.g. -o grad_"
                               f"{os.path.basename(given)}")
    if not os.access(real, os.W_OK):
        raise SymdiffError(f"refusing to write {path}: it is read-only", hint=hint)
    return real


def write_whole(path: str, data: bytes, inputs: Iterable[str] = ()) -> None:
    """Write ``data`` to ``path`` whole or not at all (see ``target`` for what is refused);
    an existing file keeps its permissions."""
    real = target(path, inputs)
    try:
        mode = stat.S_IMODE(os.stat(real).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask             # as open() would create it, not mkstemp's 0600
    fd, tmp = tempfile.mkstemp(prefix=".symdiff-", suffix=os.path.splitext(real)[1],
                               dir=os.path.dirname(real))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
