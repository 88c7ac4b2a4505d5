"""The one check every breadth case goes through (tests/test_breadth_*.py).

A case is ``Case(id, params, body, inputs)``: ``body`` the returned expression of a
function of ``params`` (a scalar loss), ``inputs(rng)`` its arguments, drawn from the
domain of the functions it calls (positive for log, |x| < 1 for arctanh, SPD for
cholesky, away from kinks). ``check_case`` asserts, in float64:

- ``value_and_grad``: the value equals the function run by NumPy, the gradient equals
  central differences of the function (``symdiff.check_grad``);
- forward mode: ``jvp``'s tangent equals the directional difference along a random v;
- with ``second=True``: ``hvp`` along v equals the directional difference of the gradient
  (the Hessian applied to v, without forming it);
- with ``jit=True``: the jitted gradient (Numba, or NumPy where Numba cannot compile it)
  gives the same numbers.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from support import directional_difference, load_module, random_like

import symdiff

HEADER = ("import math\nimport numpy as np\nimport scipy.linalg\nimport scipy.special\n"
          "import scipy.special as sp\nimport scipy.stats\n\n")


@dataclass(frozen=True)
class Case:
    id: str
    params: str                      # "x, y"
    body: str                        # the returned expression
    inputs: Callable                 # rng -> tuple of arguments
    wrt: tuple = (0,)
    second: bool = False             # also check the Hessian-vector product
    jit: bool = False                # also check jit=True


def module_of(cases, folder, stem: str):
    text = HEADER + "\n".join(f"def {c.id}({c.params}):\n    return {c.body}\n" for c in cases)
    return load_module(folder, stem, text)


def _close(got, want, rtol, atol, what):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                               rtol=rtol, atol=atol, err_msg=what)


def check_case(module, case: Case, seed: int = 0):
    fn = getattr(module, case.id)
    rng = np.random.default_rng(seed)
    args = tuple(case.inputs(rng))
    wrt = case.wrt if len(case.wrt) > 1 else case.wrt[0]
    several = len(case.wrt) > 1
    value, grads = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    _close(value, fn(*args), 1e-10, 1e-12, f"{case.id}: value")
    report = symdiff.check_grad(fn, *args, wrt=wrt)
    assert report, "check_grad compared nothing"
    vectors = [random_like(rng, args[i]) for i in case.wrt]
    primal, tangent = symdiff.jvp(fn, wrt=wrt)(*args, *vectors)
    _close(primal, fn(*args), 1e-10, 1e-12, f"{case.id}: jvp value")
    want = directional_difference(fn, args, list(case.wrt), vectors)
    _close(tangent, want, 1e-5, 1e-6, f"{case.id}: jvp tangent")
    if case.second:
        g = symdiff.grad(fn, wrt=wrt)
        hv = symdiff.hvp(fn, wrt=wrt)(*args, *vectors)
        numeric = directional_difference(lambda *a: g(*a), args, list(case.wrt), vectors)
        hv, numeric = (hv, numeric) if several else ((hv,), (numeric,))
        for k, (got, expect) in enumerate(zip(hv, numeric)):
            _close(got, expect, 1e-5, 1e-6, f"{case.id}: hvp block {k}")
    if case.jit:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")        # NumPy where Numba cannot compile it
            jitted = symdiff.grad(fn, wrt=wrt, jit=True)(*args)
        jitted, grads = (jitted, grads) if several else ((jitted,), (grads,))
        for k, (got, expect) in enumerate(zip(jitted, grads)):
            _close(got, expect, 1e-10, 1e-12, f"{case.id}: jit gradient {k}")


def assert_refused(folder, body: str, message: str, arg):
    """``f(a): return <body>`` is refused with a located error saying ``message``."""
    m = module_of([Case("f", "a", body, lambda rng: [arg])], folder, "refused")
    try:
        symdiff.grad(m.f)(arg)
    except symdiff.SymdiffError as error:
        assert message in str(error) and error.loc is not None, str(error)
    else:
        raise AssertionError(f"{body} was not refused")


def check_jitted_value(module, case: Case, seed: int = 0):
    """``value_and_grad(..., jit=True)`` of a case: the value the function gives run by
    NumPy, the gradient the one without jit."""
    fn = getattr(module, case.id)
    args = tuple(case.inputs(np.random.default_rng(seed)))
    wrt = case.wrt if len(case.wrt) > 1 else case.wrt[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")            # NumPy where Numba cannot compile it
        value, grads = symdiff.value_and_grad(fn, wrt=wrt, jit=True)(*args)
    _close(value, fn(*args), 1e-10, 1e-12, f"{case.id}: jit value")
    want = symdiff.value_and_grad(fn, wrt=wrt)(*args)[1]
    want, grads = (want, grads) if len(case.wrt) > 1 else ((want,), (grads,))
    for k, (got, expect) in enumerate(zip(grads, want)):
        _close(got, expect, 1e-10, 1e-12, f"{case.id}: jit value_and_grad gradient {k}")
