"""np.fft: the shifts and the transforms.

np.fft.fftshift and np.fft.ifftshift are real moves (a roll by half of each axis), each
the other's inverse, so the VJP of one is the other, on the same axes:

    fftshift    y = np.fft.fftshift(x, axes)     dx = np.fft.ifftshift(g, axes)
    ifftshift   y = np.fft.ifftshift(x, axes)    dx = np.fft.fftshift(g, axes)

The transforms return complex arrays, which symdiff does not differentiate (every value of
a differentiated program is real). Each spelling is refused where it is called, saying why
and what to write instead: a real loss of a transform (the power spectrum
``np.abs(np.fft.fft(x))**2``) written with the real DFT matrices
``C = np.cos(2 pi k n / N)`` and ``S = np.sin(2 pi k n / N)``, so that
``Re = C @ x``, ``Im = -S @ x``.
"""
from __future__ import annotations

from ..ir import Const, Node
from .registry import LINEAR, Composition, Primitive, compose, register

TRANSFORMS = ("fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "fftn", "ifftn", "rfft2",
              "irfft2", "rfftn", "irfftn", "hfft", "ihfft")
HINT = ("write the transform with real matrices: k = np.arange(N); "
        "C = np.cos(2 * np.pi * np.outer(k, k) / N); S = np.sin(2 * np.pi * np.outer(k, k) / N); "
        "then np.fft.fft(x) is C @ x - 1j * (S @ x), and np.abs(np.fft.fft(x))**2 is "
        "(C @ x)**2 + (S @ x)**2")

#: each shift and its inverse
INVERSE = {"fftshift": "ifftshift", "ifftshift": "fftshift"}


def _refuse(ctx, e, hint, name, args, keywords):
    raise ctx.fail(f"np.{name} returns complex numbers, which symdiff does not differentiate",
                   e, HINT)


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


register(
    _shift("fftshift", "x rolled by half of each axis: the zero frequency to the centre"),
    _shift("ifftshift", "x rolled back by half of each axis: fftshift undone"),
)
compose(*[Composition(f"fft.{t}", "a complex discrete Fourier transform (refused)", _refuse,
                      spellings=(f"np.fft.{t}",)) for t in TRANSFORMS])
