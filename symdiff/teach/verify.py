"""Check a hand-written backward pass against symdiff's own gradient.

    >>> report = symdiff.check_backward(svm_loss_vectorized, None, W, X, y, reg)
    >>> report.ok
    False
    >>> print(report)         # which gradient is wrong, where, by how much, and why

Two conventions of the backprop courses:

- ``backward=None``: ``forward`` returns ``(loss, grad...)``, as CS231n's
  ``svm_loss_vectorized(W, X, y, reg)`` returns ``(loss, dW)``. symdiff differentiates the
  loss (the statements the hand-written gradients need are left out, see
  ``backward_slice``) and compares.
- a ``*_forward`` / ``*_backward(dout, cache)`` pair: the backward is compared with the
  vector-Jacobian product of the forward's output at a random upstream gradient ``dout``
  (one per output when the backward takes several before the cache).

Which argument a returned gradient belongs to is read from its name (``dW`` is the
gradient of ``W``, ``dprev_h`` of ``prev_h``), else the float arguments are taken in
order; ``wrt=`` says it explicitly. A wrong gradient gets a diagnosis where one fits
(``diagnose``), and where the hand-written code names its intermediates (``dscores``,
``dhidden``), the first one that differs from symdiff's is pointed at (``intermediates``).
"""
from __future__ import annotations

import ast
import copy
import inspect
from dataclasses import replace
from typing import Any, Callable

import numpy as np

from .. import pipeline
from ..errors import SymdiffError
from ..frontend.parse import source_of
from . import backward_slice as slicing
from .verify_report import BackwardReport, compare

#: Where the relative error of an element counts as a disagreement (float64 round-off
#: in both codes stays far below it; an approximation's derivative does not).
RTOL = 1e-6
ATOL = 1e-9


def check_backward(forward: Callable, backward: Callable | None = None, *args, wrt=None,
                   dout=None, seed: int = 0, rtol: float = RTOL,
                   atol: float = ATOL) -> BackwardReport:
    """Compare a hand-written backward pass with symdiff's gradient at these arguments.

    Args:
      forward: with ``backward=None``, a function returning ``(loss, grad...)`` (the CS231n
        convention); otherwise a forward returning ``(out..., cache)``. A layer object with
        ``forward`` and ``backward`` methods may be given instead (``backward=None``).
      backward: ``backward(dout..., cache)`` returning the gradients, or None.
      *args: the inputs; copied, so the functions may write into them.
      wrt: the arguments the gradients belong to (names or positions, in the order they
        are returned).
      dout: the upstream gradient (random normal by default, drawn with ``seed``).
      rtol, atol: the tolerances of the comparison.

    Returns:
      A ``BackwardReport``: ``.ok`` is True when every gradient agrees; ``str`` says, per
      gradient, OK or where it is wrong and a diagnosis ("sign flipped", "only the diagonal
      of the Jacobian"...); a notebook shows it as a table.

    Example:
      >>> import numpy as np
      >>> def loss(w):
      ...     return np.sum(w ** 2), -2 * w            # the sign of the gradient flipped
      >>> report = symdiff.check_backward(loss, None, np.array([1.0, -2.0]))
      >>> report.ok
      False
    """
    if backward is not None and not callable(backward):
        raise SymdiffError(f"the backward is a {type(backward).__name__}, not a function",
                           hint="check_backward(forward, backward, *args): pass None as the "
                                "backward when forward returns (loss, gradients...)")
    from .verify_layer import LayerCheck, layer_methods
    methods = layer_methods(forward, backward)
    if methods:
        return LayerCheck(*methods, _arrays(args), wrt, dout, seed, rtol, atol).report()
    return Check(forward, backward, _arrays(args), wrt, dout, seed, rtol, atol).report()


def _arrays(args: tuple) -> tuple:
    """Lists as arrays; float arrays in float64 (the comparison needs its precision)."""
    out = []
    for a in args:
        if isinstance(a, list):
            a = np.asarray(a)
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            a = a.astype(np.float64)
        out.append(a)
    return tuple(out)


def fresh(args: tuple) -> tuple:
    """Copies of the arguments: hand-written code may write into its inputs."""
    return tuple(copy.deepcopy(a) for a in args)


class Check:
    """One comparison: the user's functions, symdiff's compiled gradient, the results."""

    def __init__(self, forward, backward, args, wrt, dout, seed, rtol, atol, src=None):
        self.forward, self.backward, self.args = forward, backward, args
        self.rtol, self.atol = rtol, atol
        self.rng = np.random.default_rng(seed)
        self.src = src or source_of(forward)
        self.params = [a.arg for a in self.src.tree.args.args]
        if len(args) != len(self.params):
            raise SymdiffError(f"{forward.__name__} takes {len(self.params)} arguments "
                               f"({', '.join(self.params)}), got {len(args)}",
                               self.src.loc(self.src.tree),
                               hint="pass every argument of the forward function after "
                                    "the backward (None for a function returning its "
                                    "gradients)")
        self.modules = (self.src.scope.numpy | self.src.scope.math | self.src.scope.linalg |
                        set(self.src.scope.other_modules))
        if backward is None:
            self._run_loss()
        else:
            self._run_pair(dout)
        self.wrt = self._positions(wrt)
        self._run = None

    # ------------------------------------------------------------ the user's code

    def _run_loss(self) -> None:
        result = self.forward(*fresh(self.args))
        if not isinstance(result, tuple) or len(result) < 2:
            raise SymdiffError(f"{self.forward.__name__} returned {type(result).__name__}, "
                               "not (loss, gradients...)", self.src.loc(self.src.tree),
                               hint="return the loss and the hand-written gradients "
                                    "(`return loss, dW`), or pass the backward function")
        self.value, self.hand = result[0], list(result[1:])
        self.douts: tuple = ()
        self.names = _returned_names(self.src.tree, skip=1)
        self.tree = slicing.loss_slice(self.src.tree, self.modules, self.src.loc)

    def _run_pair(self, dout) -> None:
        outputs = self.outputs()
        result = self.forward(*fresh(self.args))
        result = result if isinstance(result, tuple) else (result,)
        if len(result) < outputs + 1:
            raise SymdiffError(f"{self.forward.__name__} returned {len(result)} values; "
                               f"{self.backward.__name__} takes {outputs} upstream "
                               "gradients and a cache", self.src.loc(self.src.tree),
                               hint="return the outputs, then the cache: `return out, cache`")
        outs, cache = result[:outputs], result[outputs]
        if dout is None:
            douts = tuple(self.rng.standard_normal(np.shape(o)) if np.ndim(o) else
                          float(self.rng.standard_normal()) for o in outs)
        else:
            douts = tuple(dout) if outputs > 1 else (dout,)
        self.douts = tuple(np.asarray(d, dtype=float) if np.ndim(d) else float(d)
                           for d in douts)
        self.value = sum(float(np.sum(np.asarray(o) * d)) for o, d in zip(outs, self.douts))
        hand = self.backward(*fresh(self.douts), cache)
        self.hand = list(hand) if isinstance(hand, tuple) else [hand]
        self.names = self.backward_names()
        numpy = next(iter(sorted(self.src.scope.numpy)), None)
        taken = set(self.params) | {n.id for n in ast.walk(self.src.tree)
                                    if isinstance(n, ast.Name)}
        self.seeds = [_fresh_name("dout" if outputs == 1 else f"dout_{k}", taken)
                      for k in range(outputs)]
        self.tree = slicing.vjp_slice(self.src.tree, outputs, self.seeds,
                                      [np.ndim(o) == 0 for o in outs], self.modules, numpy,
                                      self.src.loc)

    def outputs(self) -> int:
        """How many upstream gradients the backward takes (before the cache)."""
        return max(len(inspect.signature(self.backward).parameters) - 1, 1)

    def backward_names(self) -> list[str | None]:
        """What the backward calls the gradients it returns."""
        return _returned_names(source_of(self.backward).tree, skip=0)

    def hand_source(self):
        """The source of the hand-written backward (where its intermediates are named) and
        its code object (to watch them while it runs)."""
        fn = self.forward if self.backward is None else self.backward
        return (self.src if self.backward is None else source_of(fn)), fn.__code__

    def _positions(self, wrt) -> list[int]:
        """The argument each hand-written gradient belongs to."""
        count = len(self.hand)
        if wrt is not None:
            items = list(wrt) if isinstance(wrt, (tuple, list)) else [wrt]
            positions = [self.params.index(w) if isinstance(w, str) else int(w) for w in items]
        else:
            by_name = [_argument_of(n, self.params) for n in self.names]
            floats = [i for i, a in enumerate(self.args) if _is_float(a)]
            positions = by_name if len(by_name) == count and None not in by_name else \
                floats[:count]
        if len(positions) != count or any(not _is_float(self.args[i]) for i in positions):
            what = "returned" if self.backward is None else f"{self.backward.__name__} returned"
            raise SymdiffError(f"cannot tell which arguments the {count} gradients "
                               f"{what} belong to", self.src.loc(self.src.tree),
                               hint="name them d<argument> (dW for W), or pass "
                                    "wrt=(\"W\", ...) in the order they are returned")
        return positions

    # ------------------------------------------------------------ symdiff's gradient

    def compiled(self, tree: ast.FunctionDef, wrt: tuple[int, ...], values: tuple):
        """symdiff's value_and_grad of ``tree`` (the user's function, sliced), compiled for
        the shapes of ``values`` and called with copies of what it is given."""
        src = replace(self.src, tree=tree)
        params = [a.arg for a in tree.args.args]
        shapes = {p: np.shape(a) for p, a in zip(params, values)
                  if isinstance(a, (np.ndarray, float, int, np.number)) and not
                  isinstance(a, bool) and np.asarray(a).dtype != bool}
        text = pipeline.gradient_module([(src, wrt)], "", tuple_out=True, arg_shapes=shapes)
        namespace: dict[str, Any] = {}
        exec(compile(text, f"<symdiff verify of {self.src.name}>", "exec"), namespace)
        run = namespace[f"value_and_grad_{tree.name}"]
        return lambda given: run(*fresh(given))

    def gradient(self, args: tuple | None = None, douts: tuple | None = None) -> tuple:
        """symdiff's (value, gradients) at other arguments or upstream gradients."""
        if self._run is None:
            self._run = self.compiled(self.tree, tuple(self.wrt), self.args + self.douts)
        return self._run((self.args if args is None else args) +
                         (self.douts if douts is None else douts))

    def hand_written(self, args: tuple, douts: tuple | None = None) -> list:
        """The hand-written gradients at other arguments (or upstream gradients)."""
        if self.backward is None:
            return list(self.forward(*fresh(args))[1:])
        result = self.forward(*fresh(args))
        result = result if isinstance(result, tuple) else (result,)
        k = len(self.douts)
        hand = self.backward(*fresh(self.douts if douts is None else douts), result[k])
        return list(hand) if isinstance(hand, tuple) else [hand]

    def correct(self) -> list:
        """symdiff's gradients for ``self.wrt``, after checking that the sliced function
        computes the value the user's function returned."""
        value, grads = self.gradient()
        if not np.allclose(value, self.value, rtol=1e-9, atol=1e-12):
            what = "loss" if self.backward is None else "output"
            raise SymdiffError(f"cannot separate the {what} of {self.forward.__name__} from its "
                               f"backward pass: computed alone it is {float(value):.10g}, the "
                               f"function gives {float(self.value):.10g}",
                               self.src.loc(self.src.tree),
                               hint="compute the loss before the gradients, without writing "
                                    "into arrays the loss still reads")
        return list(grads)

    # ------------------------------------------------------------ report

    def report(self) -> BackwardReport:
        correct = self.correct()
        rows = []
        for k, (i, hand, want) in enumerate(zip(self.wrt, self.hand, correct)):
            name = self.names[k] if k < len(self.names) and self.names[k] else \
                "d" + self.params[i]
            rows.append(compare(name, self.params[i], hand, want, self.rtol, self.atol))
        report = BackwardReport(self.forward.__name__, getattr(self.backward, "__name__", None),
                        self.src.loc(self.src.tree), rows)
        if not report.ok:
            from . import verify_diagnose
            verify_diagnose.explain(self, report)
        return report

    def numerical(self, position: int, flat: int, eps: float = 1e-6) -> float:
        """Central difference of the loss (or of sum(out * dout)) at one element."""
        values = []
        for step in (eps, -eps):
            args = list(fresh(self.args))
            if isinstance(args[position], np.ndarray):
                args[position].reshape(-1)[flat] += step
            else:
                args[position] = args[position] + step
            values.append(self.scalar_of(self.forward(*args)))
        return (values[0] - values[1]) / (2 * eps)

    def scalar_of(self, result) -> float:
        """What the check differentiates, from one run of the forward function."""
        if self.backward is None:
            return float(result[0])
        outs = result if isinstance(result, tuple) else (result,)
        return sum(float(np.sum(np.asarray(o) * d)) for o, d in zip(outs, self.douts))


def _returned_names(tree: ast.FunctionDef, skip: int) -> list[str | None]:
    """The names in the last ``return`` of ``tree`` after the first ``skip`` values."""
    returns = [n for n in ast.walk(tree) if isinstance(n, ast.Return) and n.value is not None]
    if not returns:
        return []
    value = returns[-1].value
    items = value.elts if isinstance(value, ast.Tuple) else [value]
    return [n.id if isinstance(n, ast.Name) else None for n in items[skip:]]


def gradient_base(name: str) -> list[str]:
    """What ``name`` may be the gradient of: dW -> W, d_W -> W, grad_W -> W, W_grad -> W."""
    out = []
    for prefix in ("grad_", "d_", "d"):
        if name.startswith(prefix) and len(name) > len(prefix):
            out.append(name[len(prefix):])
    if name.endswith("_grad") and len(name) > 5:
        out.append(name[:-5])
    return out


def _argument_of(name: str | None, params: list[str]) -> int | None:
    if not name:
        return None
    for base in gradient_base(name):
        if base in params:
            return params.index(base)
        lowered = [p.lower() for p in params]
        if base.lower() in lowered and lowered.count(base.lower()) == 1:
            return lowered.index(base.lower())
    return None


def _is_float(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (float, np.floating)):
        return True
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def _fresh_name(stem: str, taken: set[str]) -> str:
    name, k = stem, 1
    while name in taken:
        name, k = f"{stem}_{k}", k + 1
    taken.add(name)
    return name

