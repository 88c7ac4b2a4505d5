"""Shared helpers for the table-driven tests: load generated modules, compare gradients.

symdiff reads a function's *source*, so every function under test must live in a real
file. ``load_module`` writes module text to a folder and imports it under a unique name
(registered in ``sys.modules`` so that ``inspect.getsource`` finds it).

``assert_gradient`` is the one end-to-end check the table tests share:

- ``symdiff.check_grad`` against central differences (float64),
- the kind of every gradient: a float for a float, a float array of the argument's shape
  for an array,
- the shape-generic ``Gradient.source`` (what the CLI writes) and the code specialized
  to the argument shapes (what a call runs) give the same numbers.
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
