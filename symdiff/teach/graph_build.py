"""The boxes and edges of a computational graph, from a run (``trace``).

One box per forward step, or, for a picture that must fit a slide, one box per source
line: ``h = np.maximum(0, X @ W1 + b1)`` (a layer's affine map and its ReLU) is then one
box labelled ``h = maximum(0, X @ W1 + b1)``, its inputs ``X``, ``W1`` and ``b1`` coming
in, and on each incoming edge the gradient that flows back to that input from the whole
line (the sum of what the line's steps send it). ``Graph(run, group=False)`` opens every
box again.

Edges carry numbers as a lesson writes them: a number, a small array's numbers, and for a
larger array its shape and its norm, ``(3, 3) |1.93|`` (the tables have every value).
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np

from .explain import format_value, without_round_off
from .labels import Labels, node_code, shortened
from .trace import Trace

#: Arrays up to this many elements show their numbers on edges; larger ones their shape
#: and norm.
SMALL = 4
#: The longest code shown in a node, in characters: longer expressions show their longest
#: inputs as an ellipsis (the boxes those inputs come from say what they are).
LONGEST = 24
#: Node labels longer than this put the name and the code on two lines.
WRAP = 18
#: A grouped box shows its line's expression up to this many characters, on lines of
#: about LINE_WIDTH.
LONGEST_LINE = 48
LINE_WIDTH = 28


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


def build(run: Trace, group: bool = False) -> tuple[list[Node], list[Edge]]:
    """Inputs, one node per forward step (per source line with ``group``), the output;
    an edge per value read."""
    labels = Labels(run)
    box = _boxes(run, group)
    parts: dict = {}
    for b in run.backprops:
        if b.part is not None:
            parts.setdefault((b.step, b.arg), []).append(b.part)
    nodes = [Node(f"in:{name}", name, "input") for name in run.args]
    members: dict[str, list[int]] = {}
    for k in range(len(run.steps)):
        members.setdefault(box[k], []).append(k)
    edges: dict[tuple, list] = {}          # (source key, source, target) -> [value, grads]
    for key, steps in members.items():
        nodes.append(Node(key, _box_label(run, labels, steps), "op"))
        for k in steps:
            step = run.steps[k]
            for i, (source, value) in enumerate(zip(step.inputs, step.arg_values)):
                if source is None or isinstance(source, int) and box[source] == key:
                    continue
                src = f"in:{source}" if isinstance(source, str) else box[source]
                read = None if group else (k, i)       # one edge per read, or per line
                edge = edges.setdefault((src, source, key, read), [value, []])
                edge[1].extend(parts.get((k, i), ()))
    out = [Edge(src, target, edge_text(value), _gradient_text(grads))
           for (src, _, target, _), (value, grads) in edges.items()]
    source = run.value_source
    nodes.append(Node("output", labels.output if source is not None else
                      f"{labels.output} = {edge_text(run.value)}", "output"))
    if source is not None:
        out.append(Edge(f"in:{source}" if isinstance(source, str) else box[source],
                        "output", edge_text(run.value), "1"))
    nodes, out = _leading_to_output(nodes, out)
    linked = {e.source for e in out}
    return [Node(n.key, f"{n.label} = {edge_text(run.args[n.label])}", n.kind)
            if n.kind == "input" and n.key not in linked else n for n in nodes], out


def _boxes(run: Trace, group: bool) -> list[str]:
    """The box of each step: its own (``step:k``), or its source line's in its iteration."""
    if not group:
        return [f"step:{k}" for k in range(len(run.steps))]
    keys, first = [], {}
    for k, step in enumerate(run.steps):
        loc = step.node.loc
        line = (loc.file, loc.line, step.context) if loc else ("", k, step.context)
        keys.append(first.setdefault(line, f"step:{k}"))
    return keys


def _box_label(run: Trace, labels: Labels, steps: list[int]) -> str:
    """A step's label, or for a source line's box its named results and what they are."""
    if len(steps) == 1:
        k = steps[0]
        return _label(run.steps[k], labels, k, run.contexts.get(run.steps[k].context, ""))
    named = [k for k in steps if not run.steps[k].node.temporary] or steps[-1:]
    iteration = run.contexts.get(run.steps[steps[0]].context, "")
    lines = []
    for k in named:
        code = labels.operation[k]
        if len(code) > LONGEST_LINE:
            code = shortened(node_code(run.steps[k].node), labels.inputs(k), LONGEST_LINE)
        code = "\n".join(textwrap.wrap(code, LINE_WIDTH, break_long_words=False,
                                       break_on_hyphens=False))
        name = labels.step[k] + (f" ({iteration})" if iteration else "")
        lines.append(code if run.steps[k].node.temporary else f"{name} =\n{code}")
    return "\n".join(lines)


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


def _gradient_text(parts: list) -> str:
    if not parts:
        return ""
    return edge_text(sum(parts[1:], parts[0]))


def edge_text(value) -> str:
    """A number; a small array's numbers, rounded to 3 digits as a lesson writes them; a
    larger array's shape and norm: ``(3, 2) |0.944|``."""
    a = np.asarray(value) if not isinstance(value, (bool, np.bool_)) else None
    if a is None or a.ndim == 0 or a.dtype.kind not in "fc":
        text = format_value(value, SMALL)
        return text[:-len(" array")] if text.endswith(" array") else text
    a = without_round_off(a)
    if a.size <= SMALL:
        return _rounded(a.tolist())
    shape = format_value(np.zeros(a.shape), 0)[:-len(" array")]
    if not np.all(np.isfinite(a)):
        return shape
    return f"{shape} |{float(np.linalg.norm(a.ravel())):.3g}|"


def _rounded(items) -> str:
    if isinstance(items, list):
        return "[" + ", ".join(_rounded(x) for x in items) + "]"
    text = f"{items:.3g}"
    return "0" if text == "-0" else text


__all__ = ["build", "edge_text", "Node", "Edge", "SMALL"]
