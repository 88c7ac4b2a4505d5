"""``x @ y`` with a stack of matrices x broadcast over y's leading axes (ADBench GMM's
``Ls @ xc[:, :, :, None]``): the gradient of x sums those axes inside one batched product.
Checked against central differences, with the value, for one and two leading axes and for
an x whose own batch axis is broadcast too (the general path)."""
import numpy as np
import pytest

import symdiff
from support import load_module, numerical_jacobian

SOURCE = """
import numpy as np


def quad(Ls, xc):
    return np.sum(np.tanh((Ls @ xc[..., None])[..., 0]) ** 2)


def mat(Ls, Y):
    return np.sum(np.sin(Ls @ Y) * Y[..., :1, :1])
"""


@pytest.mark.parametrize("name, shapes", [
    ("quad", ((3, 4, 4), (6, 3, 4))),
    ("quad", ((3, 4, 4), (2, 5, 3, 4))),
    ("quad", ((1, 4, 4), (6, 3, 4))),
    ("mat", ((3, 4, 5), (6, 3, 5, 2))),
])
def test_gradient_of_a_broadcast_stack_of_matrices(tmp_path, name, shapes):
    fn = getattr(load_module(tmp_path, "batched", SOURCE), name)
    rng = np.random.default_rng(sum(map(sum, shapes)))
    args = tuple(rng.standard_normal(s) * 0.5 for s in shapes)
    value, grads = symdiff.value_and_grad(fn, wrt=(0, 1))(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    for i, got in enumerate(grads):
        assert got.shape == shapes[i]
        np.testing.assert_allclose(got, numerical_jacobian(fn, list(args), i),
                                   rtol=1e-6, atol=1e-8)
