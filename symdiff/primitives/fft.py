"""np.fft: the shifts and the transforms.

np.fft.fftshift and np.fft.ifftshift are real moves (a roll by half of each axis), each
the other's inverse, so the VJP of one is the other, on the same axes:

    fftshift    y = np.fft.fftshift(x, axes)     dx = np.fft.ifftshift(g, axes)
    ifftshift   y = np.fft.ifftshift(x, axes)    dx = np.fft.fftshift(g, axes)

The transforms take and give complex arrays. Every value of the IR is real, so the front
end carries a complex value as the pair of its real and imaginary parts
(``frontend.lower_complex``), and each transform is a real-linear map of pairs, one
primitive per part it gives:

    fft_part     (re, im) -> fftn(re + 1j im, s, axes, norm).real (or .imag); inverse=True
                 for ifftn. fft, fft2, ifft, ifft2 are fftn / ifftn on their axes.
    rfft_part    x -> rfftn(x, s, axes, norm).real (or .imag)
    irfft        (re, im) -> irfftn(re + 1j im, s, axes, norm), real

Each is linear, so its JVP is itself applied to the tangents. Its VJP is the adjoint map
for the real inner product <u, v> = Re(sum(conj(u) v)): with the upstream gradient taken
as the complex c = g (of a real part) or 1j g (of an imaginary part),

    fftn(norm)   dz = R^T ifftn(c, norm') (norm' the dual: backward <-> forward, ortho)
    ifftn(norm)  dz = R^T fftn(c, norm')
    rfftn        dx = R^T irfftn(c / w, norm'), w = 1 at frequency 0 (and n/2), 2 between
    irfftn       dz = R^T (w * rfftn(g, norm'))

where R is the cut or zero padding of the input to s, and R^T cuts or pads back to the
input's shape (``fft_adjoints``). np.fft.hfft(a) is irfft(conj(a)) and ihfft(x) is
conj(rfft(x)), each with the norm's direction swapped, as NumPy computes them.
"""
from __future__ import annotations

import ast

import numpy as np

from .fft_adjoints import jvp_pair, upstream
from ..ir import Const, Node
from .registry import LINEAR, Primitive, register

NORMS = (None, "backward", "ortho", "forward")
#: each shift and its inverse
INVERSE = {"fftshift": "ifftshift", "ifftshift": "fftshift"}
#: the norm of the adjoint of a transform with this norm
DUAL = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}
NUMBA = lambda n: f"np.fft (numba has no np.fft): {n.op}"  # noqa: E731


# ---------------------------------------------------------------- the shifts


def _lower_shift(ctx, e, hint, name, args, keywords):
    op = name.split(".")[-1]
    extra = set(keywords) - {"axes"}
    if extra or not args or len(args) > 2 or len(args) == 2 and "axes" in keywords:
        raise ctx.fail(f"np.{name} takes the array and axes here", e,
                       f"write np.{name}(x) or np.{name}(x, axes=(0, 1))")
    given = keywords.get("axes", args[1] if len(args) > 1 else Const(None))
    axes = ctx.static(given, e, "axes")
    if isinstance(axes, list):
        axes = tuple(axes)
    return ctx.emit(op, [ctx.array(args[0], e)], hint, axes=axes)


def vjp_shift(em, g, n: Node, i: int):
    return em.out(INVERSE[n.op], [g], axes=n.param("axes"))


def _print_shift(n, p):
    axes = n.param("axes")
    return p.np(f"fft.{n.op}", p.a, [("axes", p.literal(axes))] if axes is not None else [])


def _shift(op: str, maths: str) -> Primitive:
    return Primitive(op, "fft", maths, shape=lambda n, shapes, values: shapes[0],
                     vjp=vjp_shift, jvp=LINEAR, printer=_print_shift,
                     params=(("axes", "axis"),), spellings=(f"np.fft.{op}",),
                     lower=_lower_shift, keeps_shape_of=0,
                     numba_refuses=lambda n: f"np.fft.{n.op} (numba has no np.fft)")


# ---------------------------------------------------------------- shapes


def transformed_axes(ndim: int, axes) -> tuple:
    """The axes a transform works along, counted from 0 (None: all of them)."""
    return tuple(range(ndim)) if axes is None else tuple(a % ndim for a in axes)


def _resized(shape, s, axes):
    shape = list(shape)
    if s is not None:
        for a, size in zip(transformed_axes(len(shape), axes), s):
            shape[a] = size
    return shape


def _input_shape(shapes):
    return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))


def _fft_shape(n, shapes, values):
    return tuple(_resized(_input_shape(shapes), n.param("s"), n.param("axes")))


def _rfft_shape(n, shapes, values):
    shape = _resized(shapes[0], n.param("s"), n.param("axes"))
    last = transformed_axes(len(shape), n.param("axes"))[-1]
    shape[last] = shape[last] // 2 + 1
    return tuple(shape)


def _irfft_shape(n, shapes, values):
    shape = list(_input_shape(shapes))
    axes, s = transformed_axes(len(shape), n.param("axes")), n.param("s")
    last = axes[-1]
    shape[last] = 2 * (shape[last] - 1)
    return tuple(_resized(shape, s, n.param("axes")))


# ---------------------------------------------------------------- printing


def _is_zero(v) -> bool:
    return isinstance(v, Const) and v.name is None and v.value == 0


def complex_argument(n, p) -> ast.expr:
    """re + 1j * im, or re alone when im is 0, or 1j * im when re is."""
    re, im = n.args[0], n.args[1]
    imaginary = ast.BinOp(ast.Constant(1j), ast.Mult(), p.a[1])
    if _is_zero(im):
        return p.a[0]
    if _is_zero(re):
        return imaginary
    return ast.BinOp(p.a[0], ast.Add(), imaginary)


def transform_call(p, kind: str, argument, s, axes, norm) -> ast.expr:
    """np.fft.<kind>n(argument, s=, axes=, norm=) spelled as the 1-D or 2-D form when it
    is one, without the keywords at their defaults."""
    keywords, name = [], kind + "n"
    if axes is not None and len(axes) == 1:
        name = kind
        if s is not None:
            keywords.append(("n", p.literal(s[0])))
        if axes[0] != -1:
            keywords.append(("axis", p.literal(axes[0])))
    else:
        if axes == (-2, -1):
            name = kind + "2"
        if s is not None:
            keywords.append(("s", p.literal(tuple(s))))
        if axes is not None and axes != (-2, -1):
            keywords.append(("axes", p.literal(tuple(axes))))
    if norm not in (None, "backward"):
        keywords.append(("norm", p.literal(norm)))
    return p.np(f"fft.{name}", [argument], keywords)


def _part(call: ast.expr, part: str) -> ast.expr:
    return ast.Attribute(call, part, ast.Load())


def _print_fft(n, p):
    kind = "ifft" if n.param("inverse") else "fft"
    call = transform_call(p, kind, complex_argument(n, p), n.param("s"), n.param("axes"),
                          n.param("norm"))
    return _part(call, n.param("part"))


def _print_rfft(n, p):
    call = transform_call(p, "rfft", p.a[0], n.param("s"), n.param("axes"), n.param("norm"))
    return _part(call, n.param("part"))


def _print_irfft(n, p):
    return transform_call(p, "irfft", complex_argument(n, p), n.param("s"), n.param("axes"),
                          n.param("norm"))


# ---------------------------------------------------------------- derivatives


def resized_back(em, u, n: Node, out: bool):
    """R^T u: u cut or padded back to the shape of the input (re, im) of n, when n has s."""
    emit = em.out if out else em.tmp
    if n.param("s") is None:
        return u
    return emit("fft_resize", [u, n.args[0], n.args[1] if len(n.args) > 1 else Const(0.0)],
                axes=n.param("axes"))


def vjp_fft(em, g, n: Node, i: int):
    part = "real" if i == 0 else "imag"
    params = dict(inverse=not n.param("inverse"), part=part, s=None, axes=n.param("axes"),
                  norm=DUAL[n.param("norm")])
    emit = em.out if n.param("s") is None else em.tmp
    u = emit("fft_part", list(upstream(g, n.param("part"))), **params)
    return resized_back(em, u, n, True)


def vjp_rfft(em, g, n: Node, i: int):
    c = upstream(g, n.param("part"))
    emit = em.out if n.param("s") is None else em.tmp
    u = emit("rfft_adjoint", [*c, n.args[0]], s=n.param("s"), axes=n.param("axes"),
             norm=n.param("norm"))
    return resized_back(em, u, n, True)


def vjp_irfft(em, g, n: Node, i: int):
    part = "real" if i == 0 else "imag"
    emit = em.out if n.param("s") is None else em.tmp
    u = emit("irfft_adjoint", [g], part=part, s=n.param("s"), axes=n.param("axes"),
             norm=n.param("norm"))
    return resized_back(em, u, n, True)


def _lower_transform(ctx, e, hint, name, args, keywords):
    from ..frontend.lower_complex import lower_transform
    return lower_transform(ctx, e, hint, name.split(".")[-1], args, keywords)


def _spelled(*names) -> tuple:
    return tuple(f"np.fft.{t}" for t in names)


PARAMS = (("s", "shape"), ("axes", "shape"), ("norm", "name"))

register(
    _shift("fftshift", "x rolled by half of each axis: the zero frequency to the centre"),
    _shift("ifftshift", "x rolled back by half of each axis: fftshift undone"),
    Primitive("fft_part", "fft", "the real (or imaginary) part of fftn(re + 1j im) "
              "(ifftn if inverse)", shape=_fft_shape, vjp=vjp_fft, jvp=jvp_pair,
              printer=_print_fft, params=(("inverse", "bool"), ("part", "str")) + PARAMS,
              numba_refuses=NUMBA, lower=_lower_transform,
              spellings=_spelled("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn")),
    Primitive("rfft_part", "fft", "the real (or imaginary) part of rfftn(x)",
              shape=_rfft_shape, vjp=vjp_rfft, jvp=LINEAR, printer=_print_rfft,
              params=(("part", "str"),) + PARAMS, numba_refuses=NUMBA, lower=_lower_transform,
              spellings=_spelled("rfft", "rfft2", "rfftn", "ihfft")),
    Primitive("irfft", "fft", "irfftn(re + 1j im): the real signal of a half spectrum",
              shape=_irfft_shape, vjp=vjp_irfft, jvp=jvp_pair, printer=_print_irfft,
              params=PARAMS, numba_refuses=NUMBA, lower=_lower_transform,
              spellings=_spelled("irfft", "irfft2", "irfftn", "hfft")),
)

