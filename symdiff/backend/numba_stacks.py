"""Stacks of matrix products in the code numba compiles: numba's ``@`` takes vectors and
matrices only, so ``x @ y`` of stacks (``stacked_matmul``, the form ``numba_friendly``
gives a matmul beyond 2-D) and the gradient helpers ``matmul_vjp_left`` and
``matmul_vjp_right`` compile through overloads emitted with jit code: loops over the
broadcast leading axes, each a 2-D product written as loops (``np.dot`` for large
matrices of one float type).

    out[p] = x[at_x[p]] @ y[at_y[p]]           the product, p over the stack
    dx[at_x[p]] += g[p] @ y[at_y[p]].T         its gradient with respect to x
    dy[at_y[p]] += x[at_x[p]].T @ g[p]         and to y

A vector is a matrix of one row (x) or one column (y); ``matmul_stack`` finds the sizes
and, for each product of the stack, which matrix of x and of y it takes (an axis of length
1 broadcast: always the first), so the gradients add up over the broadcast axes as they
are written. The ranks come from the types, the sizes from the shapes.
"""

#: The sizes of x @ y as a stack of 2-D products (a function numba compiles).
MATMUL_STACK = '''@numba.njit
def matmul_stack(xshape, yshape):
    """x @ y, of these shapes, as a stack of 2-D products (m, k) @ (k, n): m, k, n, the
    leading sizes of the stack, and for each product the matrix of x and of y it takes."""
    rx, ry = len(xshape), len(yshape)
    m = xshape[max(rx - 2, 0)] if rx > 1 else 1
    k = xshape[rx - 1]
    n = yshape[ry - 1] if ry > 1 else 1
    if yshape[max(ry - 2, 0)] != k:
        raise ValueError("matmul: the last axis of x and the second last of y differ")
    lead = max(rx, ry, 2) - 2
    xs, ys = np.ones(lead, np.int64), np.ones(lead, np.int64)
    for d in range(rx - 2):
        xs[lead - rx + 2 + d] = xshape[d]
    for d in range(ry - 2):
        ys[lead - ry + 2 + d] = yshape[d]
    sizes = np.maximum(xs, ys)
    count = 1
    for d in range(lead):
        if xs[d] != ys[d] and min(xs[d], ys[d]) != 1:
            raise ValueError("matmul: the leading axes of x and y do not broadcast")
        count *= sizes[d]
    at_x, at_y = np.zeros(count, np.int64), np.zeros(count, np.int64)
    for p in range(count):
        rest, stride_x, stride_y = p, 1, 1
        for d in range(lead - 1, -1, -1):
            i = rest % sizes[d]
            rest //= sizes[d]
            if xs[d] != 1:
                at_x[p] += i * stride_x
            if ys[d] != 1:
                at_y[p] += i * stride_y
            stride_x *= xs[d]
            stride_y *= ys[d]
    return m, k, n, sizes, at_x, at_y


def matmul_types(*arrays):
    """The NumPy scalar type of a product of these numba array types, and whether np.dot takes
    them (one float type)."""
    kinds = [numba.np.numpy_support.as_dtype(a.dtype) for a in arrays]
    dtype = np.result_type(*kinds)
    return dtype.type, dtype.kind == "f" and all(kind == dtype for kind in kinds)


#: from this many multiplications a 2-D product is np.dot's (BLAS), below it loops
MATMUL_BLAS = 4096
'''

STACKED_MATMUL_NUMBA = '''@numba.extending.overload(stacked_matmul)
def stacked_matmul_numba(x, y):
    """x @ y for stacks of matrices, in the code numba compiles (its @ takes matrices)."""
    if not (isinstance(x, numba.types.Array) and isinstance(y, numba.types.Array)):
        return None
    if x.ndim <= 2 and y.ndim <= 2:
        return lambda x, y: x @ y
    from numba.np.unsafe.ndarray import to_fixed_tuple
    dtype, blas = matmul_types(x, y)
    rank = max(x.ndim, y.ndim) - 2 + (x.ndim > 1) + (y.ndim > 1)
    rows, columns = x.ndim > 1, y.ndim > 1

    def product(x, y):
        m, k, n, sizes, at_x, at_y = matmul_stack(x.shape, y.shape)
        a = np.ascontiguousarray(x).reshape((-1, m, k))
        b = np.ascontiguousarray(y).reshape((-1, k, n))
        out = np.zeros((len(at_x), m, n), dtype)
        for p in range(len(at_x)):
            u, v, w = a[at_x[p]], b[at_y[p]], out[p]
            if blas and m * k * n >= MATMUL_BLAS:
                w[:, :] = np.dot(u, v)
                continue
            for i in range(m):
                for j in range(k):
                    t = u[i, j]
                    for c in range(n):
                        w[i, c] += t * v[j, c]
        shape = np.empty(rank, np.int64)
        shape[:len(sizes)] = sizes
        if rows:
            shape[len(sizes)] = m
        if columns:
            shape[rank - 1] = n
        return out.reshape(to_fixed_tuple(shape, rank))
    return product
'''

MATMUL_VJP_LEFT_NUMBA = '''@numba.extending.overload(matmul_vjp_left)
def matmul_vjp_left_numba(g, x, y):
    """matmul_vjp_left in the code numba compiles: g @ y.T of each product of the stack
    added to the matrix of x it took."""
    if not (isinstance(x, numba.types.Array) and isinstance(y, numba.types.Array)):
        return None
    if not isinstance(g, numba.types.Array):
        return lambda g, x, y: g * y                   # vector @ vector: a number
    dtype, blas = matmul_types(g, y)

    def left(g, x, y):
        m, k, n, sizes, at_x, at_y = matmul_stack(x.shape, y.shape)
        b = np.ascontiguousarray(y).reshape((-1, k, n))
        c = np.ascontiguousarray(g).reshape((-1, m, n))
        if c.shape[0] != len(at_x):
            raise ValueError("matmul_vjp_left: g is not shaped as x @ y")
        out = np.zeros(x.shape, dtype)
        flat = out.reshape((-1, m, k))
        for p in range(len(at_x)):
            u, v, w = c[p], b[at_y[p]], flat[at_x[p]]
            if blas and m * k * n >= MATMUL_BLAS:
                w += np.dot(u, v.T)
                continue
            for i in range(m):
                for j in range(k):
                    for r in range(n):
                        w[i, j] += u[i, r] * v[j, r]
        return out
    return left
'''

MATMUL_VJP_RIGHT_NUMBA = '''@numba.extending.overload(matmul_vjp_right)
def matmul_vjp_right_numba(g, x, y):
    """matmul_vjp_right in the code numba compiles: x.T @ g of each product of the stack
    added to the matrix of y it took."""
    if not (isinstance(x, numba.types.Array) and isinstance(y, numba.types.Array)):
        return None
    if not isinstance(g, numba.types.Array):
        return lambda g, x, y: g * x                   # vector @ vector: a number
    dtype, blas = matmul_types(g, x)

    def right(g, x, y):
        m, k, n, sizes, at_x, at_y = matmul_stack(x.shape, y.shape)
        a = np.ascontiguousarray(x).reshape((-1, m, k))
        c = np.ascontiguousarray(g).reshape((-1, m, n))
        if c.shape[0] != len(at_x):
            raise ValueError("matmul_vjp_right: g is not shaped as x @ y")
        out = np.zeros(y.shape, dtype)
        flat = out.reshape((-1, k, n))
        for p in range(len(at_x)):
            u, v, w = a[at_x[p]], c[p], flat[at_y[p]]
            if blas and m * k * n >= MATMUL_BLAS:
                w += np.dot(u.T, v)
                continue
            for i in range(m):
                for j in range(k):
                    t = u[i, j]
                    for r in range(n):
                        w[j, r] += t * v[i, r]
        return out
    return right
'''

#: The overloads, and what each needs emitted with it.
SOURCES = {"matmul_stack": MATMUL_STACK, "stacked_matmul_numba": STACKED_MATMUL_NUMBA,
           "matmul_vjp_left_numba": MATMUL_VJP_LEFT_NUMBA,
           "matmul_vjp_right_numba": MATMUL_VJP_RIGHT_NUMBA}
OVERLOADS = {"stacked_matmul": "stacked_matmul_numba",
             "matmul_vjp_left": "matmul_vjp_left_numba",
             "matmul_vjp_right": "matmul_vjp_right_numba"}
NEEDS = {name: ("matmul_stack",) for name in OVERLOADS.values()}
