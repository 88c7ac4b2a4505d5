"""examples/dask_logistic.py, small: the array-API gradient on lazy Dask chunks trains.

The data is made chunk by chunk; each step's loss and gradients come from one compute and
equal the NumPy gradient of the same rows held in memory (checked by central differences).
"""
import dask
import numpy as np

import symdiff
from symdiff.check import numerical_gradient
from support import load_example

example = load_example("dask_logistic")


def test_small_run_trains_with_threads():
    result = example.main(["--rows", "6000", "--chunk", "1000", "--steps", "6",
                           "--scheduler", "threads"])
    losses = result["losses"]
    assert losses[0] == np.log(2.0) or np.isclose(losses[0], np.log(2.0))   # w = 0, b = 0
    assert all(a > b for a, b in zip(losses, losses[1:]))                   # falls each step
    assert result["rows_per_second"] > 0


def test_lazy_gradient_equals_the_in_memory_numpy_gradient():
    X, t = example.make_data(3000, 4, 700, seed=3)
    assert X.chunks[0] == (700, 700, 700, 700, 200)
    w, b = np.array([0.3, -0.2, 0.1, 0.5]), 0.05
    step = symdiff.value_and_grad(example.logistic_loss, wrt=("w", "b"), backend="array-api")
    import dask.array as da
    with dask.config.set(scheduler="threads"):
        loss, (dw, db) = step(da.from_array(w), b, X, t)
        assert isinstance(dw, da.Array)                   # nothing computed yet
        loss, dw, db, Xn, tn = dask.compute(loss, dw, db, X, t)
    assert set(np.unique(tn)) == {-1.0, 1.0}
    want_loss, (want_dw, want_db) = symdiff.value_and_grad(
        example.logistic_loss, wrt=("w", "b"))(w, b, Xn, tn)
    np.testing.assert_allclose(loss, want_loss, rtol=1e-12)
    np.testing.assert_allclose(dw, want_dw, rtol=1e-10)
    np.testing.assert_allclose(db, want_db, rtol=1e-10)
    np.testing.assert_allclose(want_dw, numerical_gradient(example.logistic_loss,
                                                           (w, b, Xn, tn), 0), rtol=1e-6)
    np.testing.assert_allclose(want_db, numerical_gradient(example.logistic_loss,
                                                           (w, b, Xn, tn), 1), rtol=1e-6)


def test_the_same_seed_gives_the_same_rows():
    X1, _ = example.make_data(1000, 3, 400, seed=1)
    X2, _ = example.make_data(1000, 3, 400, seed=1)
    with dask.config.set(scheduler="threads"):
        np.testing.assert_array_equal(X1.compute(), X2.compute())
