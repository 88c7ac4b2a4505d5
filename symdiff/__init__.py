"""symdiff: a source-to-source differentiation compiler for plain Python/NumPy functions.

    import symdiff

    @symdiff.grad
    def f(x, y, z):
        q = x + y
        return q * z

    f(-2.0, 5.0, -4.0)        # -4.0
    print(f.source)           # the generated gradient, readable Python

    print(symdiff.explain(f, -2.0, 5.0, -4.0))     # backprop worked out, node by node
    symdiff.graph(f, -2.0, 5.0, -4.0).save("f.svg")  # the computational graph
    symdiff.check_backward(loss, None, W, X, y)      # is a hand-written (loss, dW) right?

Pipeline (one package per stage): ``frontend`` (parse, fence, desugar, lower) -> ``ir`` ->
``ad`` (reverse with the rules of ``primitives``, or forward) -> ``optimize`` -> ``backend``
(codegen, numba); ``teach`` explains it all. See ``symdiff.pipeline``. Beyond gradients:
``jvp`` (forward mode), ``jacobian``, ``hessian`` and ``hvp``.
"""
from .api import Gradient
from .transforms import grad, value_and_grad
from .check import KinkWarning, check_grad
from .conventions import custom_jvp, custom_vjp, stop_gradient
from .derivatives import jacobian, jvp, vjp
from .second_order import hessian, hvp
from .errors import GradientCheckError, SymdiffError

__all__ = ["grad", "value_and_grad", "check_grad", "SymdiffError", "GradientCheckError",
           "KinkWarning", "Gradient", "jvp", "vjp", "stop_gradient", "custom_jvp", "custom_vjp",
           "jacobian", "hessian", "hvp", "explain", "Explanation", "graph", "Graph",
           "check_backward", "BackwardReport"]
__version__ = "0.1.0"

#: public names of the teaching modules, imported on first use: ``import symdiff`` alone
#: loads the compiler, not the teaching code
_TEACHING = {"explain": "explain", "Explanation": "explain", "graph": "graph", "Graph": "graph",
             "check_backward": "verify", "BackwardReport": "verify_report"}


def __getattr__(name):
    if name in _TEACHING:
        import importlib
        return getattr(importlib.import_module(f".teach.{_TEACHING[name]}", __name__), name)
    raise AttributeError(f"module 'symdiff' has no attribute {name!r}")


def __dir__():
    return sorted(__all__ + ["__version__"])
