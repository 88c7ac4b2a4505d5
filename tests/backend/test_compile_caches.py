"""The compiler's memo tables give what the direct computation gives, byte for byte.

Compile time stays linear in the size of a function because SymPy work is done once per
expression *shape* and reused with other names: comments (``describe``), printed
elementwise expressions, rendered statements, normalized elementwise nodes. Each memoized
path is compared here with the plain computation it replaces, on cases chosen to hit the
orderings that could differ: names that sort before or after each other, duplicated and
constant arguments, lines long enough for astor to wrap.
"""
import ast
import itertools

import astor
import pytest
import sympy

from symdiff.backend import codegen_math

from symdiff.backend import codegen_nodes
from symdiff.backend.wrapping import wrapped

from symdiff import ir

from symdiff import primitives as rules
from symdiff.ir import Const, Node, Var, ew_symbols
from symdiff.primitives import elementwise as E

_0, _1, _2 = ew_symbols(3)

EXPRESSIONS = [
    _0 + _1, _0 - _1, _0 * _1, _0 / _1, sympy.Max(_0, _1), sympy.Max(_0, sympy.Float(0.1) * _1),
    sympy.Min(_0, _1), sympy.tanh(_0 * _1 + _2), sympy.log(1 + _0 ** 2), _0 / (1 + _1 ** 2),
    sympy.exp(-_0 ** 2), 1 / (1 + sympy.exp(-_0)), sympy.Abs(_0 - _1),
    sympy.sqrt(_0 ** 2 + _1 ** 2),
    _0 * _1 * _2 - 3 * _0, sympy.Max(_0, _1, _2),
]
#: names in every relative order, and names that compare in surprising ways
NAMES = list(itertools.permutations(["a", "b", "z"])) + [("x", "x_1", "x_10"), ("dW", "W", "tmp_2"),
                                                         ("v10", "v9", "v1")]


def _plain_description(n: Node, i: int) -> str:
    """What ``describe`` printed before it was memoized: rename, then print."""
    local = E.local_derivative(n.param("expr"), i)
    names = {s: sympy.Symbol(str(a)) for s, a in zip(ew_symbols(len(n.args)), n.args)}
    names[E.OUT] = sympy.Symbol(str(n.out))
    return f"d{n.out}/d{n.args[i]} = {sympy.sstr(local.xreplace(names), full_prec=False)}"


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=str)
def test_describe_prints_what_renaming_prints(expr):
    k = len(expr.free_symbols)
    for names in NAMES:
        for out in ("out", "a_out", "zz"):
            n = Node(Var(out), "ew", tuple(Var(x) for x in names[:k]), (("expr", expr),))
            for i in range(k):
                got = rules.describe(n, i)
                assert got.endswith(_plain_description(n, i)), (names, out, i)


def test_describe_with_repeated_names_falls_back_to_renaming():
    n = Node(Var("f"), "ew", (Const(2.0, "C"), Var("C")), (("expr", _0 * _1),))
    assert rules.describe(n, 1).endswith(_plain_description(n, 1))


STATEMENTS = [
    "dx = dq * z",
    "tmp_3 = np.sum(dscores, axis=0, keepdims=True) / (1.0 + v12 ** 2) - 0.5 * t3",
    "a_rather_long_gradient_name = another_long_name * (yet_another_long_name"
    " + one_more_long_name)",
    "x = -(-1.5) ** 2",
    "dW_2 = np.outer(tmp, dscores_6)",
    "g = np.heaviside(t3 - 0.1 * v12, 0.5) * dv40",
]


@pytest.mark.parametrize("text", STATEMENTS)
def test_render_is_astor_on_one_line_then_wrapped(text):
    tree = ast.parse(text).body[0]
    for _ in range(2):                                  # the second time from the template
        assert codegen_nodes.render(tree) == wrapped(_one_line(tree))
    renamed = ast.parse(text.replace("d", "a_much_longer_name_that_makes_the_line_wrap_")).body[0]
    printed = codegen_nodes.render(renamed)
    assert printed == wrapped(_one_line(renamed))
    assert ast.dump(ast.parse(printed)) == ast.dump(ast.parse(_one_line(renamed)))


def _one_line(tree) -> str:
    return astor.to_source(tree, pretty_source="".join).rstrip("\n")


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=str)
@pytest.mark.parametrize("lib", ["np", "math"])
def test_printed_expressions_are_the_printers(expr, lib):
    names = ["x", "(X.T)", "w_1"]
    imports, direct = set(), set()
    got = codegen_math.print_expression(expr, names, lib, imports)
    want = codegen_math.Printer(names, lib, direct)(expr)
    assert ast.dump(got) == ast.dump(want)
    assert imports == direct


def _plain_normalize(expr, args):
    """``ew_normalize`` before it was memoized."""
    symbols = ew_symbols(len(args))
    subs, kept = {}, []
    for sym, arg in zip(symbols, args):
        if sym not in expr.free_symbols:
            continue
        if isinstance(arg, Const) and arg.name is None and isinstance(arg.value, (int, float)) \
                and not isinstance(arg.value, bool):
            subs[sym] = sympy.sympify(arg.value)
        elif arg in kept:
            subs[sym] = ew_symbols(len(kept) + 1)[kept.index(arg)]
        else:
            kept.append(arg)
            subs[sym] = ew_symbols(len(kept))[len(kept) - 1]
    return expr.xreplace(subs), tuple(kept)


@pytest.mark.parametrize("args", [
    (Var("x"), Var("y"), Var("z")),
    (Var("x"), Var("x"), Var("z")),
    (Const(2), Var("x"), Const(2.0)),
    (Var("y"), Const(0.5), Var("y")),
    (Const(1.0, "C"), Var("x"), Const(1.0, "C")),
    (Const(-0.0), Var("x"), Var("x")),
], ids=str)
@pytest.mark.parametrize("expr", [_0 * _1 + _2, _1 - _2, _0 / (1 + _2 ** 2),
                                  sympy.Max(_0, _1) * _2],
                         ids=str)
def test_normalize_is_the_plain_normalize(expr, args):
    got_expr, got_args = ir.ew_normalize(expr, args)
    want_expr, want_args = _plain_normalize(expr, args)
    assert got_args == want_args
    assert sympy.srepr(got_expr) == sympy.srepr(want_expr)


@pytest.mark.parametrize("expr, want", [
    (sympy.log(1 + _0 ** 2), 2 * _0 / (_0 ** 2 + 1)),
    (sympy.exp(-_0 ** 2), -2 * _0 * E.OUT),
    (1 / (1 + sympy.exp(-_0)), E.OUT * (1 - E.OUT)),
], ids=str)
def test_even_functions_skip_the_inverse_but_keep_their_derivative(expr, want):
    assert E._even(expr, _0) == (expr.xreplace({_0: -_0}) == expr)
    assert sympy.simplify(E.local_derivative(expr, 0) - want) == 0
