"""Helpers a generated module may need, emitted with it when used (by their name).

Each is plain NumPy source: shape-generic gradients (``unbroadcast``, ``matmul_vjp_left``...)
that the rules call when static shapes are unknown, and ``jit_or_numpy``, which compiles a
function with Numba where Numba can. A primitive that prints as a call to one of these
says so in its registry entry (``Primitive.helper``).
"""
from __future__ import annotations

from . import numba_stacks

#: Helpers a generated module may need, emitted with it when used.
HELPERS = {
    "unbroadcast": '''def unbroadcast(g, x):
    """Sum g over the axes along which x was broadcast, so it has x's shape."""
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    g = np.sum(g, axis=tuple(range(np.ndim(g) - len(shape))))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(g)[i] != 1)
    return np.sum(g, axis=axes, keepdims=True) if axes else g
''',
    "matmul_vjp_left": '''def matmul_vjp_left(g, x, y):
    """Gradient of x @ y with respect to x, for any ranks."""
    if np.ndim(y) == 1:
        return unbroadcast(np.multiply.outer(g, y), x)
    if np.ndim(x) == 1 and np.ndim(y) > 2:
        return unbroadcast((g[..., None, :] @ np.swapaxes(y, -1, -2))[..., 0, :], x)
    lead = np.ndim(g) - np.ndim(x)
    batch = np.shape(g)[lead:-2] == np.shape(x)[:-2]
    if np.ndim(x) > 2 and lead > 0 and batch and np.shape(y)[:-2] == np.shape(g)[:-2]:
        # x broadcast over g's leading axes: those are summed inside one batched product
        # (B, m, L*p) @ (B, L*p, n), not after it over L (B, m, n) products
        return _leading_last(g, lead) @ np.swapaxes(_leading_last(y, lead), -1, -2)
    return unbroadcast(g @ np.swapaxes(y, -1, -2) if np.ndim(x) > 1 else g @ y.T, x)


def _leading_last(a, lead):
    """a (L..., B..., m, p) as (B..., m, L*p): the leading axes joined to the last."""
    moved = np.moveaxis(a, tuple(range(lead)), tuple(range(-lead - 1, -1)))
    return moved.reshape(moved.shape[:-lead - 1] + (-1,))
''',
    "matmul_vjp_right": '''def matmul_vjp_right(g, x, y):
    """Gradient of x @ y with respect to y, for any ranks."""
    if np.ndim(x) == 1 and np.ndim(y) > 2:
        return unbroadcast(x[:, None] * np.expand_dims(g, -2), y)
    if np.ndim(x) == 1:
        return unbroadcast(np.multiply.outer(x, g), y)
    if np.ndim(y) == 1:
        return unbroadcast(np.swapaxes(x, -1, -2) @ g[..., None], y[..., None])[..., 0]
    return unbroadcast(np.swapaxes(x, -1, -2) @ g, y)
''',
    "dot_vjp_left": '''def dot_vjp_left(g, x, y):
    """Gradient of np.dot(x, y) with respect to x, for any ranks."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * y, x)
    if np.ndim(y) == 1:
        return np.multiply.outer(g, y)
    kept = [a for a in range(np.ndim(y)) if a != np.ndim(y) - 2]
    return np.tensordot(g, y, axes=(list(range(np.ndim(x) - 1, np.ndim(g))), kept))
''',
    "dot_vjp_right": '''def dot_vjp_right(g, x, y):
    """Gradient of np.dot(x, y) with respect to y, for any ranks."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * x, y)
    lead = list(range(np.ndim(x) - 1))
    if np.ndim(y) == 1:
        return np.tensordot(g, x, axes=(lead, lead))
    return np.moveaxis(np.tensordot(x, g, axes=(lead, lead)), 0, np.ndim(y) - 2)
''',
    "linspace_vjp": '''def linspace_vjp(g, like, num, endpoint, at_start):
    """Gradient of np.linspace(start, stop, num) with respect to start (or stop)."""
    t = np.linspace(0.0, 1.0, num, endpoint=endpoint).reshape((-1,) + (1,) * (np.ndim(g) - 1))
    return unbroadcast(np.sum(g * (1.0 - t if at_start else t), axis=0), like)
''',
    "norm_vjp": '''def norm_vjp(g, x, out, ord, axis, keepdims):
    """Gradient of np.linalg.norm(x, ord, axis, keepdims) with respect to x."""
    axes = tuple(range(np.ndim(x))) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    axes = tuple(a % np.ndim(x) for a in axes)
    if not keepdims:
        g, out = np.expand_dims(g, axes), np.expand_dims(out, axes)
    a = np.abs(x)
    nonzero = out > 0                 # at x = 0 the subgradient 0, as abs'(0) = 0
    scale = np.where(nonzero, out, 1.0)
    if len(axes) == 1 and ord in (np.inf, -np.inf):
        picked = a == out
    elif len(axes) == 1 and ord == 1:
        return g * np.sign(x)
    elif len(axes) == 1:
        return g * np.sign(x) * (a / scale) ** (ord - 1) * nonzero
    elif ord == "fro":
        return g * x / scale * nonzero
    elif ord in (1, -1, np.inf, -np.inf):
        picked = np.sum(a, axis=axes[0] if ord in (1, -1) else axes[1], keepdims=True) == out
    else:                             # 2, -2: u_i v_i^T of the max (min) singular value s_i
        u, s, vt = np.linalg.svd(np.moveaxis(x, axes, (-2, -1)), full_matrices=False)
        picked = s == (np.max if ord == 2 else np.min)(s, axis=-1, keepdims=True)
        weights = picked / np.sum(picked, axis=-1, keepdims=True)
        grad = np.einsum("...ai,...i,...ib->...ab", u, weights, vt)
        return g * np.moveaxis(grad, (-2, -1), axes)
    return g * np.sign(x) * picked / np.sum(picked, axis=axes, keepdims=True)
''',
    "norm_vjp_jvp": '''def norm_vjp_jvp(tg, tx, tout, g, x, out, ord, axis, keepdims):
    """Tangent of norm_vjp(g, x, out, ord, axis, keepdims) along tg, tx, tout (None: zero)
    for a p-norm of vectors or 'fro': g * sign(x) * (|x| / out) ** (p - 1), p = 2 for 'fro'."""
    axes = tuple(range(np.ndim(x))) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    axes = tuple(a % np.ndim(x) for a in axes)
    if len(axes) == 2 and ord in (2, -2):
        raise ValueError(f"the second derivative of np.linalg.norm with ord={ord!r} of a matrix "
                         "whose rank was not known when compiling: write axis=(0, 1)")
    first = 0.0 if tg is None else norm_vjp(tg, x, out, ord, axis, keepdims)
    if not keepdims:
        g, out = np.expand_dims(g, axes), np.expand_dims(out, axes)
        tout = None if tout is None else np.expand_dims(tout, axes)
    p = 2 if ord == "fro" else ord
    tx = 0.0 if tx is None else tx
    tout = 0.0 if tout is None else tout
    return first + (p - 1) * g * (np.abs(x) / out) ** (p - 2) / out * (tx - x * tout / out)
''',
    "norm_jvp": '''def norm_jvp(t, x, out, ord, axis, keepdims):
    """Tangent of np.linalg.norm(x, ord, axis, keepdims) along t."""
    weights = norm_vjp(np.ones_like(out), x, out, ord, axis, keepdims)
    return np.sum(weights * t, axis=axis, keepdims=keepdims)
''',
    "float_tape": '''def float_tape(n):
    """n slots for floats: a list in Python; in the code numba compiles, a float64 array
    (the overload below), which numba reads and writes faster than a list."""
    return [0.0] * n


@numba.extending.overload(float_tape)
def float_tape_numba(n):
    return lambda n: np.empty(n)
''',
    "holds_floats": '''def holds_floats(v):
    """Whether v is an array of floats: asked in Python; in the code numba compiles, known
    from v's type (the overload below)."""
    return np.asarray(v).dtype.kind == "f"


@numba.extending.overload(holds_floats)
def holds_floats_numba(v):
    floats = isinstance(getattr(v, "dtype", v), numba.types.Float)
    return lambda v: floats
''',
    "unbroadcast_numba": '''@numba.extending.overload(unbroadcast)
def unbroadcast_numba(g, x):
    """unbroadcast in the code numba compiles (its np.sum takes no tuple of axes): each
    entry of g added to the entry of x it was broadcast from, the ranks told by the types."""
    if not isinstance(g, numba.types.Array):
        return (lambda g, x: g) if not isinstance(x, numba.types.Array) else None
    if not isinstance(x, numba.types.Array) or x.ndim == 0:
        return lambda g, x: np.sum(g)
    if x.ndim > g.ndim:
        return None

    def summed(g, x):
        gs, xs = g.shape, x.shape
        out = np.zeros(xs, g.dtype)
        flat = out.reshape(out.size)
        entries = np.ascontiguousarray(g).reshape(g.size)
        lead = len(gs) - len(xs)
        for k in range(entries.size):
            rest, at, stride = k, 0, 1
            for d in range(len(gs) - 1, lead - 1, -1):
                i = rest % gs[d]
                rest //= gs[d]
                n = xs[d - lead]
                if n != 1:
                    at += i * stride
                stride *= n
            flat[at] += entries[k]
        return out
    return summed
''',
    "jit_or_numpy": '''def jit_or_numpy(fn):
    """fn compiled by numba.njit on its first call; where numba cannot compile it, fn
    itself (NumPy), with one warning that names the line numba could not compile."""
    import linecache
    import os
    import re
    import traceback
    import warnings
    # cached on disk (numba's cache=True) when fn comes from a file: a module symdiff
    # wrote (symdiff.backend.jit_cache) or one written by symdiff compile --jit
    compiled = [numba.njit(fn, cache=os.path.isfile(fn.__code__.co_filename))]

    def problem(exc):
        text = re.sub(r"\\x1b\\[[0-9;]*m", "", str(exc))     # numba's colours
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        skip = ("Failed in ", "File ", "<source", "During:", "- ", ">>>", "There are ")
        first = lines[0] if lines else type(exc).__name__
        reason = next((line for line in lines if not line.startswith(skip)), first)
        reason = re.sub(r" at 0x[0-9a-f]+", "", reason).rstrip(":")
        places = list(re.finditer(r'File "([^"]+)", line (\\d+)', text))
        own = os.path.basename(fn.__code__.co_filename)
        # the line of fn itself, not one of numba's own (its np.reshape's, say)
        where = next((m for m in places if os.path.basename(m[1]) == own),
                     places[0] if places else None)
        if where is None:
            return reason
        code = linecache.getline(where[1], int(where[2])).split("  #")[0].strip()
        return f"`{code}` ({reason})" if code else f"line {where[2]} ({reason})"

    def compiling(exc):
        """numba's own errors, and any other raised inside numba (an internal assertion)
        while it compiles; not an error of the compiled code as it runs."""
        if isinstance(exc, numba.core.errors.NumbaError):
            return True
        inside = os.path.dirname(numba.__file__) + os.sep
        frames = traceback.extract_tb(exc.__traceback__)
        return any(frame.filename.startswith(inside) for frame in frames)

    def run(*args, **kwargs):
        try:
            return compiled[0](*args, **kwargs)
        except Exception as exc:
            if compiled[0] is fn or not compiling(exc):
                raise
            warnings.warn(f"numba cannot compile {fn.__name__}: {problem(exc)}; running "
                          "the NumPy version", RuntimeWarning, stacklevel=2)
            compiled[0] = fn
            return fn(*args, **kwargs)
    run.__name__, run.__doc__, run.py_func = fn.__name__, fn.__doc__, fn
    run.current = compiled          # what runs now: numba's dispatcher, or fn after a fallback
    return run
''',
}
HELPERS.update(numba_stacks.SOURCES)
#: Helpers that numba compiles through an overload emitted with them (in jit code only).
NUMBA_OVERLOADS = {"unbroadcast": "unbroadcast_numba", **numba_stacks.OVERLOADS}
HELPER_NEEDS = {"matmul_vjp_left": ("unbroadcast",), "matmul_vjp_right": ("unbroadcast",),
                "dot_vjp_left": ("unbroadcast",), "dot_vjp_right": ("unbroadcast",),
                "linspace_vjp": ("unbroadcast",), "norm_jvp": ("norm_vjp",),
                "norm_vjp_jvp": ("norm_vjp",), **numba_stacks.NEEDS}


def _from_registry() -> None:
    """Helpers that registry entries bring with them (``Primitive.helper_source``)."""
    from ..primitives.registry import all_primitives
    HELPERS.update({p.helper: p.helper_source for p in all_primitives() if p.helper_source})


_from_registry()
