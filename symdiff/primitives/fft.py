"""np.fft: its transforms return complex arrays, which symdiff does not differentiate
(every value of a differentiated program is real). Each spelling is refused where it is
called, saying why and what to write instead: a real loss of a transform (the power
spectrum ``np.abs(np.fft.fft(x))**2``) written with the real DFT matrices
``C = np.cos(2 pi k n / N)`` and ``S = np.sin(2 pi k n / N)``, so that
``Re = C @ x``, ``Im = -S @ x``.
"""
from __future__ import annotations

from .registry import Composition, compose

TRANSFORMS = ("fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "fftn", "ifftn", "rfft2",
              "irfft2", "rfftn", "irfftn", "hfft", "ihfft")
HINT = ("write the transform with real matrices: k = np.arange(N); "
        "C = np.cos(2 * np.pi * np.outer(k, k) / N); S = np.sin(2 * np.pi * np.outer(k, k) / N); "
        "then np.fft.fft(x) is C @ x - 1j * (S @ x), and np.abs(np.fft.fft(x))**2 is "
        "(C @ x)**2 + (S @ x)**2")


def _refuse(ctx, e, hint, name, args, keywords):
    raise ctx.fail(f"np.{name} returns complex numbers, which symdiff does not differentiate",
                   e, HINT)


compose(*[Composition(f"fft.{t}", "a complex discrete Fourier transform (refused)", _refuse,
                      spellings=(f"np.fft.{t}",)) for t in TRANSFORMS])
