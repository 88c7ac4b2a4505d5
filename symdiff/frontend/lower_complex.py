"""Complex values, lowered as pairs of real values: the IR stays real.

A complex temporary of the user's code (what np.fft.fft gives, ``x + 1j * y``) is a
``Pair``: the IR values of its real and imaginary parts. Every operation on pairs is
written with real primitives, so the rules, forward mode, second order and the optimizer
need nothing new:

    z + w, z - w, -z      the parts added, subtracted, negated
    z * w                 (a c - b d) + 1j (a d + b c)        z = a + 1j b, w = c + 1j d
    z / w                 ((a c + b d) + 1j (b c - a d)) / (c**2 + d**2)
    z ** k                z * z * ... (a constant integer k >= 1)
    np.conj(z)            a - 1j b
    z.real, z.imag        a, b (np.real, np.imag)
    np.abs(z)             sqrt(a**2 + b**2)            (abs'(0) = 0, as for a real x)
    np.angle(z)           arctan2(b, a)
    np.sum, np.mean ...   of each part (the real-linear functions of ``LINEAR``), z[i] too
    np.fft.<transform>    the primitives of ``primitives.fft``

A pair is never a value of the IR: returned, compared, passed to another function,
carried by a loop or a branch, it is refused where that happens, saying to take a real
part first. ``np.real(x)`` of a real x keeps its meaning (x itself).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

import sympy

from ..errors import SymdiffError
from ..ir import TMP, Const, Temporary, Var

#: NumPy functions linear over the reals, applied to each part: f(a + 1j b) = f(a) + 1j f(b)
LINEAR = ("sum", "mean", "reshape", "ravel", "transpose", "roll", "flip", "cumsum", "diff",
          "fft.fftshift", "fft.ifftshift", "squeeze", "expand_dims", "moveaxis", "swapaxes")
#: Array methods on pairs, and the NumPy function each is
METHODS = {"conj": "conj", "conjugate": "conj", "sum": "sum", "mean": "mean",
           "reshape": "reshape", "ravel": "ravel", "flatten": "ravel", "transpose": "transpose",
           "copy": "copy", "squeeze": "squeeze"}
SUPPORTED = ("+, -, *, /, ** k, np.conj, .real, .imag, np.real, np.imag, np.abs, np.angle, "
             "np.sum, np.mean, indexing and np.fft")
INSTEAD = "take a real value of it first: np.abs(z), np.abs(z) ** 2, z.real or z.imag"
NOT_MINE = object()


@dataclass(frozen=True)
class Pair:
    """A complex value as its real and imaginary parts (each a Var or a Const).

    ``full``: both parts are arrays of the value's own shape (a Const part, or a part
    smaller than the other, stands for its broadcast to that shape otherwise)."""

    re: Var | Const
    im: Var | Const
    full: bool = False


def involved(*values) -> bool:
    return any(isinstance(v, Pair) or isinstance(v, Const) and isinstance(v.value, complex)
               for v in values)


def literal(value: complex) -> Pair:
    return Pair(Const(float(value.real)), Const(float(value.imag)))


def escaped(src, at: ast.AST, what: str = "this value is complex") -> SymdiffError:
    """The error for a complex value that leaves the operations on pairs."""
    return SymdiffError(f"{what}; symdiff differentiates complex values only through "
                        f"{SUPPORTED}", src.loc(at), hint=INSTEAD)


def _names(hint):
    if isinstance(hint, Temporary) or not isinstance(hint, str):
        return TMP, TMP
    return f"{hint}_re", f"{hint}_im"


def _as_pair(v) -> Pair:
    if isinstance(v, Pair):
        return v
    if isinstance(v, Const) and isinstance(v.value, complex):
        return literal(v.value)
    return Pair(v, Const(0.0), full=isinstance(v, Const) and not isinstance(v.value, tuple))


def full(ctx, z: Pair) -> tuple:
    """The two parts as arrays of the same shape (a Const part broadcast to the other's)."""
    re, im = z.re, z.im
    if z.full and isinstance(re, Var) and isinstance(im, Var) or \
            isinstance(re, Const) and isinstance(im, Const):
        return re, im
    if isinstance(im, Const) or isinstance(re, Const):
        var = re if isinstance(re, Var) else im
        shape = ctx.emit("shape", [var], TMP, style="np")
        spread = ctx.emit("broadcast_to", [im if var is re else re, shape], TMP)
        return (re, spread) if var is re else (spread, im)
    both = ctx.ew(lambda a, b: a + b, [re, im], TMP)
    shape = ctx.emit("shape", [both], TMP, style="np")
    return tuple(ctx.emit("broadcast_to", [v, shape], TMP) for v in (re, im))


# ---------------------------------------------------------------- arithmetic


def binop(ctx, e: ast.BinOp, left, right, hint) -> Pair:
    if isinstance(e.op, ast.Pow):
        return _power(ctx, e, left, right, hint)
    scaled = isinstance(e.op, (ast.Mult, ast.Div))
    operands = []
    for value, at in ((left, e.left), (right, e.right)):
        if not involved(value):             # a real operand: as full as the pair when it
            value = ctx.array(value, at)    # scales it, or when it is one number
            value = Pair(value, Const(0.0), scaled or isinstance(value, Const))
        operands.append(_as_pair(value))
    z, w = operands
    hre, him = _names(hint)
    a, b, c, d = z.re, z.im, w.re, w.im
    if isinstance(e.op, (ast.Add, ast.Sub)):
        sign = 1 if isinstance(e.op, ast.Add) else -1
        re = ctx.ew(lambda p, q: p + sign * q, [a, c], hre, lib="")
        im = ctx.ew(lambda p, q: p + sign * q, [b, d], him, lib="")
        return Pair(re, im, z.full and w.full)
    if isinstance(e.op, ast.Mult):
        re = ctx.ew(lambda p, q, r, s: p * r - q * s, [a, b, c, d], hre, lib="")
        im = ctx.ew(lambda p, q, r, s: p * s + q * r, [a, b, c, d], him, lib="")
        return Pair(re, im, z.full and w.full)
    if isinstance(e.op, ast.Div):
        re = ctx.ew(lambda p, q, r, s: (p * r + q * s) / (r ** 2 + s ** 2), [a, b, c, d], hre,
                    lib="")
        im = ctx.ew(lambda p, q, r, s: (q * r - p * s) / (r ** 2 + s ** 2), [a, b, c, d], him,
                    lib="")
        return Pair(re, im, z.full and w.full)
    raise escaped(ctx.src, e, f"operator {type(e.op).__name__} of a complex value is not "
                              "supported")


def _power(ctx, e, left, right, hint) -> Pair:
    k = right.value if isinstance(right, Const) and not involved(right) else None
    if not isinstance(left, Pair) or not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise escaped(ctx.src, e, "a complex value raised to a power other than a constant "
                                  "integer k >= 1 is not supported")
    product = ast.copy_location(ast.BinOp(e.left, ast.Mult(), e.left), e)
    result = left
    for j in range(1, k):
        result = binop(ctx, product, result, left, hint if j == k - 1 else TMP)
    return result


def unaryop(ctx, e: ast.UnaryOp, z, hint) -> Pair:
    if isinstance(e.op, ast.UAdd):
        return _as_pair(z)
    if not isinstance(e.op, ast.USub):
        raise escaped(ctx.src, e, f"operator {type(e.op).__name__} of a complex value is not "
                                  "supported")
    z = _as_pair(z)
    hre, him = _names(hint)
    return Pair(ctx.ew(lambda v: -v, [z.re], hre, lib=""),
                ctx.ew(lambda v: -v, [z.im], him, lib=""), z.full)


def _conj(ctx, z: Pair, hint) -> Pair:
    return Pair(z.re, ctx.ew(lambda v: -v, [z.im], _names(hint)[1], lib=""), z.full)


def _abs(ctx, z: Pair, hint):
    """sqrt(a**2 + b**2); at z = 0 its gradient is the subgradient 0 (as abs'(0) = 0)."""
    squares = ctx.ew(lambda a, b: a ** 2 + b ** 2, [z.re, z.im], TMP)
    positive = ctx.emit("compare", [squares, Const(0)], TMP, symbol=">")
    guarded = ctx.emit("where", [positive, squares, Const(0.0)], TMP)
    return ctx.ew(sympy.sqrt, [guarded], hint)


# ---------------------------------------------------------------- attributes, indexing, calls


def attribute(ctx, e: ast.Attribute, z: Pair, hint):
    if e.attr in ("real", "imag"):
        return full(ctx, z)[e.attr == "imag"]
    raise escaped(ctx.src, e, f"`.{e.attr}` of a complex value is not supported")


def _part_name(ctx, value, at) -> ast.Name:
    name = ast.Name(ctx.bind(value, at), ast.Load())
    return ast.copy_location(name, at)


def subscript(ctx, e: ast.Subscript, z: Pair, hint) -> Pair:
    """z[i]: each part indexed the same way."""
    parts = []
    for part, name in zip(full(ctx, z), _names(hint)):
        indexed = ast.copy_location(ast.Subscript(_part_name(ctx, part, e.value), e.slice,
                                                  ast.Load()), e)
        parts.append(ctx.lower(indexed, name))
    return Pair(*parts, full=True)


def numpy(ctx, e: ast.Call, hint, name: str, args: list, keywords: dict):
    """np.<name>(...) with a complex argument; NOT_MINE for the transforms."""
    if name.startswith("fft.") and name not in LINEAR:
        return NOT_MINE
    pairs = [k for k, a in enumerate(args) if isinstance(a, Pair)]
    if [v for v in dict.values(keywords) if isinstance(v, Pair)] or pairs != [0]:
        raise escaped(ctx.src, e, f"np.{name} of a complex value is supported for its first "
                                  "argument only")
    z = args[0]
    if name in ("real", "imag") and len(args) == 1 and not keywords:
        return full(ctx, z)[name == "imag"]
    if name in ("conj", "conjugate") and len(args) == 1 and not keywords:
        return _conj(ctx, z, hint)
    if name in ("abs", "absolute") and len(args) == 1 and not keywords:
        return _abs(ctx, z, hint)
    if name == "angle" and len(args) == 1 and not keywords:
        return ctx.ew(lambda a, b: sympy.atan2(b, a), [z.re, z.im], hint)
    if name == "copy" and len(args) == 1 and not keywords:
        return z
    if name in LINEAR:
        return _linear(ctx, e, hint, name, z, args[1:], keywords)
    raise escaped(ctx.src, e, f"np.{name} of a complex value is not supported")


def _linear(ctx, e, hint, name, z: Pair, rest, keywords) -> Pair:
    from .lower_calls import _numpy
    parts = []
    for part, part_hint in zip(full(ctx, z), _names(hint)):
        parts.append(_numpy(ctx, e, part_hint, name, [part, *rest], dict(keywords)))
    return Pair(*parts, full=True)


def method(ctx, e: ast.Call, z: Pair, hint, args: list, keywords: dict):
    name = METHODS.get(e.func.attr)
    if name is None:
        raise escaped(ctx.src, e.func, f"method `.{e.func.attr}()` of a complex value is not "
                                       "supported")
    if name in ("reshape", "transpose") and len(args) > 1:
        from .env import Tup
        args = [Tup(tuple(args))]
    return numpy(ctx, e, hint, name, [z, *args], keywords)


# ---------------------------------------------------------------- the transforms


#: each transform: its kind of primitive, inverse (for hfft and ihfft: Hermitian), the
#: names of its size (n or s) and axes keywords, and its default axes
TRANSFORMS = {
    "fft": ("fft_part", False, "n", "axis", (-1,)),
    "ifft": ("fft_part", True, "n", "axis", (-1,)),
    "fft2": ("fft_part", False, "s", "axes", (-2, -1)),
    "ifft2": ("fft_part", True, "s", "axes", (-2, -1)),
    "fftn": ("fft_part", False, "s", "axes", None),
    "ifftn": ("fft_part", True, "s", "axes", None),
    "rfft": ("rfft_part", False, "n", "axis", (-1,)),
    "rfft2": ("rfft_part", False, "s", "axes", (-2, -1)),
    "rfftn": ("rfft_part", False, "s", "axes", None),
    "irfft": ("irfft", False, "n", "axis", (-1,)),
    "irfft2": ("irfft", False, "s", "axes", (-2, -1)),
    "irfftn": ("irfft", False, "s", "axes", None),
    "hfft": ("irfft", True, "n", "axis", (-1,)),
    "ihfft": ("rfft_part", True, "n", "axis", (-1,)),
}
#: hfft(a, norm) is irfft(conj(a), norm swapped); ihfft(x, norm) is conj(rfft(x, norm swapped))
SWAPPED = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}
NORMS = (None, "backward", "ortho", "forward")


def _option(ctx, e, args, keywords, position, name, default):
    if len(args) > position and name in keywords:
        raise ctx.fail(f"np.fft: {name} is given twice", e)
    value = args[position] if len(args) > position else keywords.get(name, Const(default))
    return ctx.static(value, e, name)


def _settings(ctx, e, name, args, keywords):
    """(s, axes, norm) of a call, as np.fft.<name>n reads them: static, checked."""
    op, inverse, size_name, axes_name, default = TRANSFORMS[name]
    if len(args) > 4:
        raise ctx.fail(f"np.fft.{name} takes the array, {size_name}, {axes_name} and norm", e)
    size = _option(ctx, e, args, keywords, 1, size_name, None)
    axes = _option(ctx, e, args, keywords, 2, axes_name, default)
    norm = _option(ctx, e, args, keywords, 3, "norm", None)
    if size_name == "n":
        if size is not None and not (isinstance(size, int) and size > 0):
            raise ctx.fail(f"np.fft.{name} needs n as a positive integer constant", e)
        s = None if size is None else (size,)
        axes = axes if isinstance(axes, tuple) else (axes,)
    else:
        s = None if size is None else tuple(size) if isinstance(size, (tuple, list)) else (size,)
    if isinstance(axes, list):
        axes = tuple(axes)
    if not (axes is None or isinstance(axes, tuple) and axes and
            all(isinstance(a, int) and not isinstance(a, bool) for a in axes)):
        raise ctx.fail(f"np.fft.{name} needs constant integer axes", e,
                       f"write {axes_name} as a literal, e.g. {axes_name}=-1")
    if s is not None and not all(isinstance(k, int) and k > 0 for k in s):
        raise ctx.fail(f"np.fft.{name} needs constant positive sizes", e)
    if s is not None and axes is None:
        axes = tuple(range(-len(s), 0))          # NumPy: s alone transforms the last axes
    if s is not None and len(s) != len(axes):
        raise ctx.fail(f"np.fft.{name}: s and axes have different lengths", e)
    if norm not in NORMS:
        raise ctx.fail(f"np.fft.{name}: norm must be 'backward', 'ortho' or 'forward'", e)
    return op, inverse, s, axes, norm


def lower_transform(ctx, e, hint, name, args, keywords):
    """np.fft.<name>(x, ...) of a real x or a pair: one primitive per part it gives."""
    if not args:
        raise ctx.fail(f"np.fft.{name} needs an array", e)
    op, inverse, s, axes, norm = _settings(ctx, e, name, args, keywords)
    x = args[0]
    if op == "rfft_part" and isinstance(x, Pair):
        raise escaped(ctx.src, e, f"np.fft.{name} takes a real array, and this one is complex")
    z = _as_pair(x) if isinstance(x, Pair) else Pair(ctx.array(x, e), Const(0.0))
    if isinstance(z.im, Const) and z.im.value == 0:
        re, im = z.re, Const(0.0)
    else:
        re, im = full(ctx, z)
    hre, him = _names(hint)
    hermitian = inverse and op != "fft_part"
    settings = dict(s=s, axes=axes, norm=SWAPPED[norm] if hermitian else norm)
    if op == "irfft":
        if hermitian and not isinstance(im, Const):
            im = ctx.ew(lambda v: -v, [im], TMP, lib="")
        return ctx.emit("irfft", [re, im], hint, **settings)
    if op == "rfft_part":
        z = Pair(*[ctx.emit("rfft_part", [re], h, part=part, **settings)
                   for part, h in (("real", hre), ("imag", him))], full=True)
        return _conj(ctx, z, hint) if hermitian else z
    return Pair(*[ctx.emit("fft_part", [re, im], h, inverse=inverse, part=part, **settings)
                  for part, h in (("real", hre), ("imag", him))], full=True)
