"""The adjoints of the Fourier transforms (``fft``): what their VJPs are written with.

    fft_resize     u cut, or padded with zeros at the end, along the transformed axes to
                   the shape of re + 1j im: R^T, the adjoint of a transform's own cut or
                   padding of its input to s= (which is the same kind of resize)
    rfft_adjoint   (c_re, c_im) -> irfftn((c_re + 1j c_im) / w, sizes, norm'), w = 1 at
                   frequency 0 (and n/2 for an even n), 2 between: the adjoint of rfftn
                   on an input of those sizes (Re ifftn of the zero-padded spectrum)
    irfft_adjoint  g -> (w * rfftn(g, norm')).real (or .imag): the adjoint of irfftn, whose
                   input's frequencies between 0 and n/2 stand for two of the full spectrum

Each is linear, so its JVP is itself; the adjoint of an adjoint is the transform itself.
Sizes come from the arrays when the code runs, so the generated code is shape-generic.
"""
from __future__ import annotations

import ast

from ..ir import Const, Node
from .registry import LINEAR, Primitive, register

_AXES = '''    ndim = np.ndim({like})
    axes = tuple(range(ndim)) if axes is None else tuple(a % ndim for a in axes)
'''
_SIZES = '''    sizes = tuple(np.shape(x)[a] for a in axes) if s is None else tuple(s)
'''
_DUAL = '''    dual = {"forward": "backward", "ortho": "ortho"}.get(norm, "forward")
'''
#: the weights of rfft's n // 2 + 1 frequencies (1 at 0 and at n/2, 2 between), shaped to
#: lie along the last transformed axis
_HALVES = '''    w = np.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    along = [1] * ndim
    along[axes[-1]] = n // 2 + 1
'''

FFT_RESIZE = '''def fft_resize(u, re, im, axes):
    """u cut, or padded with zeros at the end, along axes to the shape of re + 1j * im."""
    shape = np.broadcast_shapes(np.shape(re), np.shape(im))
''' + _AXES.format(like="u") + '''    for a in axes:
        u = u[(slice(None),) * a + (slice(0, shape[a]),)]
        if u.shape[a] < shape[a]:
            widths = [(0, 0)] * ndim
            widths[a] = (0, shape[a] - u.shape[a])
            u = np.pad(u, widths)
    return u
'''

RFFT_ADJOINT = '''def rfft_adjoint(c_re, c_im, x, s, axes, norm):
    """The adjoint of x -> np.fft.rfftn(x, s, axes, norm) (before its resize of x), at
    c_re + 1j * c_im: the frequencies between 0 and n/2 count half."""
''' + _AXES.format(like="x") + _DUAL + _SIZES + '''    n = sizes[-1]
''' + _HALVES + '''    c = (c_re + 1j * np.asarray(c_im)) / w.reshape(along)
    return np.fft.irfftn(c, s=sizes, axes=axes, norm=dual)
'''

IRFFT_ADJOINT = '''def irfft_adjoint(g, part, axes, norm):
    """The adjoint of z -> np.fft.irfftn(z, s, axes, norm) (before its resize of z), at g:
    the part of w * rfftn(g), the frequencies between 0 and n/2 counted twice."""
''' + _AXES.format(like="g") + _DUAL + '''    n = np.shape(g)[axes[-1]]
''' + _HALVES + '''    z = np.fft.rfftn(g, axes=axes, norm=dual) * w.reshape(along)
    return z.real if part == "real" else z.imag
'''


def _transformed(ndim, axes):
    return tuple(range(ndim)) if axes is None else tuple(a % ndim for a in axes)


def _broadcast(shapes):
    import numpy as np
    return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))


def _resize_shape(n, shapes, values):
    return _broadcast(shapes[1:])


def _rfft_adjoint_shape(n, shapes, values):
    shape, s = list(shapes[2]), n.param("s")
    if s is not None:
        for a, size in zip(_transformed(len(shape), n.param("axes")), s):
            shape[a] = size
    return tuple(shape)


def _irfft_adjoint_shape(n, shapes, values):
    shape = list(shapes[0])
    last = _transformed(len(shape), n.param("axes"))[-1]
    shape[last] = shape[last] // 2 + 1
    return tuple(shape)


def upstream(g, part: str):
    """The complex upstream gradient as a pair: g of a real part, 1j g of an imaginary."""
    return (g, Const(0.0)) if part == "real" else (Const(0.0), g)


def jvp_pair(em, n: Node, ts):
    """A map linear in its two arguments together: itself applied to their tangents."""
    if all(t is None for t in ts[:2]):
        return None
    args = [t if t is not None else Const(0.0) for t in ts[:2]] + list(n.args[2:])
    return em.out(n.op, args, **dict(n.params))


def vjp_resize(em, g, n: Node, i: int):
    if i != 0:
        return None
    return em.out("fft_resize", [g, n.args[0], Const(0.0)], axes=n.param("axes"))


def vjp_rfft_adjoint(em, g, n: Node, i: int):
    if i == 2:
        return None
    return em.out("rfft_part", [g], part="real" if i == 0 else "imag", s=None,
                  axes=n.param("axes"), norm=n.param("norm"))


def vjp_irfft_adjoint(em, g, n: Node, i: int):
    return em.out("irfft", list(upstream(g, n.param("part"))), s=n.param("s"),
                  axes=n.param("axes"), norm=n.param("norm"))


def _literals(n, p, names):
    return [p.literal(n.param(k)) if n.param(k) is not None else ast.Constant(None)
            for k in names]


NUMBA = lambda n: f"np.fft (numba has no np.fft): {n.op}"  # noqa: E731
TRANSFORM = (("s", "shape"), ("axes", "shape"), ("norm", "name"))

register(
    Primitive("fft_resize", "internal", "u cut or zero-padded along axes to re's shape",
              shape=_resize_shape, vjp=vjp_resize, jvp=LINEAR, params=(("axes", "shape"),),
              printer=lambda n, p: p.helper("fft_resize", p.a + _literals(n, p, ["axes"])),
              helper="fft_resize", helper_source=FFT_RESIZE, gradient_args=lambda n: (0,),
              numba_refuses=NUMBA),
    Primitive("rfft_adjoint", "internal", "the adjoint of rfftn at c_re + 1j c_im",
              shape=_rfft_adjoint_shape, vjp=vjp_rfft_adjoint, jvp=jvp_pair, params=TRANSFORM,
              printer=lambda n, p: p.helper("rfft_adjoint", p.a + _literals(
                  n, p, ["s", "axes", "norm"])),
              helper="rfft_adjoint", helper_source=RFFT_ADJOINT,
              gradient_args=lambda n: (0, 1), numba_refuses=NUMBA),
    Primitive("irfft_adjoint", "internal", "the part of the adjoint of irfftn at g",
              shape=_irfft_adjoint_shape, vjp=vjp_irfft_adjoint, jvp=LINEAR,
              params=(("part", "str"),) + TRANSFORM,
              printer=lambda n, p: p.helper("irfft_adjoint", p.a + _literals(
                  n, p, ["part", "axes", "norm"])),
              helper="irfft_adjoint", helper_source=IRFFT_ADJOINT, numba_refuses=NUMBA),
)
