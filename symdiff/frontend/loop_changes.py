"""What a loop of run-time length may change: arrays and numbers, not containers.

Such a loop's body is lowered once, as the body of a loop region: a list, dict or object
it changes (``hs.append(h)``, ``cache[t] = c``, ``self.hist.append(h)``) would hold one
iteration's change at compile time, whatever the number of iterations, so it is refused
where it is changed. A loop of constant length that uses containers is unrolled instead
(``lower_containers.unrolls``).
"""
from __future__ import annotations

import ast

from .env import kind_of
from .lower_containers import Site, is_container


def unchanged_by_loop(site: Site, stmt: ast.stmt, before: dict, after: dict) -> None:
    """A loop of unknown length runs its body once here: a list, dict or object it changes
    (``hs.append(h)``, ``cache[k] = v``) would keep one iteration's change, so refuse."""
    for name, value in before.items():
        if isinstance(name, str) and is_container(value) and after.get(name) is not value \
                and after.get(name) != value:
            raise site.fail(f"`{name}` is {kind_of(value)} that this loop changes, and the "
                            "loop's length is not known at compile time",
                            _first_use(stmt, name),
                            "give the loop constant bounds (or loop over a list or dict), so "
                            "that it is unrolled, or keep the values in an array: "
                            f"{name} = np.zeros((n, ...)); {name}[t] = ...")


def _first_use(stmt: ast.stmt, name: str) -> ast.AST:
    for node in ast.walk(ast.Module(stmt.body, [])):
        if isinstance(node, ast.Name) and node.id == name:
            return node
    return stmt
