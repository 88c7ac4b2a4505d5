"""The transformations users call: ``grad`` and ``value_and_grad``.

They build a ``Gradient`` (``symdiff.api``), or an ``AuxGradient`` for ``has_aux=True``
(``symdiff.conventions``, which holds the JAX and autograd spellings of the arguments).

    >>> dx = symdiff.grad(f)(x)
"""
from __future__ import annotations

from typing import Callable

from .api import Gradient, Wrt
from .backends import choose, gradient_kind
from .conventions import FIRST, AuxGradient, pick_wrt


def grad(fn: Callable | None = None, wrt: Wrt = FIRST, jit: bool = False, *,
         argnums: Wrt | None = None, argnum: Wrt | None = None, has_aux: bool = False,
         backend: str = "numpy"):
    """The gradient of a scalar function, compiled to readable Python.

    Args:
      fn: a function written with ``def`` whose output is a scalar. Left out, ``grad``
        returns a decorator (``@symdiff.grad(wrt=1)``).
      wrt: which arguments to differentiate with respect to: a position, a parameter
        name, or a tuple of them (then a tuple of gradients comes back). Default: the
        first argument.
      jit: compile the gradient with ``numba.njit`` (``pip install "symdiff[jit]"``).
      argnums: JAX's name for ``wrt`` (an int or a tuple of ints).
      argnum: autograd's name for ``wrt``. Give only one of the three.
      has_aux: ``fn`` returns ``(value, aux)``; the value is differentiated and the call
        returns ``(gradient, aux)``, as in JAX.
      backend: ``"numpy"`` (default), ``"numba"`` (as ``jit=True``) or ``"array-api"``:
        code in the array API standard's calls, run by the arguments' own library
        (PyTorch, JAX, CuPy, Dask...), which needs ``pip install "symdiff[array-api]"``.

    Returns:
      A ``Gradient``: call it with fn's arguments to get the gradient, shaped and typed
      like its argument (a tuple of them for a tuple ``wrt``). ``.source`` is the
      generated code.

    Example:
      >>> def f(x, y):
      ...     return x * y + np.sin(x)
      >>> symdiff.grad(f)(1.0, 2.0)                 # 2 + cos(1)
      2.5403023058681398
      >>> symdiff.grad(f, argnums=(0, 1))(1.0, 2.0)
      (2.5403023058681398, 1.0)
    """
    return _gradient(fn, pick_wrt("grad", wrt, argnums, argnum), False, jit, has_aux, backend)


def value_and_grad(fn: Callable | None = None, wrt: Wrt = FIRST, jit: bool = False, *,
                   argnums: Wrt | None = None, argnum: Wrt | None = None,
                   has_aux: bool = False, backend: str = "numpy"):
    """The value of a scalar function and its gradient, in one compiled pass.

    Args:
      fn, wrt, jit, argnums, argnum, backend: as for ``grad``.
      has_aux: ``fn`` returns ``(value, aux)``; the call returns ``((value, aux),
        gradient)``, as in JAX.

    Returns:
      A ``Gradient`` whose call returns ``(value, gradient)`` (the gradient a tuple for a
      tuple ``wrt``). ``scipy.optimize.minimize(vg, x0, jac=True)`` takes it as it is.

    Example:
      >>> def f(x):
      ...     return np.sum(x ** 2)
      >>> value, dx = symdiff.value_and_grad(f)(np.array([1.0, 2.0]))
      >>> float(value), dx
      (5.0, array([2., 4.]))
    """
    return _gradient(fn, pick_wrt("value_and_grad", wrt, argnums, argnum), True, jit, has_aux,
                     backend)


def _gradient(fn, wrt, with_value: bool, jit: bool, has_aux: bool, backend: str = "numpy"):
    jit, array_api = choose(backend, jit)
    kind = gradient_kind(array_api, AuxGradient if has_aux else Gradient)
    if fn is None:
        return lambda f: kind(f, wrt, with_value, jit)
    return kind(fn, wrt, with_value, jit)

