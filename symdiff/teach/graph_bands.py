"""A wide computational graph cut into rows that fit a slide.

The layered layout runs left to right; a graph whose layout is wider than the slide is
cut, between layers, into rows of about equal width, drawn one under the other. An edge
from an earlier row starts, in its row, at a *link*: a copy of its source's name in a
dashed box (``h``), so every edge still carries its value and gradient where it arrives.

    >>> rows = cut(nodes, edges, lay, 1600.0)      # [(nodes, edges), ...], top to bottom
"""
from __future__ import annotations

import math

from .graph_build import Edge, Node
from .graph_layout import Layout


def cut(nodes: list[Node], edges: list[Edge], lay: Layout, limit: float
        ) -> list[tuple[list[Node], list[Edge]]]:
    """Rows of at most about ``limit`` wide (one row when the layout fits)."""
    count = max(1, math.ceil(lay.width / limit))
    if count == 1:
        return [(nodes, edges)]
    cuts = [lay.width * i / count for i in range(1, count)]
    row = {n.key: sum(lay.boxes[n.key].x >= c for c in cuts) for n in nodes}
    for e in edges:                  # a source never sits in a later row than its target
        row[e.source] = min(row[e.source], row[e.target])
    label = {n.key: n.label.split("\n")[0].removesuffix(" =") for n in nodes}
    rows: list[tuple[list[Node], list[Edge]]] = [([], []) for _ in range(count)]
    links: list[dict[str, Node]] = [{} for _ in range(count)]
    for e in edges:
        k = row[e.target]
        if row[e.source] == k:
            rows[k][1].append(e)
            continue
        key = f"link:{k}:{e.source}"
        links[k].setdefault(key, Node(key, label[e.source], "link"))
        rows[k][1].append(Edge(key, e.target, e.value, e.gradient))
    for n in nodes:
        rows[row[n.key]][0].append(n)
    return [(list(links[k].values()) + ns, es) for k, (ns, es) in enumerate(rows) if ns]


__all__ = ["cut"]
