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
from dataclasses import dataclass
from typing import Callable

from ..frontend import fence
from ..errors import SymdiffError
from .explain import bind_arguments, format_value, wrt_names
from .labels import Labels, node_code, shortened
from .graph_layout import PORT, Layout, layout
from ..util.output import write_whole
from ..frontend.parse import source_of
from .tables import GREEN, RED
from .trace import Trace, trace

#: Arrays up to this many elements show their numbers on edges; larger ones their shape.
SMALL = 4
#: More nodes than this are refused: such a picture cannot be read.
MAX_NODES = 150
#: The longest code shown in a node, in characters: longer expressions show their longest
#: inputs as an ellipsis (the boxes those inputs come from say what they are).
LONGEST = 24
#: Node labels longer than this put the name and the code on two lines.
WRAP = 18

NODE_FONT = {"family": "DejaVu Sans Mono", "size": 9.0}
EDGE_FONT = {"family": "DejaVu Sans", "size": 8.0}
TITLE_FONT = {"family": "DejaVu Sans", "size": 10.0, "weight": "bold"}
LEGEND_FONT = {"family": "DejaVu Sans", "size": 8.0}


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    kind: str              # "input", "op" or "output"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    value: str             # forward value, drawn above the edge
    gradient: str          # gradient flowing back along the edge, drawn below ("" if none)


def graph(fn: Callable, *args, wrt=None, fuse: bool = True, **kwargs) -> "Graph":
    """The computational graph of ``fn`` at these arguments, with values and gradients.

    Args:
      fn: a function written with ``def`` whose output is a scalar.
      *args, **kwargs: the inputs, taken as by ``symdiff.explain``.
      wrt: the arguments whose gradients are drawn, as for ``symdiff.explain``.
      fuse: False draws one node per operation (``--gates``), as on the lecture slide of
        the sigmoid neuron: ``*-1``, ``exp``, ``+1``, ``1/x``.

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
                       fuse=fuse))


class Graph:
    """Nodes and labelled edges of one run; renders to SVG, PNG and DOT."""

    def __init__(self, run: Trace):
        self.run = run
        self.nodes, self.edges = _build(run)
        if len(self.nodes) > MAX_NODES:
            raise SymdiffError(f"the graph of {run.fn.name} at these inputs has "
                               f"{len(self.nodes)} nodes; graph draws at most {MAX_NODES}",
                               run.fn.loc, hint="use fewer loop iterations or smaller inputs, "
                                                "or symdiff explain for the tables")
        self._layout: Layout | None = None

    def title(self) -> str:
        args = ", ".join(f"{k}={format_value(v, SMALL)}" for k, v in self.run.args.items())
        return f"{self.run.fn.name}({args})"

    # ------------------------------------------------------------ layout

    def layout(self) -> Layout:
        if self._layout is None:
            sizes = {}
            for n in self.nodes:
                lines = [text_size(line, NODE_FONT) for line in n.label.split("\n")]
                w, h = max(w for w, _ in lines), sum(h for _, h in lines) * 1.2
                sizes[n.key] = (w + 16, max(h + 12, PORT * 0.8))
            edges = [(e.source, e.target,
                      max(text_size(e.value, EDGE_FONT)[0], text_size(e.gradient, EDGE_FONT)[0]))
                     for e in self.edges]
            self._layout = layout(sizes, edges)
        return self._layout

    # ------------------------------------------------------------ pictures

    def figure(self):
        """A matplotlib Figure of the graph (no pyplot state is touched)."""
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
        lay = self.layout()
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
        for edge, route in zip(self.edges, lay.routes):
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
                 "output": ("#fdf3e3", "#c08a3e")}
        for n in self.nodes:
            box = lay.boxes[n.key]
            fill, line = style[n.kind]
            ax.add_patch(FancyBboxPatch((box.x, box.y + top), box.w, box.h, linewidth=1.0,
                                        boxstyle="round,pad=0,rounding_size=5",
                                        facecolor=fill, edgecolor=line))
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

    def png(self, dpi: int = 144) -> bytes:
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

    def __repr__(self) -> str:
        return f"<Graph of {self.run.fn.name}: {len(self.nodes)} nodes, {len(self.edges)} edges>"


def _build(run: Trace) -> tuple[list[Node], list[Edge]]:
    """Inputs, one node per forward step, the output; an edge per argument read."""
    parts = {(b.step, b.arg): b.part for b in run.backprops}
    nodes, edges = [], []
    for name in run.args:
        nodes.append(Node(f"in:{name}", name, "input"))
    labels = Labels(run)
    for k, step in enumerate(run.steps):
        nodes.append(Node(f"step:{k}", _label(step, labels, k,
                                              run.contexts.get(step.context, "")), "op"))
        for i, (source, value) in enumerate(zip(step.inputs, step.arg_values)):
            if source is None:
                continue
            key = f"in:{source}" if isinstance(source, str) else f"step:{source}"
            gradient = edge_text(parts[k, i]) if (k, i) in parts else ""
            edges.append(Edge(key, f"step:{k}", edge_text(value), gradient))
    source = run.value_source
    nodes.append(Node("output", labels.output if source is not None else
                      f"{labels.output} = {edge_text(run.value)}", "output"))
    if source is not None:
        edges.append(Edge(f"in:{source}" if isinstance(source, str) else f"step:{source}",
                          "output", edge_text(run.value), "1"))
    nodes, edges = _leading_to_output(nodes, edges)
    linked = {e.source for e in edges}
    return [Node(n.key, f"{n.label} = {edge_text(run.args[n.label])}", n.kind)
            if n.kind == "input" and n.key not in linked else n for n in nodes], edges


def _leading_to_output(nodes: list[Node], edges: list[Edge]) -> tuple[list[Node], list[Edge]]:
    """Only operations the output depends on (a loop's test, say, is left out), and
    every input."""
    keep, todo = {"output"}, ["output"]
    while todo:
        target = todo.pop()
        for e in edges:
            if e.target == target and e.source not in keep:
                keep.add(e.source)
                todo.append(e.source)
    edges = [e for e in edges if e.source in keep and e.target in keep]
    return [n for n in nodes if n.kind == "input" or n.key in keep], edges


def _label(step, labels: Labels, k: int, iteration: str = "") -> str:
    """``q = x + y``, or the expression an unnamed value computes (``w[0] * x[0]``), its
    longest inputs shown as ``…`` to fit a box (their own boxes say what they are); a
    longer line splits into the name and the code below it; in a loop, the name says
    which iteration: ``h (t=2) =``."""
    code = shortened(node_code(step.node), labels.inputs(k), LONGEST)
    if len(code) > LONGEST:
        code = code[:LONGEST - 1] + "\u2026"
    if step.node.temporary:
        return f"{code}\n({iteration})" if iteration else code
    name = labels.step[k]
    if iteration:
        name = f"{name} ({iteration})"
    text = f"{name} = {code}"
    return text if len(text) <= WRAP and not iteration else f"{name} =\n{code}"


def edge_text(value) -> str:
    """A number, a small array's numbers, or a larger array's shape."""
    text = format_value(value, SMALL)
    return text[:-len(" array")] if text.endswith(" array") else text


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


__all__ = ["graph", "Graph", "Node", "Edge", "write_whole", "text_size"]
