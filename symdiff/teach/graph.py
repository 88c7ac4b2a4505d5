"""The computational graph of a function at given inputs, drawn as in backprop lessons.

One box per operation, laid out left to right; each edge carries its forward value in
green above the line and its gradient in red below (the gradient that flows back along
that edge: where a value is used twice, each use has its own, and they add up at the
source). Every number comes from running the compiled gradient (``symdiff.trace``).

    >>> g = symdiff.graph(f, -2.0, 5.0, -4.0)
    >>> g.save("circuit.svg")       # .svg and .png need only matplotlib; .dot is Graphviz's
    >>> g                           # in a notebook: the picture (_repr_svg_)

Pictures are drawn with matplotlib (SVG and PNG, no system packages); ``dot()`` gives the
same graph in Graphviz's language for those who have it.
"""
from __future__ import annotations

import io
import os
from dataclasses import replace
from typing import Callable

from ..frontend import fence
from ..errors import SymdiffError
from .explain import bind_arguments, format_value, wrt_names
from .graph_build import SMALL, Edge, Node, build, edge_text
from .labels import Labels
from .graph_bands import cut
from .graph_layout import PORT, Layout, Route, layout
from ..util.output import write_whole
from ..frontend.parse import source_of
from .tables import GREEN, RED
from .trace import Trace, trace

#: More nodes than this are refused: such a picture cannot be read.
MAX_NODES = 150
#: Pictures wider than this (in points) draw one box per source line, and are then cut into
#: rows: a slide is about 1,600 pixels wide, 1,200 points (an SVG's unit; a browser draws
#: 4/3 pixel per point, and PNGs are made at 96 dots per inch, the same scale).
WIDE = 1200.0
#: Dots per inch of PNG pictures: 4/3 pixel per point, as a browser draws the SVG.
DPI = 96
#: Space between two rows of a graph cut to fit a slide.
ROW_GAP = 24.0

NODE_FONT = {"family": "DejaVu Sans Mono", "size": 9.0}
EDGE_FONT = {"family": "DejaVu Sans", "size": 8.0}
TITLE_FONT = {"family": "DejaVu Sans", "size": 10.0, "weight": "bold"}
LEGEND_FONT = {"family": "DejaVu Sans", "size": 8.0}


def graph(fn: Callable, *args, wrt=None, fuse: bool = True, group: bool | None = None,
          **kwargs) -> "Graph":
    """The computational graph of ``fn`` at these arguments, with values and gradients.

    Args:
      fn: a function written with ``def`` whose output is a scalar.
      *args, **kwargs: the inputs, taken as by ``symdiff.explain``.
      wrt: the arguments whose gradients are drawn, as for ``symdiff.explain``.
      fuse: False draws one node per operation (``--gates``), as on the lecture slide of
        the sigmoid neuron: ``*-1``, ``exp``, ``+1``, ``1/x``.
      group: True draws one box per source line (``h = maximum(0, X @ W1 + b1)``, a
        layer's affine map and ReLU), False one per operation; by default lines are
        grouped when the picture would otherwise be wider than a slide (``WIDE``), and
        never with ``fuse=False``.

    Returns:
      A ``Graph``: ``.save("g.svg")`` (or .png, .dot) draws it, each edge labelled with
      its value and its gradient; a notebook shows it inline.

    Example:
      >>> def f(x, y, z):
      ...     q = x + y
      ...     return q * z
      >>> symdiff.graph(f, -2.0, 5.0, -4.0).save("f.svg")      # doctest: +SKIP
    """
    src = source_of(fn)
    fence.check(src)
    return Graph(trace(src, bind_arguments(src, args, kwargs), wrt_names(src, wrt),
                       fuse=fuse), group=False if group is None and not fuse else group)


class Graph:
    """Nodes and labelled edges of one run; renders to SVG, PNG and DOT."""

    def __init__(self, run: Trace, group: bool | None = None):
        self.run = run
        self._layout: Layout | None = None
        self._drawn: tuple | None = None
        self.grouped = bool(group)
        self.nodes, self.edges = build(run, self.grouped)
        if group is None and len(self.nodes) <= MAX_NODES and self.layout().width > WIDE:
            self.grouped = True                 # one box per source line, to fit a slide
            self.nodes, self.edges = build(run, True)
            self._layout = None
        if len(self.nodes) > MAX_NODES:
            raise SymdiffError(f"the graph of {run.fn.name} at these inputs has "
                               f"{len(self.nodes)} nodes; graph draws at most {MAX_NODES}",
                               run.fn.loc, hint="use fewer loop iterations or smaller inputs, "
                                                "or symdiff explain for the tables")

    def title(self) -> str:
        args = ", ".join(f"{k}={format_value(v, SMALL)}" for k, v in self.run.args.items())
        return f"{self.run.fn.name}({args})"

    # ------------------------------------------------------------ layout

    def layout(self) -> Layout:
        """The layout of all nodes in one row (``drawn`` cuts it to fit a slide)."""
        if self._layout is None:
            self._layout = self._layout_of(self.nodes, self.edges)
        return self._layout

    def _layout_of(self, nodes, edges) -> Layout:
        sizes = {}
        for n in nodes:
            lines = [text_size(line, NODE_FONT) for line in n.label.split("\n")]
            w, h = max(w for w, _ in lines), sum(h for _, h in lines) * 1.2
            sizes[n.key] = (w + 16, max(h + 12, PORT * 0.8))
        widths = [(e.source, e.target,
                   max(text_size(e.value, EDGE_FONT)[0], text_size(e.gradient, EDGE_FONT)[0]))
                  for e in edges]
        return layout(sizes, widths)

    def drawn(self) -> tuple[list[Node], list[Edge], Layout]:
        """The nodes, edges and layout as drawn: rows one under the other when the graph
        is wider than a slide (``WIDE``), joined by links."""
        if self._drawn is None:
            rows = cut(self.nodes, self.edges, self.layout(), WIDE)
            if len(rows) == 1:
                self._drawn = (self.nodes, self.edges, self.layout())
            else:
                self._drawn = self._stacked(rows)
        return self._drawn

    def _stacked(self, rows) -> tuple[list[Node], list[Edge], Layout]:
        nodes, edges, boxes, routes, y, width = [], [], {}, [], 0.0, 0.0
        for row_nodes, row_edges in rows:
            lay = self._layout_of(row_nodes, row_edges)
            nodes += row_nodes
            edges += row_edges
            boxes.update({k: replace(b, y=b.y + y) for k, b in lay.boxes.items()})
            routes += [Route(tuple((px, py + y) for px, py in r.points),
                             (r.label_at[0], r.label_at[1] + y)) for r in lay.routes]
            y += lay.height + ROW_GAP
            width = max(width, lay.width)
        return nodes, edges, Layout(boxes, routes, width, y - ROW_GAP)

    # ------------------------------------------------------------ pictures

    def figure(self):
        """A matplotlib Figure of the graph (no pyplot state is touched)."""
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
        nodes, edges, lay = self.drawn()
        top, bottom = 30.0, 26.0
        output = Labels(self.run).output
        legend = (f"green: forward value    red: gradient d{output}/d(that value), "
                  "flowing back along the edge")
        words = max(text_size(self.title(), TITLE_FONT)[0], text_size(legend, LEGEND_FONT)[0])
        width, height = max(lay.width, words + 32), lay.height + top + bottom
        fig = Figure(figsize=(width / 72, height / 72))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
        ax.axis("off")
        text = dict(parse_math=False)
        ax.text(16, 18, self.title(), **TITLE_FONT, va="center", **text)
        for edge, route in zip(edges, lay.routes):
            xs, ys = zip(*((x, y + top) for x, y in route.points))
            ax.plot(xs[:-1], ys[:-1], color="#555555", lw=1.0, solid_capstyle="round")
            ax.add_patch(FancyArrowPatch((xs[-2], ys[-2]), (xs[-1], ys[-1]), arrowstyle="-|>",
                                         mutation_scale=9, color="#555555", lw=1.0,
                                         shrinkA=0, shrinkB=0))
            x, y = route.label_at
            ax.text(x, y + top - 2.5, edge.value, color=GREEN, ha="center", va="bottom",
                    **EDGE_FONT, **text)
            if edge.gradient:
                ax.text(x, y + top + 2.5, edge.gradient, color=RED, ha="center", va="top",
                        **EDGE_FONT, **text)
        style = {"input": ("#e8f1fb", "#6a8fb5"), "op": ("#f4f4f4", "#888888"),
                 "output": ("#fdf3e3", "#c08a3e"), "link": ("#ffffff", "#888888")}
        for n in nodes:
            box = lay.boxes[n.key]
            fill, line = style[n.kind]
            ax.add_patch(FancyBboxPatch((box.x, box.y + top), box.w, box.h, linewidth=1.0,
                                        boxstyle="round,pad=0,rounding_size=5",
                                        facecolor=fill, edgecolor=line,
                                        linestyle="--" if n.kind == "link" else "-"))
            ax.text(box.x + box.w / 2, box.cy + top, n.label, ha="center", va="center",
                    **NODE_FONT, **text)
        ax.text(16, height - 13, legend, **LEGEND_FONT, color="#444444", va="center", **text)
        return fig

    def svg(self) -> str:
        import matplotlib
        buffer = io.StringIO()
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "symdiff"}):
            self.figure().savefig(buffer, format="svg",
                                  metadata={"Date": None, "Creator": "symdiff"})
        return buffer.getvalue()

    def png(self, dpi: int = DPI) -> bytes:
        buffer = io.BytesIO()
        self.figure().savefig(buffer, format="png", dpi=dpi, metadata={"Software": "symdiff"})
        return buffer.getvalue()

    def dot(self) -> str:
        """The graph in Graphviz's DOT language (render with ``dot -Tsvg``)."""
        lines = [f'digraph "{self.run.fn.name}" {{', "  rankdir=LR;",
                 '  node [shape=box, style="rounded,filled", fillcolor="#f4f4f4", '
                 'fontname="DejaVu Sans Mono", fontsize=10];',
                 '  edge [fontname="DejaVu Sans", fontsize=9];',
                 f'  labelloc=t; label="{_dot_text(self.title())}";']
        fills = {"input": "#e8f1fb", "op": "#f4f4f4", "output": "#fdf3e3"}
        for n in self.nodes:
            lines.append(f'  "{n.key}" [label="{_dot_text(n.label)}", '
                         f'fillcolor="{fills[n.kind]}"];')
        for e in self.edges:
            label = f'<font color="{GREEN}">{_html(e.value)}</font>'
            if e.gradient:
                label += f'<br/><font color="{RED}">{_html(e.gradient)}</font>'
            lines.append(f'  "{e.source}" -> "{e.target}" [label=<{label}>];')
        return "\n".join(lines + ["}"]) + "\n"

    def save(self, path: str, inputs=()) -> None:
        """Write ``.svg``, ``.png`` or ``.dot`` (by the file's extension), whole or not at all,
        and never over one of the ``inputs`` (see ``output.target``)."""
        kind = os.path.splitext(path)[1].lower()
        makers = {".svg": lambda: self.svg().encode("utf-8"), ".png": self.png,
                  ".dot": lambda: self.dot().encode("utf-8"),
                  ".gv": lambda: self.dot().encode("utf-8")}
        if kind not in makers:
            raise SymdiffError(f"cannot tell the picture format of {path}",
                               hint="name the file .svg, .png or .dot")
        write_whole(path, makers[kind](), inputs)

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_html_(self) -> str:
        """The picture for a notebook, scaled down to the width of the output area (never
        up): an ``img`` of the SVG, which no notebook style sheet restyles."""
        import base64
        from html import escape
        svg = self.svg()
        width = float(svg.split('width="', 1)[1].split("pt", 1)[0]) * 4 / 3
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return (f'<img src="data:image/svg+xml;base64,{data}" '
                f'alt="{escape(self.title(), quote=True)}" '
                f'style="width:{width:.0f}px;max-width:100%;height:auto" />')

    def __repr__(self) -> str:
        return f"<Graph of {self.run.fn.name}: {len(self.nodes)} nodes, {len(self.edges)} edges>"


def text_size(text: str, font: dict) -> tuple[float, float]:
    """Width and height of a line of text in points, as matplotlib will draw it."""
    if not text:
        return 0.0, 0.0
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath
    w, h, d = TextToPath().get_text_width_height_descent(
        text, FontProperties(family=font["family"], size=font["size"],
                             weight=font.get("weight", "normal")), ismath=False)
    return w, h + d


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["graph", "Graph", "Node", "Edge", "edge_text", "write_whole", "text_size", "WIDE"]
