"""The tools bench_peers.py compares, each behind one function that prepares a gradient call.

A *workload* (see peer_workloads.py) holds a plain NumPy function, its arguments, the
positions to differentiate and a hand-written gradient. ``prepare(tool, workload)``
turns it into a ``Prepared``: a zero-argument ``grad`` call in the tool's own types, a
``to_numpy`` that converts its result for the correctness check, and a ``forward`` call
of the tool's own objective (for gradient/objective ratios).

The peers are optional: ``available()`` imports each one and says why one is missing,
so that the suite runs with only symdiff's own dependencies installed.

- symdiff: ``symdiff.grad(f, wrt)`` and ``symdiff.grad(f, wrt, jit=True)``;
- autograd: ``autograd.grad(f, argnum)`` on the same source, with ``np`` bound to
  ``autograd.numpy``;
- JAX: ``jax.jit(jax.grad(f, argnums))`` on the same source with ``np`` bound to
  ``jax.numpy`` (or the workload's own JAX formulation), float64 (``jax_enable_x64``),
  one CPU thread;
- PyTorch: ``torch.autograd.grad`` of the workload's torch formulation, CPU, one thread;
- Tangent (PyPI ``tangent-ad``): ``tangent.grad(f, wrt)`` on the same source.
"""
from __future__ import annotations

import types
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import symdiff

TOOLS = ("symdiff", "symdiff-jit", "hand", "autograd", "jax", "torch", "tangent")
LABELS = {"symdiff": "symdiff", "symdiff-jit": "symdiff (jit)", "hand": "hand-written",
          "autograd": "autograd", "jax": "JAX (jit)", "torch": "PyTorch", "tangent": "Tangent"}
PEERS = ("autograd", "jax", "torch", "tangent")
PACKAGE = {"autograd": "autograd", "jax": "jax", "torch": "torch", "tangent": "tangent-ad",
           "numba": "numba"}


def available(tools=TOOLS) -> dict[str, str | None]:
    """For each tool: None when it can run, else why not (shown in the tables)."""
    status = {}
    for tool in tools:
        module = {"symdiff-jit": "numba", "autograd": "autograd", "jax": "jax",
                  "torch": "torch", "tangent": "tangent"}.get(tool)
        if module is None:
            status[tool] = None
            continue
        try:
            _import(module)
            status[tool] = None
        except Exception as exc:  # noqa: BLE001 - a broken install is a missing peer
            status[tool] = (f"not installed (pip install {PACKAGE[module]})"
                            if isinstance(exc, ImportError) else
                            f"import failed: {type(exc).__name__}: {exc}".splitlines()[0])
    return status


def _import(module: str):
    if module == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_platforms", "cpu")
        return jax
    if module == "torch":
        import torch
        torch.set_num_threads(1)
        return torch
    return __import__(module)


def version(tool: str) -> str:
    """The installed version of the package behind ``tool``."""
    from importlib import metadata
    package = {"symdiff": "symdiff", "symdiff-jit": "numba", "hand": "numpy"}.get(
        tool, PACKAGE.get(tool, tool))
    try:
        return f"{package} {metadata.version(package)}"
    except metadata.PackageNotFoundError:
        return package


# --- the same source under another NumPy -------------------------------------------

def with_numpy(fn: Callable, module) -> Callable:
    """``fn`` with the name ``np`` bound to ``module`` (autograd.numpy, jax.numpy, torch).

    Helpers that ``fn`` calls from its own module are rebound too, so that the code
    differentiated is exactly the source symdiff reads.
    """
    namespace = dict(fn.__globals__)
    namespace["np"] = module
    for name, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and value.__globals__ is fn.__globals__:
            namespace[name] = types.FunctionType(value.__code__, namespace, value.__name__,
                                                 value.__defaults__, value.__closure__)
    return namespace[fn.__name__] if fn.__name__ in namespace else types.FunctionType(
        fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)


# --- prepared calls -------------------------------------------------------------------

@dataclass
class Prepared:
    grad: Callable[[], Any]                 # one gradient call, in the tool's own types
    to_numpy: Callable[[Any], tuple]        # its result as a tuple of NumPy values
    forward: Callable[[], Any] | None       # the tool's own objective, for grad/objective
    forward_label: str = "NumPy"            # which objective that is (shared by NumPy tools)
    note: str = ""


def as_tuple(result) -> tuple:
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def numpy_forward(w) -> Callable[[], Any]:
    fn, args = w.fn, w.args
    return lambda: fn(*args)


def prepare(tool: str, w) -> Prepared:
    """The gradient call of ``tool`` for workload ``w`` (raises if the tool cannot do it)."""
    return PREPARE[tool](w)


def _symdiff(w, jit=False) -> Prepared:
    g = symdiff.grad(w.fn, wrt=tuple(w.wrt), jit=jit)
    args = w.args
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)   # a jit fallback is a failure here
        try:
            g(*args)                                     # compiles (the first call)
        except RuntimeWarning as warning:
            raise RuntimeError(f"{warning}: {numba_reason(g, args)}") from None
    return Prepared(lambda: g(*args), as_tuple, numpy_forward(w))


def numba_reason(g, args) -> str:
    """The line of Numba's error that says what it could not compile in g's source."""
    import numba
    namespace: dict = {}
    exec(compile(g.source_for(*args), "<gradient>", "exec"), namespace)
    try:
        numba.njit(namespace[f"grad_{g.fn.__name__}"])(*args)
    except Exception as exc:  # noqa: BLE001 - only its message is wanted
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        keys = ("No implementation", "Untyped global", "Unknown attribute", "Cannot", ">>>",
                "Use of unsupported", "Invalid use")
        return " ".join(line for line in lines if line.startswith(keys))[:300] or lines[-1]
    return "Numba compiles it when called alone"


def reference(fn: Callable, w) -> Prepared:
    """A hand-written gradient ``fn(*args) -> tuple`` as a prepared call."""
    args = w.args
    return Prepared(lambda: fn(*args), as_tuple, numpy_forward(w))


def _autograd(w) -> Prepared:
    import autograd
    import autograd.numpy as anp
    fn = with_numpy(w.peer_fn, anp)
    g = autograd.grad(fn, argnum=tuple(w.wrt))
    args = w.args
    return Prepared(lambda: g(*args), lambda r: tuple(np.asarray(x) for x in r),
                    numpy_forward(w))


def _jax(w) -> Prepared:
    jax = _import("jax")
    import jax.numpy as jnp
    fn = w.jax_fn or with_numpy(w.peer_fn, jnp)
    args = tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in w.args)
    # Python numbers not differentiated (step counts, step sizes) are compile-time constants
    static = tuple(i for i, a in enumerate(w.args)
                   if i not in w.wrt and isinstance(a, (int, float)))
    forward = jax.jit(fn, static_argnums=static)
    note = ""
    try:
        g = jax.jit(jax.grad(fn, argnums=tuple(w.wrt)), static_argnums=static)
        jax.block_until_ready(g(*args))
    except jax.errors.ConcretizationTypeError:
        g = jax.grad(fn, argnums=tuple(w.wrt))             # Python branches on data: eager
        forward = fn
        note = "eager jax.grad: jax.jit cannot trace a Python `if` on array values"
    return Prepared(lambda: jax.block_until_ready(g(*args)),
                    lambda r: tuple(np.asarray(x) for x in r),
                    lambda: jax.block_until_ready(forward(*args)), "JAX", note)


def _torch(w) -> Prepared:
    torch = _import("torch")
    fn = w.torch_fn or with_numpy(w.peer_fn, torch)
    args = []
    for i, a in enumerate(w.args):
        if isinstance(a, np.ndarray):
            a = torch.from_numpy(a.copy())
        elif i in w.wrt:
            a = torch.tensor(a, dtype=torch.float64)
        args.append(a.requires_grad_(True) if i in w.wrt else a)
    params = [args[i] for i in w.wrt]

    def grad():
        return torch.autograd.grad(fn(*args), params)

    def forward():
        with torch.no_grad():
            return fn(*args)
    return Prepared(grad, lambda r: tuple(x.detach().numpy() for x in r), forward, "PyTorch")


def _tangent(w) -> Prepared:
    import tangent
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = tangent.grad(w.peer_fn, wrt=tuple(w.wrt), verbose=0)
    args = w.args
    return Prepared(lambda: g(*args), as_tuple, numpy_forward(w))


PREPARE = {"symdiff": _symdiff, "symdiff-jit": lambda w: _symdiff(w, jit=True),
           "hand": lambda w: reference(w.hand, w),
           "autograd": _autograd, "jax": _jax, "torch": _torch, "tangent": _tangent}
