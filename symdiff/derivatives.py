"""More derivatives from the same compiler: ``jvp``, ``jacobian``, ``hessian``, ``hvp``.

    >>> value, slope = symdiff.jvp(f, wrt="x")(x, y, x_dot)    # forward mode
    >>> J = symdiff.jacobian(f)(x)           # out.shape + x.shape, forward or reverse mode
    >>> H = symdiff.hessian(loss)(w, X, y)   # w.shape + w.shape
    >>> Hv = symdiff.hvp(loss)(w, X, y, v)   # without forming H

Forward mode carries a tangent beside every value (``symdiff.forward``). A Hessian-vector
product is forward mode applied to the generated gradient; a Hessian is one such product
per unit vector. A Jacobian takes one forward pass per input element or one reverse pass
(a vector-Jacobian product) per output element, whichever is fewer.
"""
from __future__ import annotations

import functools
import types
from typing import Callable

import numpy as np

from . import pipeline, pytrees
from .api import Gradient, Wrt, _check_float, _count, _finish, float_dtype
from .conventions import FIRST, pick_wrt
from .errors import SymdiffError


class _Derivative(Gradient):
    """A compiled derivative called with f's arguments followed by one vector per ``wrt``."""

    what = "a tangent"

    def _split(self, args, kwargs=None) -> tuple[tuple, tuple]:
        """f's arguments (defaults filled in) and the extra vectors, checked."""
        wrt, _ = self._wrt_indices()
        n = len(args) - len(wrt)                 # the vectors come last; defaults may be left out
        if not (self._required() <= n or kwargs and n >= 0) or n > len(self.parameters):
            vectors = [self._vector_name(i) for i in wrt]
            names = ", ".join(self.parameters + vectors)
            raise SymdiffError(f"{self.prefix}_{self.fn.__name__}() takes f's arguments "
                               f"({', '.join(self.parameters)}) followed by {', '.join(vectors)}"
                               f"; got {_count(len(args), 'value')} in all",
                               hint=f"call it as {self.prefix}_{self.fn.__name__}({names}) "
                                    "(arguments with defaults may be left out)")
        primals = self._bind(args[:n], kwargs)
        vectors = []
        for i, v in zip(wrt, args[n:]):
            _check_float(self.fn.__name__, self._params[i], primals[i])
            vectors.append(_like(primals[i], v, self.what, self._params[i]))
        return primals, tuple(vectors)

    def _vector_name(self, i: int) -> str:
        return self.parameters[i] + "_dot"

    def _tangent_shapes(self, ir, shapes: dict) -> dict:
        """``shapes`` with each tangent (ir's last parameters) shaped like its argument."""
        wrt, _ = self._wrt_indices()
        return pipeline.with_tangents(shapes, ir, wrt)

    def _run(self, args, more=()):
        """The compiled derivative; a function that reads module or closure arrays (or
        takes containers it is not differentiated with respect to) runs as its flat
        version, those arrays passed as parameters."""
        if not getattr(self, "flat", False) and pytrees.needs_structure(self, args, {}):
            flat, values, _ = pytrees.flat_gradient(self, args, {})
            return flat._run(values, more)
        return super()._run(args, more)


class JVP(_Derivative):
    """Forward mode: ``(f(x), J(x) @ x_dot)`` in one pass."""

    prefix = "jvp"

    def _ir(self, arg_shapes):
        wrt, _ = self._wrt_indices()
        return pipeline.jvp_ir(self._source(), wrt, arg_shapes)

    _jit_shapes = _Derivative._tangent_shapes

    def __call__(self, *args, **kwargs):
        if _bound(self.fn):
            flat, values, tangents, _ = _flat(self, args, kwargs, _count_wrt(self.wrt))
            return flat(*values, *tangents)
        primals, tangents = self._split(args, kwargs)
        value, tangent = self._run(primals, tangents)
        return _as_float(value, value), _as_float(tangent, value)


class HVP(_Derivative):
    """Hessian-vector product: the directional derivative of the gradient along v."""

    prefix = "hvp"
    what = "v"

    def _ir(self, arg_shapes):
        wrt, tuple_out = self._wrt_indices()
        return pipeline.hvp_ir(self._source(), wrt, tuple_out, arg_shapes)

    _jit_shapes = _Derivative._tangent_shapes

    def _vector_name(self, i: int) -> str:
        wrt, _ = self._wrt_indices()
        return "v" if len(wrt) == 1 else "v_" + self.parameters[i]

    def __call__(self, *args, **kwargs):
        if _bound(self.fn):
            flat, values, vectors, several = _flat(self, args, kwargs, _count_wrt(self.wrt))
            result = flat(*values, *vectors)
            return result if several else result[0]
        primals, vectors = self._split(args, kwargs)
        wrt, tuple_out = self._wrt_indices()
        result = self._run(primals, vectors)
        several = tuple_out or len(wrt) > 1
        return _finish(result if several else (result,), primals, wrt, several)


class VJP(_Derivative):
    """Reverse mode for an array output: the gradients of ``sum(f(x) * dout)``."""

    prefix = "vjp"
    what = "dout"

    def _ir(self, arg_shapes):
        wrt, _ = self._wrt_indices()
        return pipeline.vjp_ir(self._source(), wrt, arg_shapes)

    def __call__(self, *args, **kwargs):
        if _bound(self.fn):
            flat, values, seed, several = _flat(self, args, kwargs, 1)
            grads = flat(*values, *seed)
            return grads if several else grads[0]
        primals, seed = self._bind(args[:-1], kwargs), args[-1]
        wrt, tuple_out = self._wrt_indices()
        for i in wrt:
            _check_float(self.fn.__name__, self._params[i], primals[i])
        grads = self._run(primals, (seed,))
        return _finish(grads, primals, wrt, tuple_out or len(wrt) > 1)


class Jacobian:
    """``J[o..., i...] = d out[o...] / d x[i...]``: shape ``out.shape + x.shape``."""

    def __init__(self, fn: Callable, wrt: Wrt = 0, mode: str | None = None, jit: bool = False):
        if mode not in (None, "forward", "reverse"):
            raise SymdiffError(f"mode must be 'forward' or 'reverse', not {mode!r}",
                               hint="leave it out to choose by the shapes")
        self.fn, self.wrt, self.mode = fn, wrt, mode
        self.forward = JVP(fn, wrt, jit=jit)
        self.reverse = VJP(fn, wrt, jit=jit)

    @property
    def source(self) -> str:
        """The generated code this Jacobian runs (forward mode unless told otherwise)."""
        return (self.reverse if self.mode == "reverse" else self.forward).source

    def mode_for(self, *args, **kwargs) -> str:
        """Forward mode when there are fewer input than output elements, else reverse."""
        if self.mode:
            return self.mode
        _, _, values, wrt, _ = self._parts(args, kwargs)
        inputs = sum(np.size(values[i]) for i in wrt)
        return "forward" if inputs <= np.size(self.fn(*args, **kwargs)) else "reverse"

    def _parts(self, args, kwargs) -> tuple:
        """The forward and reverse products to run, their arguments, the wrt positions and
        whether a tuple was asked for (for a bound method, those of its flat function)."""
        if _bound(self.fn):
            forward, values, _, several = _flat(self.forward, args, kwargs, 0)
            reverse = _flat(self.reverse, args, kwargs, 0)[0]
            return forward, reverse, values, forward._wrt_indices()[0], several
        wrt, tuple_out = self.forward._wrt_indices()
        return self.forward, self.reverse, self.forward._bind(args, kwargs), wrt, tuple_out

    def __call__(self, *args, **kwargs):
        forward, reverse, values, wrt, tuple_out = self._parts(args, kwargs)
        if self.mode_for(*args, **kwargs) == "forward":
            blocks = _columns(lambda vs: (forward(*values, *vs)[1],), values, wrt)
            blocks = [b[0] for b in blocks]
        else:
            out = np.asarray(self.fn(*args, **kwargs), dtype=float)
            rows = [reverse(*values, _unit(out, k)) for k in range(out.size)]
            rows = [r if isinstance(r, tuple) else (r,) for r in rows]
            blocks = [_assemble([r[j] for r in rows], out, values[i], rows_first=True)
                      for j, i in enumerate(wrt)]
        return tuple(blocks) if tuple_out else blocks[0]


class Hessian:
    """Second derivatives: ``H[i..., j...] = d2 f / dx[i...] dx[j...]``, from ``hvp``."""

    def __init__(self, fn: Callable, wrt: Wrt = 0, jit: bool = False):
        self.fn, self.wrt = fn, wrt
        self.hvp = HVP(fn, wrt, jit=jit)

    @property
    def source(self) -> str:
        return self.hvp.source

    def __call__(self, *args, **kwargs):
        hvp = self.hvp
        if _bound(self.fn):
            hvp, args, _, tuple_out = _flat(hvp, args, kwargs, 0)
            wrt = hvp._wrt_indices()[0]
        else:
            args = hvp._bind(args, kwargs)
            wrt, tuple_out = hvp._wrt_indices()
        for i in wrt:
            _check_float(hvp.fn.__name__, hvp._params[i], args[i])
        columns = _columns(lambda vs: _tuple(hvp(*args, *vs)), args, wrt)
        if not tuple_out:
            return columns[0][0]
        return tuple(tuple(columns[j][i] for j in range(len(wrt))) for i in range(len(wrt)))


def _bound(fn) -> bool:
    """A bound method or a ``functools.partial``: differentiated as ``grad`` does, as its
    plain function with the object's (or the fixed arguments') leaves as parameters."""
    return isinstance(fn, (types.MethodType, functools.partial))


def _count_wrt(wrt) -> int:
    return len(wrt) if isinstance(wrt, (tuple, list)) else 1


def _flat(outer, args, kwargs, vectors: int) -> tuple:
    """For a bound method: ``outer``'s derivative of the plain function with one parameter
    per leaf (``pytrees.flat_gradient``), its leaf arguments, the ``vectors`` arguments
    that end ``args``, and whether the caller asked for a tuple. Each ``wrt`` names one
    array or number, as for a function: a tangent is shaped like it."""
    n = len(args) - vectors
    if n < 0:
        raise SymdiffError(f"{outer.prefix} of {outer.fn.__name__} takes its arguments "
                           f"followed by {_count(vectors, 'vector')}; got "
                           f"{_count(len(args), 'value')}", hint="pass one vector per wrt")
    flat, values, (_, _, leaves, wanted, several, positions, owners) = \
        pytrees.flat_gradient(outer, tuple(args[:n]), kwargs)
    for t, path in enumerate(wanted):
        if [leaves[k][0] for k, o in zip(positions, owners) if o == t] != [path]:
            raise SymdiffError(f"{outer.prefix} of {outer.fn.__name__} with respect to "
                               f"`{'.'.join(map(str, path))}`, which holds a container",
                               hint="name its arrays in wrt one by one (grad takes a "
                                    "container whole)")
    return flat, values, tuple(args[n:]), several


def _columns(product: Callable, args, wrt) -> list[list]:
    """``product(vectors)`` for every unit vector of every ``wrt`` argument, assembled:
    entry [j][i] has shape ``result_i.shape + x_j.shape``."""
    out = []
    for j in wrt:
        x = np.asarray(args[j], dtype=float)
        results = []
        for k in range(x.size):
            vs = [_zeros(args[i]) for i in wrt]
            vs[wrt.index(j)] = _unit(x, k) if isinstance(args[j], np.ndarray) else 1.0
            results.append(product(vs))
        out.append([_assemble([r[i] for r in results], np.asarray(results[0][i]), args[j])
                    for i in range(len(results[0]))])
    return out


def _assemble(parts: list, like: np.ndarray, x, rows_first: bool = False):
    """Stack per-element results into ``like.shape + x.shape`` (``rows_first``: one part
    per element of ``like``, each shaped like x; else one per element of x)."""
    shape_x, shape_like = np.shape(x), np.shape(like)
    stacked = np.array([np.asarray(p, dtype=float) for p in parts])
    if not rows_first:                       # (x.size, *like.shape) -> like.shape + x.shape
        stacked = np.moveaxis(stacked.reshape((len(parts),) + shape_like), 0, -1)
    result = stacked.reshape(shape_like + shape_x).astype(float_dtype(x), copy=False)
    return _scalar(result, x) if result.shape == () else result


def _unit(x: np.ndarray, k: int) -> np.ndarray | float:
    if np.ndim(x) == 0:
        return 1.0
    e = np.zeros(np.shape(x))
    e.flat[k] = 1.0
    return e


def _zeros(x):
    return np.zeros(np.shape(x)) if isinstance(x, np.ndarray) else 0.0


def _tuple(r) -> tuple:
    return r if isinstance(r, tuple) else (r,)


def _like(primal, v, what: str, name: str):
    """A vector for ``primal``: the same shape, as floats."""
    kind = np.asarray(v).dtype.kind if not isinstance(v, (bool, int, float)) else "f"
    if isinstance(v, bool) or kind not in "iuf":
        raise SymdiffError(f"{what} for `{name}` must hold real numbers, not "
                           f"{type(v).__name__} {v!r}"[:200],
                           hint=f"give a float or a float array shaped like `{name}`")
    if isinstance(v, list):
        v = np.asarray(v, dtype=float)
    if np.shape(v) != np.shape(primal):
        raise SymdiffError(f"{what} for `{name}` has shape {np.shape(v)}, but `{name}` has "
                           f"shape {np.shape(primal)}", hint=f"give {what} the shape of `{name}`")
    if isinstance(primal, np.ndarray):
        return np.asarray(v, dtype=float)
    return float(v)


def _as_float(tangent, value):
    """A tangent has the kind and dtype of its value: a float for a float, float32 for
    float32."""
    if isinstance(tangent, tuple):
        return tuple(_as_float(t, v) for t, v in zip(tangent, value))
    dtype = float_dtype(value)
    if np.ndim(tangent) == 0 and np.ndim(value) == 0:
        return _scalar(tangent, value)
    if np.shape(tangent) != np.shape(value):         # a constant output: zeros of its shape
        return np.broadcast_to(tangent, np.shape(value)).astype(dtype)
    return np.asarray(tangent, dtype=dtype)


def _scalar(x, like):
    """A number in the dtype of ``like``: a float for float64, np.float32 for float32."""
    dtype = float_dtype(like)
    return float(x) if dtype == np.float64 else dtype.type(x)


# ---------------------------------------------------------------- public functions


def jvp(fn: Callable, wrt: Wrt = FIRST, jit: bool = False, *, argnums: Wrt | None = None,
        argnum: Wrt | None = None):
    """Forward mode: the value and the directional derivative, in one compiled pass.

    Args:
      fn: a function written with ``def`` (any output: a scalar, an array or a tuple).
      wrt: the arguments that carry a tangent: a position, a name, or a tuple of them.
        Default: the first argument. ``argnums=`` (JAX) and ``argnum=`` (autograd) are
        other names for it; give only one.
      jit: compile with ``numba.njit``.

    Returns:
      A ``JVP``: ``jvp(f, wrt)(*args, *tangents)``, one tangent shaped like each ``wrt``
      argument, returns ``(f(*args), J @ tangents)``. ``.source`` is the generated code.
      Called the JAX way, ``jvp(f, primals, tangents)`` (two tuples, a tangent for every
      primal) returns ``(f(*primals), J @ tangents)`` at once.

    Example:
      >>> def f(x, y):
      ...     return x * y
      >>> symdiff.jvp(f, wrt=("x", "y"))(3.0, 4.0, 1.0, 0.5)     # 4*1 + 3*0.5
      (12.0, 5.5)
      >>> symdiff.jvp(f, (3.0, 4.0), (1.0, 0.5))                 # JAX's spelling
      (12.0, 5.5)
    """
    if isinstance(jit, (tuple, list)):               # jvp(f, primals, tangents), as in JAX
        return _jvp_at(fn, wrt, jit)
    if isinstance(wrt, (tuple, list)) and not all(isinstance(w, (int, str, np.integer))
                                                  for w in wrt):
        raise SymdiffError("jvp(f, primals) needs the tangents too",
                           hint="write jvp(f, primals, tangents) as in JAX, or symdiff's "
                                "jvp(f, wrt=...)(*args, *tangents)")
    return JVP(fn, pick_wrt("jvp", wrt, argnums, argnum), jit=jit)


def _jvp_at(fn: Callable, primals, tangents) -> tuple:
    """``jax.jvp(f, primals, tangents)``: every primal carries its tangent."""
    if not isinstance(primals, (tuple, list)) or len(primals) != len(tangents):
        raise SymdiffError("jvp(f, primals, tangents) takes two tuples of the same length: "
                           f"got {_count(len(tangents), 'tangent')} for "
                           f"{type(primals).__name__} primals",
                           hint="give one tangent per primal, or use symdiff's form "
                                "jvp(f, wrt=...)(*args, *tangents)")
    return JVP(fn, tuple(range(len(primals))))(*primals, *tangents)


def vjp(fn: Callable, *primals, wrt: Wrt = FIRST, argnums: Wrt | None = None,
        argnum: Wrt | None = None, jit: bool = False) -> tuple:
    """Reverse mode for any output, as ``jax.vjp``: the value and its pullback function.

    Args:
      fn: a function written with ``def`` (a scalar or an array output).
      *primals: the arguments to evaluate ``fn`` at.
      wrt: the arguments to pull back to (a position, a name, or a tuple of them).
        Default: every primal, and then ``vjp_fn`` returns a tuple, as in JAX.
        ``argnums=`` and ``argnum=`` are other names for it.
      jit: compile with ``numba.njit``.

    Returns:
      ``(fn(*primals), vjp_fn)``: ``vjp_fn(dout)``, dout shaped like the output, returns
      the gradients of ``sum(fn(*primals) * dout)``. ``vjp_fn.source`` is the generated
      code (the value is fn itself, run as written).

    Example:
      >>> def f(x):
      ...     return np.sin(x)
      >>> y, f_vjp = symdiff.vjp(f, np.array([0.0, 1.0]))
      >>> f_vjp(np.ones(2))                    # (cos(x),)
      (array([1.        , 0.54030231]),)
    """
    given = wrt is not FIRST or argnums is not None or argnum is not None
    chosen = pick_wrt("vjp", wrt, argnums, argnum) if given else tuple(range(len(primals)))
    return fn(*primals), PullBack(VJP(fn, chosen, jit=jit), primals)


class PullBack:
    """``vjp_fn`` of ``symdiff.vjp``: the compiled vector-Jacobian product at fixed primals."""

    def __init__(self, product: VJP, primals: tuple):
        self.product, self.primals = product, primals

    @property
    def source(self) -> str:
        return self.product.source

    def __call__(self, dout):
        return self.product(*self.primals, dout)


def jacobian(fn: Callable, wrt: Wrt = FIRST, mode: str | None = None, jit: bool = False,
             *, argnums: Wrt | None = None, argnum: Wrt | None = None) -> Jacobian:
    """The Jacobian of f's output (``jax.jacfwd`` or ``jax.jacrev``, chosen by the shapes).

    Args:
      fn: a function written with ``def`` returning a scalar or an array.
      wrt: a position, a name, or a tuple of them (default: the first argument);
        ``argnums=`` (JAX) and ``argnum=`` (autograd) are other names for it.
      mode: ``"forward"`` (one pass per input element) or ``"reverse"`` (one per output
        element); left out, whichever makes fewer passes.
      jit: compile with ``numba.njit``.

    Returns:
      A ``Jacobian``: its call returns an array of shape ``out.shape + x.shape`` (a tuple
      of them for a tuple ``wrt``).

    Example:
      >>> def f(x):
      ...     return x ** 2
      >>> symdiff.jacobian(f)(np.array([1.0, 2.0]))
      array([[2., 0.],
             [0., 4.]])
    """
    return Jacobian(fn, pick_wrt("jacobian", wrt, argnums, argnum), mode, jit)


__all__ = ["jvp", "vjp", "jacobian", "JVP", "HVP", "VJP", "Jacobian", "Hessian", "PullBack"]
