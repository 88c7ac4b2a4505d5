"""JAX's and autograd's spellings of symdiff's options, and ``has_aux``.

    symdiff.grad(f, argnums=(0, 1))          # JAX: the same as wrt=(0, 1)
    symdiff.grad(f, argnum=1)                # autograd: the same as wrt=1
    dx, aux = symdiff.grad(f, has_aux=True)(x, y)          # f returns (loss, aux)
    (loss, aux), dx = symdiff.value_and_grad(f, has_aux=True)(x, y)

With ``has_aux``, the compiler differentiates the first element of each ``return loss,
aux`` (the generated code computes the loss and its gradient only); ``aux`` is what the
function itself returns, run as written on the same arguments.
"""
from __future__ import annotations

import ast
import copy
import functools
from dataclasses import replace

from .api import Gradient
from .errors import SymdiffError

class FirstArgument:
    """The default of ``wrt``: the first argument, unless ``argnums=`` or ``argnum=`` says
    otherwise (an explicit ``wrt=None`` stays an error)."""

    def __repr__(self) -> str:
        return "0"


FIRST = FirstArgument()


def pick_wrt(function: str, wrt=FIRST, argnums=None, argnum=None):
    """The one of ``wrt=`` (symdiff), ``argnums=`` (JAX) and ``argnum=`` (autograd) given;
    they mean the same, so giving two of them is an error."""
    given = [(k, v) for k, v in (("wrt", wrt), ("argnums", argnums), ("argnum", argnum))
             if v is not None and v is not FIRST]
    if wrt is None:
        given.insert(0, ("wrt", None))
    if len(given) > 1:
        names = " and ".join(f"{k}={v!r}" for k, v in given)
        raise SymdiffError(f"{function}() got {names}, which mean the same thing",
                           hint="give only one of wrt=, argnums= (JAX) and argnum= (autograd)")
    return given[0][1] if given else 0


class AuxGradient(Gradient):
    """``grad(f, has_aux=True)``: f returns ``(value, aux)``; the value is differentiated and
    ``aux`` comes back beside the gradient, as in JAX: ``(grad, aux)``, or
    ``((value, aux), grad)`` for ``value_and_grad``."""

    def _prepare(self, src):
        return without_aux(src)

    def __call__(self, *args, **kwargs):
        result = super().__call__(*args, **kwargs)
        aux = _aux_of(self.fn, self._bind(args, kwargs), self._source())
        if self.with_value:
            value, grads = result
            return (value, aux), grads
        return result, aux


def without_aux(src):
    """``src`` with every ``return value, aux`` of the function itself made ``return
    value`` (a copy: the parsed source is shared); any other return is refused."""
    tree = copy.deepcopy(src.tree)
    for ret in _returns(tree.body):
        pair = ret.value
        if not (isinstance(pair, ast.Tuple) and len(pair.elts) == 2 and
                not any(isinstance(e, ast.Starred) for e in pair.elts)):
            raise SymdiffError(f"with has_aux=True, {src.name} must return a pair "
                               "`value, aux`", src.loc(ret),
                               hint="write the return as `return loss, aux`, the tuple "
                                    "written out")
        ret.value = pair.elts[0]
    return replace(src, tree=tree)


def _returns(body: list) -> list[ast.Return]:
    """The return statements of a function body (not of functions defined inside it)."""
    found, todo = [], list(body)
    while todo:
        s = todo.pop()
        if isinstance(s, ast.Return):
            found.append(s)
        elif not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                ast.Lambda)):
            todo.extend(c for c in ast.iter_child_nodes(s) if isinstance(c, ast.stmt))
    return found


def _aux_of(fn, args: tuple, src):
    """The second element of what ``fn(*args)`` returns."""
    out = fn(*args)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise SymdiffError(f"with has_aux=True, {fn.__name__} must return a pair (value, "
                           f"aux); it returned {type(out).__name__}", src.loc(src.tree),
                           hint="return `loss, aux`")
    return out[1]


def stop_gradient(x):
    """``x`` itself, which the chain rule treats as a constant (as ``jax.lax.stop_gradient``).

    Args:
      x: a number or an array, inside a function symdiff differentiates.

    Returns:
      ``x`` unchanged at run time. In reverse mode no gradient flows back through it, in
      forward mode it carries no tangent, and so the Hessian treats it as a constant too.

    Example:
      >>> def f(x):
      ...     return x * symdiff.stop_gradient(x)      # d/dx = stop_gradient(x) = x
      >>> symdiff.grad(f)(3.0)
      3.0
    """
    return x


#: the functions of symdiff a differentiated function may call, by the name the frontend
#: resolves calls to (``symdiff.stop_gradient``)
stop_gradient.symdiff_function = "stop_gradient"


class custom_jvp:
    """A function with its derivative given by the user, as ``jax.custom_jvp``.

    The rule is plain Python that symdiff reads like any helper and writes into the
    generated code in place of the function's own derivative: for a numerically stable
    formula, or for a function whose body symdiff cannot read (a compiled extension).

    Args:
      fn: the function. Called from Python, it runs as it is; in a function symdiff
        differentiates, its value and derivative are the rule's.

    Returns:
      The function, with ``.defjvp(rule)``: ``rule(primals, tangents)`` takes a tuple of
      fn's arguments and a tuple of their tangents, and returns ``(value, tangent)``, the
      tangent linear in the tangents. Used as a decorator, ``defjvp`` returns the rule.

    Example:
      >>> @symdiff.custom_jvp
      ... def log1pexp(x):
      ...     return np.log(1.0 + np.exp(x))
      >>> @log1pexp.defjvp
      ... def log1pexp_jvp(primals, tangents):
      ...     x, = primals
      ...     x_dot, = tangents
      ...     value = np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))
      ...     return value, x_dot / (1.0 + np.exp(-x))
      >>> def loss(x):
      ...     return np.sum(log1pexp(x))
      >>> symdiff.grad(loss)(np.array([0.0, 800.0]))           # no inf - inf
      array([0.5, 1. ])
    """

    #: how the frontend knows it (``parse``): a helper whose derivative is this rule
    symdiff_function = "custom_jvp"

    def __init__(self, fn):
        self.fn, self.rule = fn, None
        functools.update_wrapper(self, fn)

    def defjvp(self, rule):
        self.rule = rule
        return rule

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


class custom_vjp:
    """A function with its backward pass given by the user, as ``jax.custom_vjp``.

    The rule is plain Python that symdiff reads like any helper and writes into the
    generated code: its forward part where the function is called, its backward part in
    the backward pass, on the upstream gradient. For a gradient other than the true one
    (clipped, straight-through), a numerically stable one, or a function whose body
    symdiff cannot read (a compiled extension).

    Args:
      fn: the function. Called from Python, it runs as it is; in a function symdiff
        differentiates, its value and gradient are the rule's.
      nondiff_argnums: positions of arguments that get no gradient (a count, a flag):
        ``bwd`` takes them first, ``bwd(*nondiff_args, residuals, g)``, and returns
        gradients for the other arguments only.

    Returns:
      The function, with ``.defvjp(fwd, bwd)``: ``fwd`` takes fn's arguments and returns
      ``(value, residuals)``; ``bwd(residuals, g)`` takes them and the upstream gradient of
      the value and returns a tuple of gradients, one per argument, each shaped like its
      argument (None for none). Forward mode (``jvp``, ``hessian``) refuses it, as JAX does.

    Example:
      >>> @symdiff.custom_vjp
      ... def clip_gradient(x):
      ...     return x
      >>> def clip_fwd(x):
      ...     return x, ()
      >>> def clip_bwd(residuals, g):
      ...     return (np.clip(g, -1.0, 1.0),)
      >>> clip_gradient.defvjp(clip_fwd, clip_bwd)
      >>> def loss(x):
      ...     return np.sum(5.0 * clip_gradient(x))
      >>> symdiff.grad(loss)(np.array([1.0, 2.0]))           # 5 clipped to 1
      array([1., 1.])
    """

    #: how the frontend knows it (``parse``): a helper whose gradient is this rule
    symdiff_function = "custom_vjp"

    def __init__(self, fn, nondiff_argnums=()):
        self.fn, self.fwd, self.bwd = fn, None, None
        self.nondiff_argnums = tuple(sorted({nondiff_argnums} if isinstance(nondiff_argnums, int)
                                            else set(nondiff_argnums)))
        functools.update_wrapper(self, fn)

    def defvjp(self, fwd, bwd) -> None:
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)
