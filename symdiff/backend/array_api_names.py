"""The names of the array API standard: which NumPy functions it spells the same, which
otherwise, which parameters it takes by keyword only, and which helpers stand in for
what it lacks. ``array_api`` translates printed NumPy code with these tables."""
from __future__ import annotations

#: NumPy functions spelled the same in the array API standard (2023.12 and later).
SAME = frozenset("""
abs acosh add all any arange argmax argmin argsort asinh broadcast_arrays broadcast_to ceil
clip conj copysign cos cosh divide empty empty_like equal exp expm1 expand_dims eye flip
floor floor_divide full full_like greater greater_equal hypot isfinite isinf isnan less
less_equal linspace log log10 log1p log2 logaddexp logical_and logical_not logical_or
logical_xor matmul max maximum mean meshgrid min minimum moveaxis multiply negative
nonzero not_equal ones ones_like positive prod remainder repeat reshape roll round sign
signbit sin sinh sort sqrt square squeeze stack subtract sum tan tanh tile
tril triu trunc where zeros_like searchsorted
""".split())

#: NumPy functions the standard spells otherwise.
RENAMED = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2",
           "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "power": "pow",
           "absolute": "abs", "concatenate": "concat", "cumsum": "cumulative_sum",
           "transpose": "permute_dims", "true_divide": "divide", "amax": "max",
           "amin": "min", "fabs": "abs"}

#: Functions whose later parameters the standard takes by keyword only: how many it takes
#: by position, then the names of the rest in NumPy's order (``np.repeat(x, 2, 0)`` is
#: ``xp.repeat(x, 2, axis=0)``).
KEYWORD_ONLY = {"expand_dims": (1, ("axis",)), "repeat": (2, ("axis",)),
                "flip": (1, ("axis",)), "roll": (2, ("axis",)), "tril": (1, ("k",)),
                "triu": (1, ("k",)), "argmax": (1, ("axis",)), "argmin": (1, ("axis",)),
                "sort": (1, ("axis",)), "argsort": (1, ("axis",)), "squeeze": (1, ("axis",)),
                "sum": (1, ("axis",)), "prod": (1, ("axis",)), "mean": (1, ("axis",)),
                "max": (1, ("axis",)), "min": (1, ("axis",)), "cumsum": (1, ("axis",)),
                "concatenate": (1, ("axis",)), "stack": (1, ("axis",))}

#: The standard's linear-algebra extension (``xp.linalg``).
LINALG = frozenset("cholesky det eigh eigvalsh inv slogdet solve svd qr pinv".split())

#: NumPy constants and dtypes, which the standard names too.
CONSTANTS = frozenset("pi e inf nan newaxis float64 float32 int64 int32 int8 int16 uint8 "
                      "bool complex128 complex64".split())
DTYPES = {"float64": "float64", "float32": "float32", "int64": "int64", "int32": "int32",
          "bool_": "bool", "float_": "float64", "intp": "int64"}

#: Helpers the translation calls (``array_api_helpers.SHIMS`` holds their source).
SHIM_CALLS = {"add.at": "scatter_add", "einsum": "einsum", "dot": "dot", "outer": "outer",
              "multiply.outer": "multiply_outer", "swapaxes": "swapaxes",
              "broadcast_shapes": "broadcast_shapes", "tensordot": "tensordot",
              "isclose": "isclose"}
