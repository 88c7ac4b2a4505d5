"""IR invariants, the printer, fusion and the optimizer passes (before/after printouts)."""
import textwrap

import pytest
import sympy

from symdiff import ir
from symdiff.optimize.fuse import fuse
from symdiff.ir import Const, Function, NameSupply, Var, node
from symdiff.frontend.lower import lower
from symdiff.optimize.passes import common_subexpressions, dead_code, optimize
from symdiff.frontend.source_modules import functions_of_file

a, b = ir.ew_symbols(2)


def _lowered(tmp_path, text, name="f"):
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent(text))
    return lower(functions_of_file(str(path))[name])


def test_verify_rejects_use_before_definition_and_double_binding():
    good = Function("f", (Var("x"),), (node(Var("y"), "ew", [Var("x")], expr=2 * a, lib=""),),
                    (Var("y"),))
    ir.verify(good)
    early = Function("f", (Var("x"),), (node(Var("y"), "ew", [Var("z")], expr=2 * a, lib=""),),
                     (Var("y"),))
    with pytest.raises(ir.IRError, match="used before definition"):
        ir.verify(early)
    twice = Function("f", (Var("x"),), (node(Var("x"), "ew", [Var("x")], expr=2 * a, lib=""),),
                     (Var("x"),))
    with pytest.raises(ir.IRError, match="bound twice"):
        ir.verify(twice)


def test_name_supply_prefers_the_hint_then_numbers():
    names = NameSupply({"dx"})
    assert [names.fresh("dx").name, names.fresh("dx").name, names.fresh("q").name] == \
        ["dx_1", "dx_2", "q"]


def test_lowering_keeps_user_names_and_renames_reassignments(tmp_path):
    fn = _lowered(tmp_path, """
        import numpy as np
        def f(x):
            h = np.tanh(x)
            h = np.tanh(h)
            return np.sum(h)
    """)
    ir.verify(fn)
    assert [n.out.name for n in fn.body] == ["h", "h_1", "f"]
    assert str(fn).splitlines()[1].startswith("    h = tanh(x)")
    assert all(n.loc.line in (4, 5, 6) for n in fn.body)


def test_fusion_collapses_a_sigmoid_into_one_node(tmp_path):
    fn = _lowered(tmp_path, """
        import numpy as np
        def f(z):
            return 1 / (1 + np.exp(-z))
    """)
    assert len(fn.body) == 4                  # negate, exp, add 1, reciprocal
    fused = fuse(fn)
    ir.verify(fused)
    assert len(fused.body) == 1
    assert fused.body[0].param("expr") == 1 / (1 + sympy.exp(-a))


def test_fusion_keeps_gates_between_two_variables(tmp_path):
    fn = fuse(_lowered(tmp_path, """
        def f(x, y, z):
            return (x + y) * z
    """))
    assert [str(n.param("expr")) for n in fn.body] == ["_0 + _1", "_0*_1"]


def test_fusion_leaves_its_input_alone(tmp_path):
    fn = _lowered(tmp_path, """
        import numpy as np
        def f(z):
            return np.exp(-z)
    """)
    before = str(fn)
    fuse(fn)
    assert str(fn) == before


def test_dead_code_removes_what_the_result_does_not_need():
    body = (node(Var("u"), "ew", [Var("x")], expr=2 * a, lib=""),
            node(Var("v"), "ew", [Var("x")], expr=3 * a, lib=""))
    fn = Function("f", (Var("x"),), body, (Var("v"),))
    after = dead_code(fn)
    assert ir.format_function(after).splitlines()[1:] == ["    v = 3*x", "    return v"]
    assert len(fn.body) == 2                  # the pass is pure


def test_common_subexpressions_compute_once():
    body = (node(Var("u"), "ew", [Var("x"), Var("y")], expr=a * b, lib=""),
            node(Var("v"), "ew", [Var("x"), Var("y")], expr=a * b, lib=""),
            node(Var("w"), "ew", [Var("u"), Var("v")], expr=a + b, lib=""))
    fn = Function("f", (Var("x"), Var("y")), body, (Var("w"),))
    after = common_subexpressions(fn)
    ir.verify(after)
    assert ir.format_function(after).splitlines()[1:] == [
        "    u = x*y", "    w = 2*u", "    return w"]


def test_optimize_reaches_a_fixed_point():
    body = (node(Var("u"), "ew", [Var("x")], expr=2 * a, lib=""),
            node(Var("v"), "ew", [Var("x")], expr=2 * a, lib=""),
            node(Var("w"), "ew", [Var("v")], expr=a + 1, lib=""),
            node(Var("dead"), "ew", [Var("u")], expr=a + 5, lib=""))
    fn = Function("f", (Var("x"),), body, (Var("w"),))
    once = optimize(fn)
    assert optimize(once) == once
    assert [n.out.name for n in once.body] == ["v", "w"]


def test_elementwise_builder_folds_identities_and_constants():
    builder = ir.Builder(NameSupply(set()))
    assert builder.ew(lambda u, one: u * one, [Var("x"), Const(1)], "y") == Var("x")
    assert builder.ew(lambda u, v: u + v, [Const(2), Const(3)], "y") == Const(5)
    assert builder.body == []


# ---------------------------------------------------------------- passes that use shapes

def test_implicit_broadcasts_drop_a_broadcast_numpy_would_do_anyway(tmp_path):
    import numpy as np
    from symdiff import pipeline
    from symdiff.optimize.passes import PASSES
    from symdiff.frontend.source_modules import functions_of_file
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent("""
        import numpy as np
        def f(W, reg):
            return 0.5 * reg * np.sum(W * W)
    """))
    src = functions_of_file(str(path))["f"]
    from symdiff.optimize.passes import implicit_broadcasts
    from symdiff.ad.reverse import reverse_with_shapes
    from symdiff.ir.shapes import infer_shapes
    fn = optimize(pipeline.forward_ir(src))
    forward_shapes = infer_shapes(fn, {"W": (4, 3), "reg": ()})
    grad, shapes = reverse_with_shapes(fn, (0,), forward_shapes)
    assert set(shapes) > set(forward_shapes) == set(infer_shapes(fn, {"W": (4, 3), "reg": ()}))
    before = optimize(grad, passes=PASSES)
    after = optimize(implicit_broadcasts(before, shapes))
    print(before, after, sep="\n")
    assert "broadcast_to" in [n.op for n in ir.nodes(before.body)]   # before: a view first
    assert "broadcast_to" not in [n.op for n in ir.nodes(after.body)]  # after: dW = 2*dt*W
    assert after == pipeline.gradient_ir(src, (0,), arg_shapes={"W": (4, 3), "reg": ()})
    from support import assert_gradient, load_module
    module = load_module(tmp_path, "bcast_model", path.read_text())
    assert_gradient(module.f, np.random.default_rng(0).normal(size=(4, 3)), 0.3, wrt=(0, 1))


def test_an_arange_row_index_writes_its_gradient_instead_of_add_at(tmp_path):
    import numpy as np
    import symdiff
    from support import assert_gradient, load_module
    module = load_module(tmp_path, "rows_model", """
import numpy as np

def picked(x, y):
    return np.sum(np.log(x[np.arange(x.shape[0]), y]))

def repeated(x, idx):
    return np.sum(x[np.arange(x.shape[0])[:, None], idx] ** 2)
""")
    rng = np.random.default_rng(1)
    x = rng.uniform(0.5, 2.0, size=(5, 4))
    y = np.array([1, 1, 3, 0, 1])                      # repeated labels, distinct rows
    source = symdiff.grad(module.picked).source_for(x, y)
    assert "np.add.at" not in source and "] = " in source
    assert_gradient(module.picked, x, y, wrt=0)
    idx = np.array([[0, 0], [2, 2], [1, 3], [3, 3], [0, 1]])  # repeats within a row
    assert "np.add.at" in symdiff.grad(module.repeated).source_for(x, idx)
    assert_gradient(module.repeated, x, idx, wrt=0)
