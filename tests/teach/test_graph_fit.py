"""Every seed's picture fits a slide (about 1,600 px wide), and what is drawn to make it fit
(one box per source line, rows joined by links) still carries the traced numbers."""
from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import symdiff
from symdiff.teach.graph import WIDE, edge_text
from support import numerical_jacobian

SEEDS = {
    "circuit": ("f", (-2.0, 5.0, -4.0)),
    "sigmoid_neuron": ("neuron", (np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))),
    "hinge": ("hinge", (np.array([0.5, -1.0, 0.25]), np.array([1.0, 0.5, -2.0]), 1.0)),
}


def png_size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])


def svg_width_pt(svg: str) -> float:
    return float(ET.fromstring(svg).get("width").removesuffix("pt"))


@pytest.fixture
def mlp(load_example, mlp_args):
    return load_example("mlp").mlp_loss, mlp_args


def all_seeds(load_example, mlp_args, classifier_args):
    yield from ((load_example(m), f, a) for m, (f, a) in SEEDS.items())
    for name in ("svm_loss", "softmax_loss"):
        yield load_example(name), name, classifier_args
    yield load_example("mlp"), "mlp_loss", mlp_args


def test_every_seed_fits_a_slide(load_example, mlp_args, classifier_args):
    for module, name, args in all_seeds(load_example, mlp_args, classifier_args):
        g = symdiff.graph(getattr(module, name), *args)
        width, height = png_size(g.png())
        assert width <= 1600 and height <= 1000, (name, width, height)
        assert svg_width_pt(g.svg()) <= WIDE + 40          # 4/3 px per pt: about 1,600 px
        texts = [t.text or "" for t in ET.fromstring(g.svg()).iter(
            "{http://www.w3.org/2000/svg}text")]
        assert not any(re.search(r"\btmp\b|\btmp_\d|\bd\w+_\d+\b", t) for t in texts), name
        assert not any(re.search(r"\d\.\d+e-1\d", t) for t in texts), name    # no round-off


def test_mlp_groups_a_layer_into_one_box(mlp):
    fn, args = mlp
    ungrouped = symdiff.graph(fn, *args, group=False)
    assert ungrouped.layout().width > WIDE              # one row of operations is too wide
    g = symdiff.graph(fn, *args)
    assert g.grouped and len(g.nodes) < len(ungrouped.nodes)
    labels = {n.key: n.label for n in g.nodes}
    layer = next(k for k, v in labels.items() if v.startswith("h =\n"))
    assert labels[layer] == "h =\nmaximum(0, X @ W1 + b1)"
    into = {e.source: e for e in g.edges if e.target == layer}
    assert set(into) == {"in:X", "in:W1", "in:b1"}
    run = g.run
    # X and b1 are read by this line only: what flows back along their edges is their
    # whole gradient, which is the central difference of the loss
    for name in ("X", "b1"):
        assert into[f"in:{name}"].gradient == edge_text(run.gradients[name])
        i = list(run.args).index(name)
        want = numerical_jacobian(fn, list(args), i).reshape(np.shape(args[i]))
        np.testing.assert_allclose(run.gradients[name], want, rtol=1e-6, atol=1e-8)
    b1 = run.args["b1"]
    assert into["in:b1"].value == f"(7,) |{np.linalg.norm(b1):.3g}|"   # shape and norm
    # W1 is read by two lines (the layer and the regularizer): the two edges' gradients
    # add up to its gradient
    parts = {}
    for b in run.backprops:
        if run.steps[b.step].inputs[b.arg] == "W1" and b.part is not None:
            line = run.steps[b.step].node.loc.line
            parts[line] = parts.get(line, 0) + b.part
    assert len(parts) == 2
    np.testing.assert_allclose(sum(parts.values()), run.gradients["W1"], rtol=1e-12)
    drawn = sorted(e.gradient for e in g.edges if e.source == "in:W1")
    assert drawn == sorted(edge_text(p) for p in parts.values())


def test_wide_graphs_are_cut_into_rows_joined_by_links(mlp):
    fn, args = mlp
    g = symdiff.graph(fn, *args)
    nodes, edges, lay = g.drawn()
    links = [n for n in nodes if n.kind == "link"]
    assert links, "the MLP is drawn in more than one row"
    assert len({round(lay.boxes[n.key].y) for n in links}) >= 1
    for link in links:                      # a link repeats a drawn value's name
        source = link.key.split(":", 2)[2]
        original = next(n for n in g.nodes if n.key == source)
        assert original.label.split("\n")[0].removesuffix(" =") == link.label
    # every edge of the graph is drawn once, with the same numbers
    assert sorted((e.target, e.value, e.gradient) for e in edges) == \
        sorted((e.target, e.value, e.gradient) for e in g.edges)
    assert lay.width <= WIDE + 40


def test_group_false_keeps_one_box_per_operation(mlp):
    fn, args = mlp
    g = symdiff.graph(fn, *args, group=False)
    assert not g.grouped and len(g.run.steps) + 1 >= len([n for n in g.nodes
                                                           if n.kind != "input"])
    nodes, _, lay = g.drawn()
    assert lay.width <= WIDE + 40 and any(n.kind == "link" for n in nodes)
