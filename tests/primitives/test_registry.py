"""The primitive registry: every entry complete, verify checks nodes against it, and the
stages look primitives up instead of testing their names.

- every registered primitive has its parts (shape rule, VJP, JVP, printer, maths), its
  params have known kinds, its helper (if it prints as one) has source, its spellings are
  its own;
- ``register`` refuses an incomplete entry when it is made, naming it and the part;
- ``ir.verify`` rejects a node of an unknown primitive, an unknown param, a malformed one;
- ``primitive(name)`` of an unknown name says so;
- the stage modules migrated to the registry compare no ``n.op`` with a string (checked
  on their syntax trees).
"""
import ast
from pathlib import Path

import pytest
import sympy

from symdiff.backend.helpers import HELPERS
from symdiff.ir import Const, Function, IRError, Var, ew_symbols, node, verify
from symdiff.primitives import registry as R

PACKAGE = Path(__file__).resolve().parents[2] / "symdiff"
ENTRIES = R.all_primitives()


@pytest.mark.parametrize("entry", ENTRIES, ids=[p.name for p in ENTRIES])
def test_every_primitive_is_complete(entry):
    assert entry.name and entry.family and entry.maths
    assert callable(entry.shape) and callable(entry.printer)
    assert callable(entry.vjp) or entry.vjp in (R.NO_DERIVATIVE, R.NOT_YET)
    assert callable(entry.jvp) or entry.jvp in (R.LINEAR, R.NO_DERIVATIVE, R.NOT_YET)
    assert all(kind in R.PARAM_KINDS for _, kind in entry.params)
    if entry.helper:
        assert entry.helper in HELPERS, \
            f"{entry.name} prints as {entry.helper}(), which has no source"
    assert R.primitive(entry.name) is entry
    for spelling in entry.spellings:
        assert R.spelled(spelling) is entry


def test_registry_covers_the_families():
    families = {p.family for p in ENTRIES}
    assert {"elementwise", "reductions", "shaping", "indexing", "linalg", "internal"} <= families
    assert R.primitive("sum").reduction and R.primitive("sum").gate == "sum distributes"
    assert R.primitive("reshape").linear and not R.primitive("compare").differentiable


@pytest.mark.parametrize("missing", ["shape", "vjp", "jvp", "printer", "maths"])
def test_an_incomplete_entry_is_refused_naming_it(missing):
    parts = dict(name="made_up", family="test", maths="x", shape=lambda n, s, v: None,
                 vjp=R.NOT_YET, jvp=R.NOT_YET, printer=lambda n, p: None)
    parts[missing] = None if missing != "maths" else ""
    with pytest.raises(R.IncompletePrimitive, match=f"made_up lacks {missing}"):
        R.register(R.Primitive(**parts))
    with pytest.raises(KeyError):
        R.primitive("made_up")


def test_an_entry_says_linear_only_for_its_jvp():
    entry = R.Primitive("made_up", "test", "x", shape=lambda n, s, v: None, vjp=R.LINEAR,
                        jvp=R.LINEAR, printer=lambda n, p: None)
    with pytest.raises(R.IncompletePrimitive, match="made_up: vjp"):
        R.register(entry)


def test_a_spelling_belongs_to_one_primitive():
    entry = R.Primitive("made_up", "test", "x", shape=lambda n, s, v: None, vjp=R.NOT_YET,
                        jvp=R.NOT_YET, printer=lambda n, p: None, spellings=("np.sum",))
    with pytest.raises(R.IncompletePrimitive, match="np.sum"):
        R.register(entry)


def test_unknown_name_is_a_clear_error():
    with pytest.raises(KeyError, match="`cumprod_of_nothing` is not a registered primitive"):
        R.primitive("cumprod_of_nothing")


def _function(*body, result):
    return Function("f", (Var("x"),), tuple(body), (result,))


def test_verify_accepts_a_well_formed_function():
    x, s = Var("x"), Var("s")
    verify(_function(node(s, "sum", [x], axis=1, keepdims=False), result=s))
    e = Var("e")
    verify(_function(node(e, "ew", [x], expr=sympy.exp(ew_symbols(1)[0]), lib="np"), result=e))


def test_verify_rejects_an_unknown_primitive():
    y = Var("y")
    with pytest.raises(IRError, match="unknown primitive `summ`"):
        verify(_function(node(y, "summ", [Var("x")]), result=y))


def test_verify_rejects_an_unknown_param():
    y = Var("y")
    with pytest.raises(IRError, match="`sum` has no parameter `axes`"):
        verify(_function(node(y, "sum", [Var("x")], axes=1), result=y))


@pytest.mark.parametrize("op, params", [
    ("sum", {"axis": "rows"}),
    ("sum", {"axis": 1, "keepdims": "yes"}),
    ("transpose", {"axes": 1}),
    ("getitem", {"index": "0"}),
    ("compare", {"symbol": 3}),
    ("norm", {"ord": True}),
])
def test_verify_rejects_a_malformed_param(op, params):
    y = Var("y")
    args = [Var("x")] + ([Const(0.0)] if op == "compare" else [])
    with pytest.raises(IRError, match=f"`{op}` parameter"):
        verify(_function(node(y, op, args, **params), result=y))


# ---------------------------------------------------------------- stages ask the registry

#: Stage modules whose dispatch is the registry's: none compares an operation name.
MIGRATED = ["ir/shapes.py", "ad/forward.py", "backend/codegen_nodes.py", "backend/printing.py",
            "backend/codegen_math.py", "backend/jit.py", "backend/helpers.py",
            "frontend/lower_calls.py", "frontend/lower_arrays.py", "teach/trace.py"]


def _op_comparisons(tree: ast.AST) -> list[int]:
    """Lines comparing ``<something>.op`` (or a name bound from it) with anything."""
    bound = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign)
             and isinstance(n.value, ast.Attribute) and n.value.attr == "op"
             for t in n.targets if isinstance(t, ast.Name)}
    lines = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Compare):
            sides = [n.left, *n.comparators]
            if any(isinstance(s, ast.Attribute) and s.attr == "op" or
                   isinstance(s, ast.Name) and s.id in bound for s in sides):
                lines.append(n.lineno)
    return sorted(lines)


@pytest.mark.parametrize("module", MIGRATED)
def test_migrated_stage_tests_no_operation_names(module):
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    assert _op_comparisons(tree) == [], f"{module} compares operation names"


def test_the_check_finds_an_operation_name_test():
    tree = ast.parse("def f(n):\n    op = n.op\n    return n.op == 'sum' or op in ('a', 'b')\n")
    assert _op_comparisons(tree) == [3, 3]
