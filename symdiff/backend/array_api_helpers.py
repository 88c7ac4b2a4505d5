"""Helpers an array-API gradient module may need, emitted with it when used (by name).

Each covers what the array API standard lacks or where libraries differ: writes into
arrays (JAX arrays are immutable), scatter-add (NumPy's ``np.add.at``), ``einsum``,
``np.dot``'s rules. Each says so in its docstring and dispatches per library with
``array_api_compat``'s ``is_*_array`` tests, falling back on standard calls.
"""
from __future__ import annotations

SHIMS = {
    "array_namespace": '''def array_namespace(*args):
    """array_api_compat's namespace of the arrays among args; NumPy's when they are all
    numbers."""
    arrays = [a for a in args if array_api_compat.is_array_api_obj(a)]
    if arrays:
        return array_api_compat.array_namespace(*arrays)
    from array_api_compat import numpy as numpy_namespace
    return numpy_namespace
''',
    "float_dtype": '''def float_dtype(*args):
    """The dtype of the first real floating array among args, which a mask takes to be
    used as numbers (the standard does no arithmetic on booleans); float64 when none."""
    for a in args:
        if array_api_compat.is_array_api_obj(a):
            xp = array_namespace(a)
            if xp.isdtype(a.dtype, "real floating"):
                return a.dtype
    return array_namespace(*args).float64
''',
    "index_set": '''def index_set(x, index, value):
    """x with x[index] = value. JAX arrays cannot be written in place (x.at[index].set);
    other arrays are, as NumPy's are. A new axis (None) in the index is left out, the value
    reshaped to match: the standard allows None only when reading."""
    if array_api_compat.is_jax_array(x):
        return x.at[index].set(value)
    if isinstance(index, tuple) and any(i is None for i in index) and hasattr(x, "shape"):
        xp = array_namespace(x, value)
        kept = tuple(i for i in index if i is not None)
        value = xp.reshape(xp.broadcast_to(xp.asarray(value), x[index].shape), x[kept].shape)
        index = kept
    x[index] = value
    return x
''',
    "index_add": '''def index_add(x, index, value):
    """x with value added at index (an index without repeats: x[index] += value). JAX
    arrays cannot be written in place (x.at[index].add)."""
    if array_api_compat.is_jax_array(x):
        return x.at[index].add(value)
    x[index] = x[index] + value
    return x
''',
    "scatter_add": '''def scatter_add(x, index, g):
    """x with g added at index, repeated indices adding up, as NumPy's np.add.at.

    The array API standard has no scatter-add: NumPy, PyTorch, JAX and CuPy have one each;
    other libraries (Dask, array_api_strict) add a one-hot matrix product instead."""
    xp = array_namespace(x, g)
    if array_api_compat.is_numpy_array(x):
        import numpy
        numpy.add.at(x, index, g)
        return x
    if array_api_compat.is_jax_array(x):
        return x.at[index].add(g)
    if array_api_compat.is_cupy_array(x):
        import cupyx
        cupyx.scatter_add(x, index, g)
        return x
    index = index if isinstance(index, tuple) else (index,)
    if not all(hasattr(i, "shape") for i in index):
        raise TypeError("scatter_add: only integer-array indices have an array-API form")
    if array_api_compat.is_torch_array(x):
        shape = xp.broadcast_arrays(*index)[0].shape + tuple(x.shape[len(index):])
        return x.index_put_(index, xp.broadcast_to(xp.asarray(g), shape), accumulate=True)
    return one_hot_add(x, index, g)
''',
    "gather": '''def gather(x, index):
    """x[index], index a tuple of integer arrays over x's leading axes. Dask indexes with
    one array at a time: there x is read along its leading axes flattened, at the flat
    indices (lazily); other libraries index with the tuple."""
    if not array_api_compat.is_dask_array(x):
        return x[index]
    xp = array_namespace(x)
    index = xp.broadcast_arrays(*[xp.asarray(i) for i in index])
    lead, rest = tuple(x.shape[:len(index)]), tuple(x.shape[len(index):])
    flat = xp.zeros_like(index[0])
    for i, n in zip(index, lead):
        flat = flat * n + xp.where(i < 0, i + n, i)
    rows = xp.reshape(x, (math.prod(lead),) + rest)
    picked = xp.take(rows, xp.reshape(flat, (-1,)), axis=0)
    return xp.reshape(picked, tuple(index[0].shape) + rest)
''',
    "one_hot_add": '''def one_hot_add(x, index, g):
    """x with g added at the integer arrays of index (over x's leading axes), as a product
    by a one-hot matrix: standard calls only, lazy in Dask."""
    xp = array_namespace(x, g)
    index = xp.broadcast_arrays(*[xp.asarray(i) for i in index])
    lead, rest = tuple(x.shape[:len(index)]), tuple(x.shape[len(index):])
    flat = xp.zeros_like(index[0])
    for i, n in zip(index, lead):
        flat = flat * n + xp.where(i < 0, i + n, i)
    flat = xp.reshape(flat, (-1,))
    rows = math.prod(lead)
    one_hot = xp.astype(xp.reshape(flat, (-1, 1)) == xp.reshape(xp.arange(rows), (1, -1)),
                        x.dtype)
    values = xp.reshape(xp.broadcast_to(xp.asarray(g), index[0].shape + rest),
                        (flat.shape[0], math.prod(rest)))
    added = xp.matmul(xp.permute_dims(one_hot, (1, 0)), values)
    return x + xp.reshape(added, lead + rest)
''',
    "einsum": '''def einsum(subscripts, *operands):
    """np.einsum. The array API standard has none; NumPy, PyTorch, JAX, CuPy and Dask
    each have their own, other libraries get sum_of_products."""
    xp = array_namespace(*operands)
    dtype = next(o.dtype for o in operands if hasattr(o, "shape"))
    operands = [o if hasattr(o, "shape") else xp.asarray(o, dtype=dtype) for o in operands]
    if not hasattr(xp, "einsum"):                # array_api_strict: products and sums
        return sum_of_products(xp, subscripts, operands)
    return xp.einsum(subscripts, *operands)
''',
    "sum_of_products": '''def sum_of_products(xp, subscripts, operands):
    """np.einsum in standard calls: each operand's axes labelled (a label repeated in one
    operand taken as a diagonal), the operands multiplied in turn, broadcast over the
    labels seen so far, and a label summed out once no later operand nor the output has
    it."""
    inputs, _, output = subscripts.replace(" ", "").partition("->")
    inputs = inputs.split(",")
    rank = max([o.ndim - len(s.replace("...", "")) for o, s in zip(operands, inputs)
                if "..." in s], default=0)
    dots = [chr(0x100 + k) for k in range(rank)]      # the axes "..." stands for

    def labels_of(s, ndim):
        if "..." not in s:
            return list(s)
        left, right = s.split("...")
        return list(left) + dots[rank - (ndim - len(left) - len(right)):] + list(right)
    labelled = [_diagonals(xp, o, labels_of(s, o.ndim)) for o, s in zip(operands, inputs)]
    if not _:                                         # implicit: the labels written once
        seen = "".join(inputs).replace(".", "")
        out = dots + sorted(k for k in set(seen) if seen.count(k) == 1)
    else:
        out = labels_of(output, len(output.replace("...", "")) + rank)
    product, have = None, []
    for k, (o, labels) in enumerate(labelled):
        if product is None:
            product, have = o, labels
        else:
            union = have + [label for label in labels if label not in have]
            product = _aligned(xp, product, have, union) * _aligned(xp, o, labels, union)
            have = union
        later = set(out).union(*[set(labels) for _o, labels in labelled[k + 1:]])
        gone = tuple(i for i, label in enumerate(have) if label not in later)
        if gone:
            product = xp.sum(product, axis=gone)
            have = [label for label in have if label in later]
    return xp.permute_dims(product, tuple(have.index(label) for label in out))


def _diagonals(xp, x, labels):
    """x and its labels, a label it repeats taken as the diagonal of those two axes."""
    while len(set(labels)) < len(labels):
        label = next(k for k in labels if labels.count(k) > 1)
        first = labels.index(label)
        second = labels.index(label, first + 1)
        rest = [i for i in range(len(labels)) if i not in (first, second)]
        x = xp.linalg.diagonal(xp.permute_dims(x, tuple(rest + [first, second])))
        labels = [labels[i] for i in rest] + [label]
    return x, labels


def _aligned(xp, x, labels, union):
    """x with its axes in union's order, a length-1 axis for each label it lacks."""
    order = sorted(range(len(labels)), key=lambda i: union.index(labels[i]))
    x = xp.permute_dims(x, tuple(order))
    sizes = iter(x.shape)
    return xp.reshape(x, tuple(next(sizes) if label in labels else 1 for label in union))
''',
    "isclose": '''def isclose(a, b, rtol=1e-05, atol=1e-08):
    """np.isclose(a, b, rtol, atol) as numbers, 1 where a and b are equal or within
    atol + rtol * |b|, else 0, in their float dtype: the standard has no isclose, nor
    arithmetic on booleans."""
    xp = array_namespace(a, b)
    a, b = xp.asarray(a), xp.asarray(b)
    close = xp.logical_or(a == b, xp.abs(a - b) <= atol + rtol * xp.abs(b))
    return xp.astype(close, float_dtype(a, b))
''',
    "dot": '''def dot(a, b):
    """np.dot: a product by a scalar, a matmul up to a matrix b, else a contraction of
    a's last axis with b's second last (the standard has matmul and tensordot)."""
    if not (hasattr(a, "shape") and hasattr(b, "shape")) or a.ndim == 0 or b.ndim == 0:
        return a * b
    xp = array_namespace(a, b)
    if b.ndim <= 2:
        return xp.matmul(a, b)
    return xp.tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 2]))
''',
    "outer": '''def outer(a, b):
    """np.outer: both arguments flattened (not in the standard's core)."""
    xp = array_namespace(a, b)
    return xp.reshape(xp.asarray(a), (-1, 1)) * xp.reshape(xp.asarray(b), (1, -1))
''',
    "multiply_outer": '''def multiply_outer(a, b):
    """np.multiply.outer: a[..., None, ...] * b, every pair of elements (not in the
    standard)."""
    if not (hasattr(a, "shape") and hasattr(b, "shape")):
        return a * b                      # a number times an array
    xp = array_namespace(a, b)
    return xp.reshape(a, tuple(a.shape) + (1,) * b.ndim) * b
''',
    "tensordot": '''def tensordot(a, b, axes):
    """np.tensordot, also of a number (over no axes: a product), which the standard's
    tensordot does not take."""
    if not (hasattr(a, "shape") and hasattr(b, "shape")):
        return a * b
    return array_namespace(a, b).tensordot(a, b, axes=axes)
''',
    "swapaxes": '''def swapaxes(x, i, j):
    """np.swapaxes, as the standard's permute_dims."""
    xp = array_namespace(x)
    axes = list(range(x.ndim))
    axes[i], axes[j] = axes[j], axes[i]
    return xp.permute_dims(x, tuple(axes))
''',
    "broadcast_shapes": '''def broadcast_shapes(*shapes):
    """np.broadcast_shapes, in Python (not in the standard)."""
    rank = max(len(s) for s in shapes)
    out = []
    for k in range(rank):
        sizes = {s[k - rank + len(s)] for s in shapes if k - rank + len(s) >= 0} - {1}
        if len(sizes) > 1:
            raise ValueError(f"shapes {shapes} do not broadcast")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)
''',
}

#: symdiff's NumPy helpers (``backend.helpers``) written anew in standard calls, where
#: translating them would not do: ``prod_others`` writes into slices and calls
#: ``np.cumprod``, which the standard lacks before its 2024.12 edition.
REWRITTEN = {
    "prod_others": '''def prod_others(x, axis):
    """For every element of x, the product of the other elements along axis (all axes
    for None): the products on its left times those on its right, never dividing. The
    running products are built one step of the axis at a time (no cumulative product
    in the standard before 2024.12)."""
    xp = array_namespace(x)
    moved, flat, order = _along_last(xp, xp.asarray(x), axis)
    left, right = _running_products(xp, flat)
    both = xp.stack([a * b for a, b in zip(left, right)], axis=-1)
    return xp.permute_dims(xp.reshape(both, moved.shape), _inverse(order))
''',
    "prod_others_jvp": '''def prod_others_jvp(t, x, axis):
    """The tangent of prod_others(x, axis) along t: the product rule through the running
    products."""
    xp = array_namespace(t, x)
    moved, flat, order = _along_last(xp, xp.asarray(x), axis)
    t = xp.broadcast_to(xp.asarray(t), xp.asarray(x).shape)
    dflat = xp.reshape(xp.permute_dims(t, order), flat.shape)
    m = flat.shape[-1]
    left, dleft = [xp.ones_like(flat[..., 0])], [xp.zeros_like(flat[..., 0])]
    for k in range(1, m):
        dleft.append(dleft[-1] * flat[..., k - 1] + left[-1] * dflat[..., k - 1])
        left.append(left[-1] * flat[..., k - 1])
    right, dright = [xp.ones_like(flat[..., 0])], [xp.zeros_like(flat[..., 0])]
    for k in range(m - 2, -1, -1):
        dright.append(dright[-1] * flat[..., k + 1] + right[-1] * dflat[..., k + 1])
        right.append(right[-1] * flat[..., k + 1])
    both = xp.stack([dl * r + lf * dr for dl, r, lf, dr in
                     zip(dleft, right[::-1], left, dright[::-1])], axis=-1)
    return xp.permute_dims(xp.reshape(both, moved.shape), _inverse(order))
''',
}

#: What the rewritten helpers call, emitted with them.
REWRITTEN_SUPPORT = '''def _along_last(xp, x, axis):
    """x with the axes of axis moved last and flattened into one: (moved, flat, order)."""
    axes = tuple(range(x.ndim)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    axes = [a % x.ndim for a in axes]
    order = tuple([a for a in range(x.ndim) if a not in axes] + axes)
    moved = xp.permute_dims(x, order)
    flat = xp.reshape(moved, tuple(moved.shape[:x.ndim - len(axes)]) + (-1,))
    return moved, flat, order


def _running_products(xp, flat):
    """The products of the elements before each one along the last axis, and after it."""
    m = flat.shape[-1]
    left, right = [xp.ones_like(flat[..., 0])], [xp.ones_like(flat[..., 0])]
    for k in range(1, m):
        left.append(left[-1] * flat[..., k - 1])
        right.append(right[-1] * flat[..., m - k])
    return left, right[::-1]


def _inverse(order):
    """The permutation that undoes order."""
    return tuple(sorted(range(len(order)), key=order.__getitem__))
'''

#: What each helper calls: helpers and modules.
SHIM_NEEDS = {"array_namespace": ("array_api_compat",), "float_dtype": ("array_api_compat",),
              "index_set": ("array_api_compat",), "index_add": ("array_api_compat",),
              "scatter_add": ("array_api_compat", "one_hot_add"),
              "one_hot_add": ("math",), "einsum": ("sum_of_products",),
              "isclose": ("float_dtype",), "gather": ("array_api_compat", "math")}

__all__ = ["SHIMS", "SHIM_NEEDS", "REWRITTEN", "REWRITTEN_SUPPORT"]
