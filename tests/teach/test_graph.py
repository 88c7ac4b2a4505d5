"""symdiff.teach.graph: the pictures parse, show the traced numbers, and nothing overlaps.

Every label on an edge is the formatted value or gradient of the trace (whose numbers
tests/teach/test_explain.py checks against symdiff.grad and central differences). The layout
is checked geometrically: no two labels overlap, no label overlaps a node, and no line
crosses a label.
"""
from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import symdiff
from symdiff.teach.graph import EDGE_FONT, Graph, edge_text, text_size
from symdiff.teach.graph_layout import isotonic, layout
import control_flow_corpus as corpus

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def circuit_graph(load_example):
    return symdiff.graph(load_example("circuit").f, -2, 5, -4)


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text for t in root.iter(f"{SVG}text")]


def test_circuit_svg_shows_the_lecture_numbers(circuit_graph):
    texts = svg_texts(circuit_graph.svg())
    assert "f(x=-2, y=5, z=-4)" in texts
    assert {"x", "y", "z", "q = x + y", "f = q * z"} <= set(texts)
    # values (green, above) and gradients (red, below) of every edge, as drawn
    assert sorted(texts[1:11]) == sorted(["-2", "-4", "5", "-4", "-4", "3", "3", "-4",
                                          "-12", "1"])
    edges = {(e.source, e.target): (e.value, e.gradient) for e in circuit_graph.edges}
    assert edges == {("in:x", "step:0"): ("-2", "-4"), ("in:y", "step:0"): ("5", "-4"),
                     ("step:0", "step:1"): ("3", "-4"), ("in:z", "step:1"): ("-4", "3"),
                     ("step:1", "output"): ("-12", "1")}


def test_colours_and_sides(circuit_graph):
    root = ET.fromstring(circuit_graph.svg())
    drawn = [(t.text, t.get("style"), float(t.get("y"))) for t in root.iter(f"{SVG}text")]
    by_y = {}
    for text, style, y in drawn:
        if "#1b7f3b" in style:
            by_y.setdefault("green", []).append((text, y))
        elif "#c0392b" in style:
            by_y.setdefault("red", []).append((text, y))
    assert len(by_y["green"]) == len(by_y["red"]) == 5
    for (_, above), (_, below) in zip(by_y["green"], by_y["red"]):
        assert above < below                     # value above its edge, gradient below


def test_png_and_dot(circuit_graph, tmp_path):
    png = circuit_graph.png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert 500 < width < 1500 and 200 < height < 600
    dot = circuit_graph.dot()
    assert "rankdir=LR" in dot and dot.count("->") == len(circuit_graph.edges) == 5
    assert '"in:x" -> "step:0" [label=<<font color="#1b7f3b">-2</font><br/>' \
           '<font color="#c0392b">-4</font>>];' in dot
    for name in ("g.svg", "g.png", "g.dot"):
        circuit_graph.save(str(tmp_path / name))
    assert ET.parse(tmp_path / "g.svg").getroot().tag == f"{SVG}svg"
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "g.dot").read_text() == dot
    with pytest.raises(symdiff.SymdiffError, match="picture format"):
        circuit_graph.save(str(tmp_path / "g.jpg"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot", "g.png", "g.svg"]
    assert circuit_graph._repr_svg_().startswith("<?xml")


def test_svg_is_reproducible(circuit_graph):
    assert circuit_graph.svg() == circuit_graph.svg()


# ---------------------------------------------------------------- the layout


def rectangles(g: Graph):
    """Boxes of every node and of every edge label, as the figure draws them."""
    lay = g.layout()
    nodes = [(b.x, b.y, b.x + b.w, b.y + b.h) for b in lay.boxes.values()]
    labels = []
    for edge, route in zip(g.edges, lay.routes):
        x, y = route.label_at
        for text, above in ((edge.value, True), (edge.gradient, False)):
            if text:
                w, h = text_size(text, EDGE_FONT)
                top = y - 2.5 - h if above else y + 2.5
                labels.append((x - w / 2, top, x + w / 2, top + h))
    return lay, nodes, labels


def overlap(a, b, slack=0.5) -> bool:
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and \
        b[1] < a[3] - slack


def crosses(segment, box, slack=0.5) -> bool:
    """Whether a line segment enters a box (Liang-Barsky clipping)."""
    (x1, y1), (x2, y2) = segment
    left, top, right, bottom = box[0] + slack, box[1] + slack, box[2] - slack, box[3] - slack
    dx, dy = x2 - x1, y2 - y1
    low, high = 0.0, 1.0
    for p, q in ((-dx, x1 - left), (dx, right - x1), (-dy, y1 - top), (dy, bottom - y1)):
        if p == 0:
            if q <= 0:
                return False
        elif p < 0:
            low = max(low, q / p)
        else:
            high = min(high, q / p)
    return low < high


def assert_clear(g: Graph):
    lay, nodes, labels = rectangles(g)
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            assert not overlap(a, b), f"labels overlap: {a} {b}"
        for n in nodes:
            assert not overlap(a, n), f"a label overlaps a node: {a} {n}"
        for route in lay.routes:
            for segment in zip(route.points, route.points[1:]):
                assert not crosses(segment, a), f"a line crosses a label: {segment} {a}"
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            assert not overlap(a, b, slack=0), f"nodes overlap: {a} {b}"


def seed_graphs(load_example, classifier_args, mlp_args, l2_args):
    rng = np.random.default_rng(4)
    yield symdiff.graph(load_example("circuit").f, -2, 5, -4)
    yield symdiff.graph(load_example("sigmoid_neuron").neuron, [2, -3, -3], [-1, -2])
    yield symdiff.graph(load_example("svm_loss").svm_loss, *classifier_args)
    yield symdiff.graph(load_example("softmax_loss").softmax_loss, *classifier_args)
    yield symdiff.graph(load_example("l2_regression").l2_loss, *l2_args)
    yield symdiff.graph(load_example("mlp").mlp_loss, *mlp_args)
    yield symdiff.graph(load_example("mlp").mlp_loss, rng.normal(size=(2, 3)),
                        rng.normal(size=3), rng.normal(size=(3, 2)), rng.normal(size=2),
                        rng.normal(size=(3, 2)), [0, 1, 1], 0.1)


def test_seed_graphs_are_clear(load_example, classifier_args, mlp_args, l2_args):
    for g in seed_graphs(load_example, classifier_args, mlp_args, l2_args):
        assert len(g.nodes) <= 32
        assert_clear(g)


def test_hinge_graphs_are_clear(load_example, hinge_args):
    assert_clear(symdiff.graph(load_example("hinge").hinge, *hinge_args))


@pytest.mark.parametrize("fn, args", [
    (corpus.horner, (np.array([1.0, -2.0, 0.5]), 0.7)),
    (corpus.piecewise, (0.4,)),
    (corpus.newton_sqrt, (2.0, 3)),
    (corpus.conditional_expression, (1.3, -0.4)),
])
def test_loops_and_branches_unroll_clearly(fn, args):
    g = symdiff.graph(fn, *args)
    assert_clear(g)
    texts = svg_texts(g.svg())
    assert edge_text(g.run.value) in texts


def test_edge_labels_are_the_traced_numbers(load_example, mlp_args):
    g = symdiff.graph(load_example("mlp").mlp_loss, *mlp_args, group=False)
    parts = {(b.step, b.arg): b.part for b in g.run.backprops}
    drawn = iter(g.edges)
    for k, step in enumerate(g.run.steps):
        for i, source in enumerate(step.inputs):
            if source is None:
                continue
            edge = next(drawn)
            assert edge.target == f"step:{k}" and edge.value == edge_text(step.arg_values[i])
            assert edge.gradient == (edge_text(parts[k, i]) if (k, i) in parts else "")
    assert edge_text(np.zeros((64, 10))) == "(64, 10) |0|"
    assert edge_text(np.full((3, 4), 0.5)) == "(3, 4) |1.73|"          # shape and norm
    assert edge_text(np.array([0.123456, -1.388e-17])) == "[0.123, 0]"  # rounded, no round-off
    assert edge_text(np.arange(6).reshape(2, 3)) == "(2, 3)"


def test_too_many_nodes_is_refused():
    with pytest.raises(symdiff.SymdiffError, match="graph draws at most 150") as info:
        symdiff.graph(corpus.oscillator, 2.0, 0.1, 1.0, 0.0, steps=40)
    assert "explain" in info.value.hint


def test_loop_nodes_name_their_iteration():
    g = symdiff.graph(corpus.horner, np.array([1.0, -2.0, 0.5]), 0.7)
    labels = [n.label for n in g.nodes]
    assert "result (iteration 1) =\nresult * x + coeffs[i]" in labels
    assert "iters = 3" in [n.label for n in symdiff.graph(corpus.newton_sqrt, 2.0, 3).nodes]


def test_layout_basics():
    lay = layout({"x": (20, 20), "y": (20, 20), "q": (60, 20)},
                 [("x", "q", 30.0), ("y", "q", 30.0)])
    q = lay.boxes["q"]
    assert q.x > lay.boxes["x"].x + 20 + 30 and q.h >= 60        # two ports
    ends = sorted(r.points[-1][1] for r in lay.routes)
    assert ends[1] - ends[0] == pytest.approx(30.0)
    assert all(r.points[-1][0] == q.x for r in lay.routes)
    assert isotonic([3.0, 1.0, 2.0, 5.0]) == [2.0, 2.0, 2.0, 5.0]
    box = (2.0, 0.0, 4.0, 10.0)
    assert crosses(((0.0, 5.0), (10.0, 5.0)), box) and crosses(((3.0, -5.0), (3.5, 20.0)), box)
    assert not crosses(((0.0, 20.0), (10.0, 20.0)), box)
    assert not crosses(((0.0, 0.0), (1.9, 10.0)), box)
