"""A layered left-to-right layout for computational graphs, with room for edge labels.

The classic layered recipe, kept small: nodes go into layers (longest path from the
inputs, then each node as far right as its uses allow when that shortens edges); edges
that span several layers pass through dummy points, one per layer crossed; the order
within each layer comes from barycenter sweeps (the order with the fewest crossings
wins); heights come from alternating sweeps that pull each item towards its neighbours
while keeping the order and the spacing (isotonic regression).

Every edge ends in a *port* on the left side of its target, and its last stretch is
horizontal, at the port's height: that is where its two labels go, one above the line and
one below. Ports are a label pair apart, so labels never overlap each other. Each gap
between two layers has a slant strip, where edges change height, and a label strip,
where every line is horizontal: lines never cross labels.

    >>> lay = layout({"x": (20, 20), "q": (60, 20)}, [("x", "q", 30.0)])
    >>> lay.boxes["q"], lay.routes[0].label_at
"""
from __future__ import annotations

from dataclasses import dataclass

#: Vertical distance between two ports: room for a label above and one below the edge.
PORT = 30.0
#: Space between two items stacked in a layer.
SPACING = 14.0
#: The part of a gap where edges slant, left of the labels.
SLANT = 32.0
#: Space on each side of the labels in a gap.
PAD = 8.0


@dataclass(frozen=True)
class Box:
    x: float
    y: float            # top (y grows downwards)
    w: float
    h: float

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Route:
    """An edge's path, from its source to its port; its labels centre on ``label_at``."""

    points: tuple[tuple[float, float], ...]
    label_at: tuple[float, float]


@dataclass(frozen=True)
class Layout:
    boxes: dict
    routes: list[Route]                  # one per edge, in the order given
    width: float
    height: float


@dataclass(frozen=True)
class _Dummy:
    """Where edge ``edge`` crosses layer ``layer``."""

    edge: int
    layer: int


def layout(sizes: dict, edges: list[tuple], margin: float = 16.0) -> Layout:
    """Boxes for nodes (``sizes``: id -> (width, height), in topological order) and routes
    for ``edges`` (source, target, label width). A node grows to fit its ports."""
    layer = _layers(list(sizes), edges)
    chains = [[_Dummy(e, k) for k in range(layer[s] + 1, layer[t])]
              for e, (s, t, _) in enumerate(edges)]
    for chain in chains:
        layer.update({d: d.layer for d in chain})
    segments = [(u, v, e) for e, ((s, t, _), chain) in enumerate(zip(edges, chains))
                for u, v in zip([s] + chain, chain + [t])]
    rows = _order(list(sizes) + [d for c in chains for d in c], layer, segments)
    ports = _ports(segments, rows, layer, sizes)
    heights = {v: max(sizes[v][1], PORT * len(ports.get(v, {}))) if v in sizes else PORT / 2
               for row in rows for v in row}
    centers = _heights(rows, segments, ports, heights)
    label, slant = {}, {}
    for _, t, width in edges:
        label[layer[t]] = max(label.get(layer[t], 0.0), width + 2 * PAD)
    for u, v, e in segments:              # steep edges get a wider strip to slant in
        rise = abs(centers[u] - centers[v] - (ports[v][e] if v in ports else 0.0))
        slant[layer[v]] = max(slant.get(layer[v], SLANT), min(0.4 * rise, 3 * SLANT))
    lefts, rights, x = [], [], margin
    for k, row in enumerate(rows):
        x += (slant.get(k, SLANT) + label.get(k, 0.0)) if k else 0.0
        lefts.append(x)
        x += max([sizes[v][0] for v in row if v in sizes] + [0.0])
        rights.append(x)
    shift = margin - min(centers[v] - heights[v] / 2 for v in centers)
    boxes = {v: Box(lefts[layer[v]], centers[v] - heights[v] / 2 + shift, *sizes[v][:1],
                    heights[v]) for v in sizes}
    routes = []
    for e, ((s, t, _), chain) in enumerate(zip(edges, chains)):
        src = boxes[s]
        points = [(src.x + src.w, src.cy), (rights[layer[s]], src.cy)]
        for d in chain:                   # slant, then level through the label strip
            y = centers[d] + shift
            points += [(lefts[d.layer] - label.get(d.layer, 0.0), y), (rights[d.layer], y)]
        dst = boxes[t]
        y = dst.cy + ports[t][e]
        start = lefts[layer[t]] - label.get(layer[t], 0.0)
        points += [(start, y), (dst.x, y)]
        routes.append(Route(tuple(_dedupe(points)), ((start + dst.x) / 2, y)))
    bottom = max([b.y + b.h for b in boxes.values()] +
                 [centers[v] + shift + heights[v] / 2 for v in centers])
    return Layout(boxes, routes, x + margin, bottom + margin)


def _dedupe(points) -> list:
    out = []
    for p in points:
        if not out or abs(out[-1][0] - p[0]) > 1e-9 or abs(out[-1][1] - p[1]) > 1e-9:
            out.append(p)
    return out


def _layers(order: list, edges: list[tuple]) -> dict:
    """Longest path from the inputs; then, from the right, a node with no more inputs
    than uses moves as far right as its uses allow (inputs sit next to their first use)."""
    preds: dict = {v: [] for v in order}
    succs: dict = {v: [] for v in order}
    for s, t, _ in edges:
        preds[t].append(s)
        succs[s].append(t)
    layer: dict = {}
    for v in order:                       # ``order`` is topological
        layer[v] = max([layer[p] + 1 for p in preds[v]] + [0])
    for v in reversed(order):
        if succs[v] and len(preds[v]) <= len(succs[v]):
            layer[v] = max(layer[v], min(layer[t] for t in succs[v]) - 1)
    return layer


def _order(items: list, layer: dict, segments: list) -> list[list]:
    """Rows of items, left to right; barycenter sweeps, keeping the fewest crossings."""
    rows: list[list] = [[] for _ in range(max(layer.values()) + 1)]
    for v in items:
        rows[layer[v]].append(v)
    into: dict = {}
    out: dict = {}
    for u, v, _ in segments:
        into.setdefault(v, []).append(u)
        out.setdefault(u, []).append(v)
    best, fewest = [list(r) for r in rows], _crossings(rows, segments, layer)
    for sweep in range(12):
        down = sweep % 2 == 0
        for k in (range(1, len(rows)) if down else range(len(rows) - 2, -1, -1)):
            near = rows[k - 1] if down else rows[k + 1]
            place = {v: i for i, v in enumerate(near)}
            links = into if down else out

            def key(pair, place=place, links=links):
                i, v = pair
                seen = [place[u] for u in links.get(v, ()) if u in place]
                return (sum(seen) / len(seen) if seen else i, i)
            rows[k] = [v for _, v in sorted(enumerate(rows[k]), key=key)]
        count = _crossings(rows, segments, layer)
        if count < fewest:
            best, fewest = [list(r) for r in rows], count
    return best


def _crossings(rows: list[list], segments: list, layer: dict) -> int:
    place = {v: i for row in rows for i, v in enumerate(row)}
    by_gap: dict = {}
    for u, v, _ in segments:
        by_gap.setdefault(layer[u], []).append((place[u], place[v]))
    total = 0
    for pairs in by_gap.values():
        for i, (a1, b1) in enumerate(pairs):
            total += sum(1 for a2, b2 in pairs[i + 1:] if (a1 - a2) * (b1 - b2) < 0)
    return total


def _ports(segments: list, rows: list[list], layer: dict, sizes: dict) -> dict:
    """Target -> {edge: offset of its port from the target's centre}, top to bottom in
    the order of the sources, so that edges into one node do not cross each other."""
    place = {v: i for row in rows for i, v in enumerate(row)}
    incoming: dict = {}
    for u, v, e in segments:
        if v in sizes:
            incoming.setdefault(v, []).append((place[u], e))
    ports = {}
    for v, pairs in incoming.items():
        pairs.sort()
        middle = (len(pairs) - 1) / 2
        ports[v] = {e: (j - middle) * PORT for j, (_, e) in enumerate(pairs)}
    return ports


def _heights(rows: list[list], segments: list, ports: dict, heights: dict) -> dict:
    """Vertical centres: each item pulled towards the items it connects to, in order."""
    def port(v, e):
        return ports[v][e] if v in ports and e in ports[v] else 0.0
    center: dict = {}
    for row in rows:
        y = 0.0
        for v in row:
            center[v] = y + heights[v] / 2
            y += heights[v] + SPACING
    into: dict = {}
    out: dict = {}
    for u, v, e in segments:
        into.setdefault(v, []).append((u, e))
        out.setdefault(u, []).append((v, e))
    for sweep in range(10):
        down = sweep % 2 == 0
        for k in (range(1, len(rows)) if down else range(len(rows) - 2, -1, -1)):
            wanted = []
            for v in rows[k]:
                if down:
                    ys = [center[u] - port(v, e) for u, e in into.get(v, ())]
                else:
                    ys = [center[w] + port(w, e) for w, e in out.get(v, ())]
                wanted.append(sum(ys) / len(ys) if ys else center[v])
            _place(rows[k], wanted, heights, center)
    return center


def _place(row: list, wanted: list[float], heights: dict, center: dict) -> None:
    """Centres as close as possible to ``wanted``, in order, never closer than allowed."""
    offsets, total = [], 0.0
    for i, v in enumerate(row):
        if i:
            total += (heights[row[i - 1]] + heights[v]) / 2 + SPACING
        offsets.append(total)
    fitted = isotonic([w - o for w, o in zip(wanted, offsets)])
    for v, z, o in zip(row, fitted, offsets):
        center[v] = z + o


def isotonic(targets: list[float]) -> list[float]:
    """The non-decreasing sequence closest to ``targets`` (pool adjacent violators)."""
    blocks: list[list[float]] = []          # [mean, count]
    for t in targets:
        blocks.append([t, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, c2 = blocks.pop()
            m1, c1 = blocks.pop()
            blocks.append([(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2])
    return [mean for mean, count in blocks for _ in range(int(count))]


__all__ = ["layout", "Layout", "Box", "Route", "isotonic", "PORT"]
