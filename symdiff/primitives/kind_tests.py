"""Kind tests: ``isinstance(x, np.ndarray)``, ``type(x) is float``, ``hasattr(x, "shape")``,
``np.isscalar(x)`` of a number or an array.

Their answer depends on what kind of value x is (a Python float, a NumPy scalar, an
array), which a specialization knows and the shape-generic program does not. They never
reach generated code: ``optimize.kind_folding`` replaces each by its answer where the
argument kinds are known, and refuses, at the test, where they are not.

    kind_test(x, test="isinstance", types=("numpy.ndarray",))
"""
from __future__ import annotations

from .registry import NO_DERIVATIVE, Primitive, register


def _scalar(n, shapes, values):
    return ()


def _unprinted(n, p):
    raise AssertionError(f"kind_test of {n.out.name} reached code generation unfolded")


register(
    Primitive("kind_test", "bookkeeping", "whether x is of a kind (a bool known when the "
              "argument kinds are)", shape=_scalar, partial_shapes=True, vjp=NO_DERIVATIVE,
              jvp=NO_DERIVATIVE, printer=_unprinted, integer_valued=True, shape_only=True,
              params=(("test", "str"), ("types", "names"), ("attr", "name"))),
)
