"""Every rejection is a located, actionable SymdiffError (design.md, "fence").

Each case is a small module written to a file; the function ``f`` in it uses one
unsupported construct. The construct's place is given by a *needle*: a piece of text
that occurs once in the module, where the caret must point. The error must

- be a ``SymdiffError`` (never another exception type, never chained to an internal one),
- report exactly that one problem (several problems: all of them, see below),
- name the file, the needle's line and column, show the source line and a caret under
  the needle's first character, and carry a non-empty hint.

Constructs being added to the supported subset (if/for/while, conditional expressions,
element assignment, early return, and/or) are marked ``either``: a located SymdiffError
as above while unsupported, gradients that pass ``check_grad`` once supported; an
internal exception or a wrong gradient fails either way.

Runtime misuse (wrt naming an integer or boolean argument, an unknown name, an
out-of-range position, wrong argument counts, a non-scalar output) is a SymdiffError
with a clear message too.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

import numpy as np
import pytest

import symdiff
from support import load_module

X = np.array([0.5, -1.0, 2.0])


@dataclass(frozen=True)
class Case:
    id: str
    source: str            # the module's body (numpy is imported as np above it)
    needle: str            # where the caret points: its first character
    message: str           # a regular expression the problem's message matches
    hint: str = ""         # a regular expression the hint matches ("" = just non-empty)
    target: str = "f"      # the expression, in the module, of the function to differentiate
    either: bool = False   # a construct being added: a located error, or correct gradients


CASES = [
    Case("yield", """
        def f(x):
            yield x
            return np.sum(x)
        """, "yield x", r"generator"),
    Case("generator-expression", """
        def f(x):
            s = max(v * v for v in x)
            return s
        """, "(v * v for", r"generator expression"),
    Case("try", """
        def f(x):
            try:
                y = np.log(x)
            except ValueError:
                y = x
            return np.sum(y)
        """, "try:", r"`try`"),
    Case("with", """
        def f(x):
            with open("log.txt") as out:
                y = np.log(x)
            return np.sum(y)
        """, "with open", r"`with`"),
    Case("global", """
        G = 2.0

        def f(x):
            global G
            G = np.sum(x * G)
            return G
        """, "global G", r"`global`"),
    Case("nonlocal", """
        def outer():
            k = 2.0

            def f(x):
                nonlocal k
                k = np.sum(x * k)
                return k
            return f
        """, "nonlocal k", r"`nonlocal`", target="outer()"),
    Case("del", """
        def f(x):
            y = x * 2.0
            del y
            return np.sum(x)
        """, "del y", r"`del`"),
    Case("class", """
        def f(x):
            class C:
                pass
            return np.sum(x)
        """, "class C", r"class"),
    Case("list-comprehension", """
        def f(x):
            ys = [v * 2.0 for v in x]
            return np.sum(np.array(ys))
        """, "[v * 2.0", r"list comprehension"),
    Case("dict-comprehension", """
        def f(x):
            d = {i: x for i in x}
            return np.sum(d[0])
        """, "{i: x", r"dict comprehension"),
    Case("set-comprehension", """
        def f(x):
            s = {v for v in x}
            return np.sum(x)
        """, "{v for", r"set comprehension"),
    Case("star-parameters", """
        def f(*xs):
            return np.sum(xs[0])
        """, "def f", r"positional parameters", r"\*args"),
    Case("keyword-parameters", """
        def f(x, **options):
            return np.sum(x)
        """, "def f", r"positional parameters"),
    Case("star-in-call", """
        def f(x):
            pair = (x, x)
            return np.sum(np.add(*pair))
        """, "*pair", r"star"),
    Case("walrus", """
        def f(x):
            y = (z := x * 2.0)
            return np.sum(y + z)
        """, "z := x", r":="),
    Case("match", """
        def f(x):
            k = 1
            match k:
                case 1:
                    y = x
            return np.sum(x)
        """, "match k", r"`match`"),
    Case("f-string", """
        def f(x):
            label = f"x = {x}"
            return np.sum(x) + len(label)
        """, 'f"x = ', r"f-string"),
    Case("import", """
        def f(x):
            import math
            return np.sum(x) * math.pi
        """, "import math", r"import", r"module level"),
    Case("import-from", """
        def f(x):
            from math import pi
            return np.sum(x) * pi
        """, "from math", r"import"),
    Case("raise", """
        def f(x):
            raise ValueError("no")
            return np.sum(x)
        """, "raise ValueError", r"`raise`"),
    Case("if", """
        def f(x):
            y = x
            if np.sum(x) > 0:
                y = 2.0 * x
            return np.sum(y)
        """, "if np.sum", r"`if`", r"np\.where", either=True),
    Case("for", """
        def f(x):
            s = 0.0
            for v in x:
                s = s + v
            return s
        """, "for v in", r"`for`", either=True),
    Case("while", """
        def f(x):
            s = np.sum(x)
            while s > 1.0:
                s = s / 2.0
            return s
        """, "while s", r"`while`", either=True),
    Case("chained-comparison", """
        def f(x):
            inside = 0.0 < x < 1.0
            return np.sum(np.where(inside, x, 0.0))
        """, "inside =", r"single truth value", r"np\.any", either=True),
    Case("and", """
        def f(x):
            s = np.sum(x)
            m = (s > 0) and (s < 10)
            return np.sum(np.where(m, x * x, x))
        """, "(s > 0) and", r"`and`/`or`", r"&", either=True),
    Case("or", """
        def f(x):
            s = np.sum(x)
            m = (s < 0) or (s > 1)
            return np.sum(np.where(m, x * x, x))
        """, "(s < 0) or", r"`and`/`or`", r"\|", either=True),
    Case("conditional-expression", """
        def f(x):
            y = x if np.sum(x) > 0 else -x
            return np.sum(y)
        """, "x if np", r"conditional expression", r"np\.where", either=True),
    Case("element-assignment", """
        def f(x):
            y = x * 2.0
            y[0] = 1.0
            return np.sum(y)
        """, "y[0] = 1", r"assignment into an array element", either=True),
    Case("element-augmented-assignment", """
        def f(x):
            y = x * 2.0
            y[1] += 1.0
            return np.sum(y)
        """, "y[1] +=", r"in-place update", either=True),
    Case("slice-assignment", """
        def f(x):
            y = x * 2.0
            y[:2] = 0.0
            return np.sum(y)
        """, "y[:2] =", r"assignment into an array element", either=True),
    Case("eval", """
        def f(x):
            y = eval("x * 2.0")
            return np.sum(y)
        """, 'eval("x', r"`eval`"),
    Case("exec", """
        def f(x):
            exec("y = x")
            return np.sum(x)
        """, 'exec("y', r"`exec`"),
    Case("misspelled-numpy-function", """
        def f(x):
            return np.sum(np.exps(x))
        """, "np.exps", r"np\.exps", r"np\.exp\b"),
    Case("misspelled-reduction", """
        def f(x):
            return np.summ(x)
        """, "np.summ", r"np\.summ", r"np\.sum\b"),
    Case("unsupported-numpy-function", """
        def f(x):
            return np.sum(np.unwrap(x))
        """, "np.unwrap", r"np\.unwrap"),
    Case("unknown-function", """
        def f(x):
            return np.sum(frobnicate(x))
        """, "frobnicate", r"frobnicate"),
    Case("unknown-method", """
        def f(x):
            return np.sum(x.argpartition(1))
        """, "x.argpartition", r"argpartition"),
    Case("unknown-math-function", """
        import math

        def f(x):
            return math.frexp(x)
        """, "math.frexp", r"math\.frexp"),
    Case("numpy-random", """
        def f(x):
            noise = np.random.normal(size=3)
            return np.sum(x * noise)
        """, "np.random.normal", r"random", r"argument"),
    Case("numpy-random-rand", """
        def f(x):
            return np.sum(x * np.random.rand(3))
        """, "np.random.rand", r"random"),
    Case("recursion", """
        def total(v):
            return total(v) + 1.0

        def f(x):
            return np.sum(total(x))
        """, "total(v) + 1.0", r"recursive call to `total`"),
    Case("mutual-recursion", """
        def ping(v):
            return pong(v) * 2.0

        def pong(v):
            return ping(v) + 1.0

        def f(x):
            return np.sum(ping(x))
        """, "ping(v) + 1.0", r"recursive call to `ping`"),
    Case("unknown-name", """
        def f(x):
            return np.sum(x * undefined_scale)
        """, "undefined_scale", r"unknown name `undefined_scale`"),
    Case("unknown-name-in-helper", """
        def helper(v):
            return v * missing_offset

        def f(x):
            return np.sum(helper(x))
        """, "missing_offset", r"unknown name `missing_offset`"),
    Case("no-return", """
        def f(x):
            y = np.sum(x)
        """, "y = np.sum", r"return"),
    Case("early-return", """
        def f(x):
            return np.sum(x)
            y = x
            return np.sum(y)
        """, "return np.sum(x)", r"`return` before the end", either=True),
    Case("async", """
        async def f(x):
            return x * 2.0
        """, "async def", r"async"),
]


def _module(tmp_path, case: Case):
    text = "import numpy as np\n\n" + textwrap.dedent(case.source).lstrip("\n")
    assert text.count(case.needle) == 1, f"needle {case.needle!r} must occur once"
    module = load_module(tmp_path, case.id.replace("-", "_"), text)
    line_text = next(ln for ln in text.splitlines() if case.needle in ln)
    line = text.splitlines().index(line_text) + 1
    col = line_text.index(case.needle)
    fn = eval(case.target, vars(module))
    return module, fn, line, col, line_text


def _raised(fn, *args) -> symdiff.SymdiffError:
    """Call the gradient; it must raise a SymdiffError not chained to an internal error."""
    with pytest.raises(Exception) as info:
        symdiff.grad(fn)(*args)
    err = info.value
    assert isinstance(err, symdiff.SymdiffError), (
        f"{type(err).__name__} instead of SymdiffError: {err}")
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__), (
        f"raised while handling {type(err.__context__).__name__}: {err.__context__}")
    return err


def assert_located(err: symdiff.SymdiffError, problem, path, line, col, line_text):
    assert problem.loc is not None, f"no location: {problem.message}"
    assert (problem.loc.file, problem.loc.line, problem.loc.col) == (str(path), line, col), (
        f"located at {problem.loc.file}:{problem.loc.line}:{problem.loc.col}, want "
        f"{path}:{line}:{col}")
    assert problem.loc.text.rstrip() == line_text.rstrip()
    assert problem.hint.strip(), f"no hint for: {problem.message}"
    rendered = str(err).splitlines()
    head = f"{path}:{line}:{col + 1}: {problem.message}"
    assert head in rendered, f"{head!r} not in\n{err}"
    k = rendered.index(head)
    assert rendered[k + 1] == "    " + line_text.rstrip()
    assert rendered[k + 2] == "    " + " " * col + "^"
    assert any(r == f"hint: {problem.hint}" for r in rendered[k + 3:k + 4])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rejection_is_located(tmp_path, case):
    module, fn, line, col, line_text = _module(tmp_path, case)
    if case.either:
        # if/for/while, conditional expressions, element assignment and early returns are
        # "not supported yet": until they are, a located SymdiffError; once they are,
        # gradients that agree with central differences. Anything else is a bug.
        try:
            symdiff.check_grad(fn, X)
        except symdiff.GradientCheckError:
            raise
        except symdiff.SymdiffError:
            pass
        else:
            return
    err = _raised(fn, X)
    messages = [p.message for p in err.problems]
    assert len(err.problems) == 1, f"expected one problem, got {messages}"
    problem = err.problems[0]
    if not case.either:          # a construct in transition may be refused in other words
        assert re.search(case.message, problem.message), problem.message
        if case.hint:
            assert re.search(case.hint, problem.hint), problem.hint
    assert_located(err, problem, module.__file__, line, col, line_text)
    assert (err.message, err.loc, err.hint) == (problem.message, problem.loc, problem.hint)


SOURCE_CASES = [c for c in CASES if c.id in ("yield", "global", "del", "unknown-name",
                                             "misspelled-numpy-function")]


@pytest.mark.parametrize("case", SOURCE_CASES, ids=[c.id for c in SOURCE_CASES])
def test_rejection_also_from_source_property(tmp_path, case):
    """``.source`` (no arguments, shape-generic) rejects the same way as a call."""
    module, fn, line, col, _ = _module(tmp_path, case)
    with pytest.raises(symdiff.SymdiffError) as info:
        _ = symdiff.grad(fn).source
    assert (info.value.loc.line, info.value.loc.col) == (line, col)


SEVERAL = """
import numpy as np


def f(x):
    try:
        y = x * 2.0
    finally:
        pass
    g = {v for v in x}
    global COUNT
    COUNT = eval("y")
    del g
    return np.sum(y)
"""

SEVERAL_WANT = [("try:", r"`try`"), ("{v for", r"set comprehension"), ("global COUNT", r"`global`"),
                ('eval("y")', r"`eval`"), ("del g", r"`del`")]


def test_several_problems_are_reported_at_once(tmp_path):
    module = load_module(tmp_path, "several", SEVERAL)
    err = _raised(module.f, X)
    lines = SEVERAL.splitlines()
    assert len(err.problems) == len(SEVERAL_WANT), [p.message for p in err.problems]
    for problem, (needle, message) in zip(err.problems, SEVERAL_WANT):
        line_text = next(ln for ln in lines if needle in ln)
        line = lines.index(line_text) + 1
        assert re.search(message, problem.message)
        assert_located(err, problem, module.__file__, line, line_text.index(needle), line_text)
    # rendered one after the other, separated by a blank line
    assert str(err).count("\nhint: ") + str(err).startswith("hint: ") == len(SEVERAL_WANT)


def test_problems_in_a_helper_and_the_caller_name_their_own_lines(tmp_path):
    module = load_module(tmp_path, "helper_problem", """
        import numpy as np


        def helper(v):
            with open("log.txt") as out:
                w = np.log(v)
            return w


        def f(x):
            return np.sum(helper(x))
        """)
    err = _raised(module.f, X)
    assert len(err.problems) == 1
    assert err.problems[0].loc.line == 6
    assert err.problems[0].loc.col == 4
    assert "`with`" in err.problems[0].message


def test_syntax_error_in_the_cli_file_is_located(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("import numpy as np\n\ndef f(x):\n    return np.sum(x +)\n")
    from symdiff.cli import compile_file
    with pytest.raises(symdiff.SymdiffError) as info:
        compile_file(str(path))
    assert info.value.loc.file == str(path) and info.value.loc.line == 4
    assert info.value.hint


# ---------------------------------------------------------------- runtime misuse


def loss(w, labels, flag, n):
    return np.sum(w[labels] ** 2) * n


W = np.array([0.5, -1.0, 2.0, 3.0])
LABELS = np.array([0, 2, 2])


def _misuse(fn, args, wrt) -> symdiff.SymdiffError:
    with pytest.raises(Exception) as info:
        symdiff.grad(fn, wrt=wrt)(*args)
    err = info.value
    assert isinstance(err, symdiff.SymdiffError), f"{type(err).__name__}: {err}"
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)
    assert err.message
    return err


@pytest.mark.parametrize("wrt,pattern", [
    (1, r"`labels`.*integers"),
    ("labels", r"`labels`.*integers"),
    ((0, "labels"), r"`labels`.*integers"),
    (2, r"`flag`.*boolean"),
    (3, r"`n`.*integers"),
])
def test_wrt_an_integer_or_boolean_argument(wrt, pattern):
    err = _misuse(loss, (W, LABELS, True, 2), wrt)
    assert re.search(pattern, err.message), err.message
    assert err.hint


def test_wrt_a_boolean_array():
    err = _misuse(loss, (W, LABELS, np.array([True, False]), 2.0), "flag")
    assert re.search(r"`flag`.*boolean", err.message), err.message


def test_wrt_an_unknown_name():
    err = _misuse(loss, (W, LABELS, True, 2), "weights")
    assert "`weights`" in err.message
    assert "w, labels, flag, n" in err.hint


@pytest.mark.parametrize("wrt", [4, -5, 10, (0, 7)])
def test_wrt_out_of_range(wrt):
    err = _misuse(loss, (W, LABELS, True, 2), wrt)
    assert "out of range" in err.message and "4 parameters" in err.message, err.message
    assert err.hint


@pytest.mark.parametrize("wrt", [1.5, None, (), [0.0]])
def test_wrt_of_the_wrong_type(wrt):
    err = _misuse(loss, (W, LABELS, True, 2), wrt)
    assert "wrt" in err.message


def test_too_many_arguments():
    err = _misuse(loss, (W, LABELS, True, 2, 5), 0)
    assert "loss" in err.message and "4" in err.message and "5" in err.message


def test_too_few_arguments():
    err = _misuse(loss, (W, LABELS), 0)
    assert "loss" in err.message and "flag" in err.message and "n" in err.message


def vector_output(x):
    return x * 2.0


def tuple_output(x):
    return np.sum(x), np.sum(x * x)


def matrix_output(x):
    return np.outer(x, x)


@pytest.mark.parametrize("fn", [vector_output, tuple_output, matrix_output])
def test_non_scalar_output(fn):
    err = _misuse(fn, (W,), 0)
    assert "scalar" in err.message, err.message
    assert err.loc is not None and err.loc.file.endswith("test_errors.py")
    assert err.hint


def test_not_a_function():
    for obj in (42, np.sum, print):
        with pytest.raises(symdiff.SymdiffError) as info:
            symdiff.grad(obj)(1.0)
        assert info.value.hint


def test_a_lambda_is_differentiated_and_two_on_one_line_are_refused_clearly():
    square = lambda v: v * v  # noqa: E731
    assert symdiff.grad(square)(1.5) == 3.0
    pair = (lambda v: v * v, lambda v: v * v)
    with pytest.raises(symdiff.SymdiffError, match="which lambda") as info:
        symdiff.grad(pair[0])(1.0)
    assert info.value.hint


def test_string_argument():
    err = _misuse(vector_output, ("abc",), 0)
    assert "not a number" in err.message


def test_check_grad_misuse_is_a_symdiff_error_too():
    with pytest.raises(symdiff.SymdiffError):
        symdiff.check_grad(loss, W, LABELS, True, 2, wrt="labels")
    with pytest.raises(symdiff.SymdiffError):
        symdiff.check_grad(loss, W, LABELS, True, 2, wrt="nope")


def test_a_library_function_is_refused_by_name_not_read_as_a_helper(tmp_path):
    # scipy's own Python source must not be inlined (it raised "raise is not supported"
    # located inside scipy): the call is refused where the user wrote it
    module = load_module(tmp_path, "library_call", """
import numpy as np
from scipy.special import comb

def f(x):
    return np.sum(x * x) + comb(5, 2)
""")
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(module.f)(np.ones(3))
    message = str(info.value)
    assert "comb" in message and re.search(r"library_call\w*\.py:6:", message)
    assert "_basic.py:" not in message                 # not located inside scipy
