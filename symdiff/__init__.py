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

Pipeline (one module per stage): parse -> fence -> lower -> fuse -> reverse (rules) or
forward (tangents) -> optimize -> codegen. See ``symdiff.pipeline``. Beyond gradients:
``jvp`` (forward mode), ``jacobian``, ``hessian`` and ``hvp``.
"""
from .api import Gradient, grad, value_and_grad
from .check import KinkWarning, check_grad
from .derivatives import hessian, hvp, jacobian, jvp
from .errors import GradientCheckError, SymdiffError
from .explain import Explanation, explain
from .graph import Graph, graph

__all__ = ["grad", "value_and_grad", "check_grad", "SymdiffError", "GradientCheckError",
           "KinkWarning", "Gradient", "jvp", "jacobian", "hessian", "hvp", "explain",
           "Explanation", "graph", "Graph"]
__version__ = "0.1.0"
