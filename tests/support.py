"""Shared helpers for the table-driven tests: load generated modules, compare gradients.

symdiff reads a function's *source*, so every function under test must live in a real
file. ``load_module`` writes module text to a folder and imports it under a unique name
(registered in ``sys.modules`` so that ``inspect.getsource`` finds it).

``load_example("mlp")`` imports examples/mlp.py the same way (once per session).

``assert_gradient`` is the one end-to-end check the table tests share:

- ``symdiff.check_grad`` against central differences (float64),
- the kind of every gradient: a float for a float, a float array of the argument's shape
  for an array,
- the shape-generic ``Gradient.source`` (what the CLI writes) and the code specialized
  to the argument shapes (what a call runs) give the same numbers.

The numerical derivatives at the bottom (``numerical_jacobian``,
``directional_difference``) are the ground truth of the forward-mode, Jacobian and
Hessian tests: central differences in float64, nothing from symdiff.
"""
from __future__ import annotations

import importlib.util
import itertools
import sys
import textwrap
from pathlib import Path

import numpy as np

import symdiff

_counter = itertools.count()

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


def load_module(folder: Path, stem: str, text: str):
    """Write ``text`` to ``folder/<stem>.py`` and import it (a fresh module each call)."""
    name = f"symdiff_test_{stem}_{next(_counter)}"
    path = Path(folder) / f"{name}.py"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_script(path: Path):
    """Import a script (``scripts/notebook_screenshot.py``) by its path."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def readability_rows() -> list:
    """The counts ``benchmarks/readability.py`` prints, one ``Row`` per program it measures
    (the seed examples, then tests/readability_corpus.py), computed by its own functions."""
    name = "readability"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "benchmarks" / "readability.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module          # its dataclass looks itself up there
        spec.loader.exec_module(module)
    module = sys.modules[name]
    return [module.measure(case, fn, args, wrt)[0] for case, fn, args, wrt in module.cases()]


def load_example(name: str):
    """The module examples/<name>.py, imported once and registered in ``sys.modules``."""
    module_name = f"symdiff_example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def as_tuple(value, several: bool):
    return value if several else (value,)


def run_generic_source(g: symdiff.Gradient, args):
    """Exec the shape-generic source of ``g`` and call its ``grad_<name>`` on ``args``."""
    namespace: dict = {}
    exec(compile(g.source, f"<generic source of {g.fn.__name__}>", "exec"), namespace)
    return namespace[f"grad_{g.fn.__name__}"](*args)


def assert_kinds(grads, args, positions):
    """A float for a float argument, a float array of the same shape for an array."""
    for grad, i in zip(grads, positions):
        arg = args[i]
        if isinstance(arg, np.ndarray):
            assert isinstance(grad, np.ndarray), f"d(arg {i}) is {type(grad).__name__}"
            assert grad.shape == arg.shape, f"d(arg {i}) has shape {grad.shape}, want {arg.shape}"
        else:
            assert isinstance(grad, float), f"d(arg {i}) is {type(grad).__name__}, want float"


def assert_float_dtype(grads, args, positions):
    """Gradients of float arrays are float arrays (not the int of a broadcast 1)."""
    for grad, i in zip(grads, positions):
        if isinstance(args[i], np.ndarray):
            assert grad.dtype == np.float64, f"d(arg {i}) has dtype {grad.dtype}, want float64"


def run_specialized_source(g: symdiff.Gradient, args):
    """Exec the source specialized to ``args``' shapes and call its ``grad_<name>``."""
    namespace: dict = {}
    exec(compile(g.source_for(*args), f"<specialized source of {g.fn.__name__}>", "exec"),
         namespace)
    return namespace[f"grad_{g.fn.__name__}"](*args)


def assert_generic_agrees(g: symdiff.Gradient, args, expected, several: bool):
    """The shape-generic source computes the same numbers as the specialized code.

    Both generated functions return a bare gradient for a single ``wrt`` (the API wraps
    a 1-tuple when asked), so results are compared gradient by gradient.
    """
    generic = run_generic_source(g, args)
    specialized = run_specialized_source(g, args)
    assert isinstance(generic, tuple) == isinstance(specialized, tuple), (
        f"generic source returns {type(generic).__name__}, specialized "
        f"{type(specialized).__name__}")
    generic = generic if isinstance(generic, tuple) else (generic,)
    assert len(generic) == len(expected), (len(generic), len(expected))
    for k, (got, want) in enumerate(zip(generic, expected)):
        assert np.shape(got) == np.shape(want), (
            f"generic source: gradient {k} has shape {np.shape(got)}, the call gave "
            f"{np.shape(want)}")
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12,
                                   err_msg=f"generic source, gradient {k}")


def assert_gradient(fn, *args, wrt=0, generic: bool = True):
    """check_grad + gradient kinds + generic source == specialized; returns the gradients."""
    report = symdiff.check_grad(fn, *args, wrt=wrt)
    assert report, "check_grad compared nothing"
    several = isinstance(wrt, tuple)
    g = symdiff.grad(fn, wrt=wrt)
    grads = as_tuple(g(*args), several)
    positions, _ = symdiff.api.resolve_wrt(wrt, g.parameters)
    assert_kinds(grads, args, positions)
    if generic:
        assert_generic_agrees(g, args, grads, several)
    assert_float_dtype(grads, args, positions)
    return grads


# ---------------------------------------------------------------- numerical derivatives


def copy_args(args) -> tuple:
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


def random_like(rng: np.random.Generator, x):
    """A standard normal direction shaped like ``x``: a float for a float."""
    if isinstance(x, np.ndarray):
        return rng.standard_normal(x.shape)
    return float(rng.standard_normal())


def shifted(args, positions, vectors, step: float) -> list:
    """``args`` with ``args[i] + step * v`` for every position i and its vector v."""
    moved = list(args)
    for i, v in zip(positions, vectors):
        moved[i] = args[i] + step * v
    return moved


def directional_difference(f, args, positions, vectors, h: float = 1e-6):
    """(f(x + h v) - f(x - h v)) / 2h, all ``positions`` moved at once; f may return a
    tuple (of gradients), differenced entry by entry."""
    plus = f(*shifted(args, positions, vectors, h))
    minus = f(*shifted(args, positions, vectors, -h))
    if isinstance(plus, tuple):
        return tuple((np.asarray(p, dtype=float) - np.asarray(m, dtype=float)) / (2 * h)
                     for p, m in zip(plus, minus))
    return (np.asarray(plus, dtype=float) - np.asarray(minus, dtype=float)) / (2 * h)


def numerical_jacobian(f, args, index: int, h: float = 1e-6):
    """d f(args) / d args[index] by central differences, shape ``out.shape + x.shape``;
    f may return a tuple, giving a tuple of such blocks."""
    x = args[index]
    if not isinstance(x, np.ndarray):
        return directional_difference(f, args, [index], [1.0], h)
    columns = []
    for k in range(x.size):
        e = np.zeros(x.shape)
        e.flat[k] = 1.0
        columns.append(directional_difference(f, args, [index], [e], h))

    def assemble(parts):              # x.size parts shaped like out -> out.shape + x.shape
        stacked = np.moveaxis(np.array(parts), 0, -1)
        return stacked.reshape(stacked.shape[:-1] + x.shape)

    if isinstance(columns[0], tuple):
        return tuple(assemble([c[j] for c in columns]) for j in range(len(columns[0])))
    return assemble(columns)


def second_difference(f, args, i: int, j: int, h: float = 1e-4) -> np.ndarray:
    """d2 f / d args[i] d args[j] from values of f alone (four evaluations per entry),
    shape ``x_i.shape + x_j.shape``."""
    xi, xj = np.asarray(args[i], dtype=float), np.asarray(args[j], dtype=float)
    H = np.zeros(xi.shape + xj.shape)

    def unit(x, k):
        if not isinstance(x, np.ndarray):
            return 1.0
        e = np.zeros(x.shape)
        e.flat[k] = 1.0
        return e

    for a in range(xi.size):
        for b in range(xj.size):
            ea, eb = unit(args[i], a), unit(args[j], b)
            total = 0.0
            for sa, sb in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                moved = shifted(args, [i], [ea], sa * h)
                moved = shifted(moved, [j], [eb], sb * h)
                total += sa * sb * f(*moved)
            H.flat[a * xj.size + b] = total / (4 * h * h)
    return H


def compiled_by_cli(folder: Path, text: str, *options: str) -> dict:
    """``text`` written to ``folder/model.py``, compiled by ``python -m symdiff compile``
    with ``options``; the generated module's names (the test fails on a non-zero exit)."""
    import subprocess
    path = Path(folder) / "model.py"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "symdiff", "compile", str(path), *options],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    namespace: dict = {}
    exec(done.stdout, namespace)
    return namespace
