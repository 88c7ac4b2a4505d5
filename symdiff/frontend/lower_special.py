"""scipy.special functions that are compositions of NumPy primitives (``logsumexp``,
``softmax``, ``log_softmax``): lowered onto the primitives, not given rules of their own.

    LOWERINGS[name](ctx, e, hint, args, keywords) -> the value
"""
from __future__ import annotations

LOWERINGS: dict = {}
