"""scipy.linalg solve_triangular, solve_sylvester, expm, logm, sqrtm, cho_factor / cho_solve,
cholesky (upper by default), solve, inv, det: one table of cases checked by
``breadth_support.check_case`` (value, gradient, forward mode; Hessian-vector product and
jit for a sample), the triangle conventions, the spellings (``from scipy.linalg import``,
``import scipy.linalg as sl``), a Gaussian-process marginal likelihood, jit running NumPy
without a compile, and ``symdiff compile`` emitting a module that imports scipy.linalg.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
from breadth_support import Case, check_case, module_of
from support import directional_difference, load_module

import symdiff

REPO_ROOT = Path(__file__).resolve().parents[2]


def matrices(*shapes, scale: float = 1.0):
    """Random square matrices shifted by 3 I (well conditioned), then the other shapes."""
    def inputs(rng):
        first = scale * (rng.standard_normal(shapes[0]) + 3 * np.eye(shapes[0][-1]))
        return [first] + [rng.standard_normal(s) for s in shapes[1:]]
    return inputs


def spd(n, *others):
    def inputs(rng):
        m = rng.standard_normal((n, n))
        return [m @ m.T + n * np.eye(n)] + [rng.standard_normal(s) for s in others]
    return inputs


def small(*shapes):
    """Matrices of norm about 1 (expm of them is well scaled)."""
    return lambda rng: [0.4 * rng.standard_normal(s) for s in shapes]


def near_identity(*shapes):
    """I + small: eigenvalues near 1, away from the negative real axis (a real logm)."""
    return lambda rng: [np.eye(s[-1]) + 0.3 * rng.standard_normal(s) for s in shapes]


def sylvester(rng):
    a = rng.standard_normal((3, 3)) + 4 * np.eye(3)
    b = rng.standard_normal((3, 3)) + 4 * np.eye(3)
    return [a, b, rng.standard_normal((3, 3))]


CASES = [
    Case("st_lower_vector", "a, b",
         "np.sum(scipy.linalg.solve_triangular(a, b, lower=True) ** 2)",
         matrices((3, 3), (3,)), wrt=(0, 1), second=True, jit=True),
    Case("st_upper_trans", "a, b",
         "np.sum(np.sin(scipy.linalg.solve_triangular(a, b, trans='T')))",
         matrices((3, 3), (3, 2)), wrt=(0, 1), second=True),
    Case("st_unit_lower_trans", "a, b",
         "np.sum(scipy.linalg.solve_triangular(a, b, trans=1, lower=True, "
         "unit_diagonal=True) ** 3)", small((3, 3), (3, 2)), wrt=(0, 1)),
    Case("st_positional", "a, b", "np.sum(scipy.linalg.solve_triangular(a, b, 2, True) ** 2)",
         matrices((3, 3), (3,)), wrt=(0, 1)),
    Case("st_batched", "a, b", "np.sum(scipy.linalg.solve_triangular(a, b) ** 2)",
         matrices((2, 3, 3), (2, 3, 2)), wrt=(0, 1)),
    Case("sylvester", "a, b, q", "np.sum(np.cos(scipy.linalg.solve_sylvester(a, b, q)))",
         sylvester, wrt=(0, 1, 2), second=True, jit=True),
    Case("expm_plain", "a", "np.sum(np.sin(scipy.linalg.expm(a)))", small((3, 3)),
         second=True, jit=True),
    Case("expm_batched", "a", "np.sum(scipy.linalg.expm(a) ** 2)", small((2, 3, 3))),
    Case("expm_trace", "a", "np.trace(scipy.linalg.expm(a @ a.T))", small((3, 3)),
         second=True),
    Case("logm_plain", "a", "np.sum(np.sin(scipy.linalg.logm(a)))", near_identity((3, 3)),
         second=True, jit=True),
    Case("logm_spd_trace", "a", "np.trace(scipy.linalg.logm(a)) * a[0, 1]", spd(3),
         second=True),
    Case("logm_batched", "a", "np.sum(scipy.linalg.logm(a) ** 2)", near_identity((2, 3, 3))),
    Case("sqrtm_spd", "a", "np.sum(np.real(scipy.linalg.sqrtm(a)) ** 2)", spd(3),
         second=True, jit=True),
    Case("sqrtm_general", "a", "np.sum(np.sin(scipy.linalg.sqrtm(a)))",
         matrices((3, 3), scale=0.5)),
    Case("cholesky_upper", "a", "np.sum(np.sin(scipy.linalg.cholesky(a)))", spd(3),
         second=True),
    Case("cholesky_lower", "a", "np.sum(scipy.linalg.cholesky(a, lower=True) ** 3)", spd(3)),
    Case("cho_pair", "a, b",
         "np.sum(scipy.linalg.cho_solve(scipy.linalg.cho_factor(a), b) ** 2)",
         spd(3, (3,)), wrt=(0, 1), second=True, jit=True),
    Case("cho_lower", "a, b",
         "np.sum(np.sin(scipy.linalg.cho_solve(scipy.linalg.cho_factor(a, lower=True), b)))",
         spd(3, (3, 2)), wrt=(0, 1)),
    Case("cho_factor_whole", "a", "np.sum(scipy.linalg.cho_factor(a)[0] * "
         "np.arange(9.0).reshape(3, 3))", spd(3)),
    Case("cho_given_factor", "l, b", "np.sum(scipy.linalg.cho_solve((l, True), b) ** 2)",
         lambda rng: [np.tril(rng.standard_normal((3, 3))) + 3 * np.eye(3),
                      rng.standard_normal(3)], wrt=(0, 1)),
    Case("sl_solve", "a, b", "np.sum(scipy.linalg.solve(a, b) ** 2)", matrices((3, 3), (3,)),
         wrt=(0, 1), second=True),
    Case("sl_inv_det", "a", "np.sum(scipy.linalg.inv(a)) * scipy.linalg.det(a)",
         matrices((3, 3)), second=True),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("scipy_linalg"), "breadth_scipy_linalg")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_scipy_linalg_case(module, case):
    check_case(module, case)


# ---------------------------------------------------------------- triangle conventions


def test_solve_triangular_gradient_is_zero_outside_the_triangle_it_reads(module):
    """SciPy reads only A's lower triangle (lower=True): the entries above get 0; with a
    unit diagonal, the diagonal is not read either."""
    a, b = matrices((3, 3), (3,))(np.random.default_rng(1))
    ga, _ = symdiff.grad(module.st_lower_vector, wrt=(0, 1))(a, b)
    np.testing.assert_array_equal(np.triu(ga, 1), 0.0)
    assert np.all(ga[np.tril_indices(3)] != 0.0)
    a, b = small((3, 3), (3, 2))(np.random.default_rng(2))
    ga, _ = symdiff.grad(module.st_unit_lower_trans, wrt=(0, 1))(a, b)
    np.testing.assert_array_equal(np.triu(ga), 0.0)
    a, b = matrices((3, 3), (3, 2))(np.random.default_rng(3))
    ga, _ = symdiff.grad(module.st_upper_trans, wrt=(0, 1))(a, b)
    np.testing.assert_array_equal(np.tril(ga, -1), 0.0)


def test_cho_solve_gradient_wrt_the_factor_reads_only_its_triangle(module):
    factor, b = CASES[16].inputs(np.random.default_rng(4))
    factor = factor + np.triu(np.ones((3, 3)), 1)   # entries cho_solve never reads
    gl, _ = symdiff.grad(module.cho_given_factor, wrt=(0, 1))(factor, b)
    np.testing.assert_array_equal(np.triu(gl, 1), 0.0)
    assert symdiff.check_grad(module.cho_given_factor, factor, b, wrt=(0, 1))


def test_cholesky_is_upper_by_default_and_reads_the_upper_triangle(module):
    a = spd(3)(np.random.default_rng(5))[0]
    g = symdiff.grad(module.cholesky_upper)(a)
    np.testing.assert_array_equal(np.tril(g, -1), 0.0)
    g = symdiff.grad(module.cholesky_lower)(a)
    np.testing.assert_array_equal(np.triu(g, 1), 0.0)


def test_expm_vjp_is_the_block_exponential(module):
    source = symdiff.grad(module.expm_plain).source
    assert source.count("scipy.linalg.expm(") == 2 and "np.concatenate(" in source
    assert "import scipy.linalg" in source.splitlines()


# ---------------------------------------------------------------- spellings


SPELLINGS = """
import numpy as np
import scipy.linalg as sl
from scipy.linalg import cho_factor, cho_solve, expm, solve_triangular, sqrtm
from scipy import linalg


def aliased(a, b):
    return np.sum(sl.solve_triangular(a, b, lower=True) ** 2) + np.sum(sl.expm(0.1 * a))


def imported(a, b):
    x = solve_triangular(a, b, unit_diagonal=True)
    return np.sum(x ** 2) + np.sum(expm(0.1 * a)) + np.sum(linalg.inv(a))


def rooted(a):
    s, low = cho_factor(a @ a.T + 3.0 * np.eye(3))
    return np.sum(np.real(sqrtm(a @ a.T + np.eye(3)))) + np.sum(cho_solve((s, low), a[0]))
"""


@pytest.fixture(scope="module")
def spelled(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("spelled"), "scipy_linalg_spelled", SPELLINGS)


@pytest.mark.parametrize("name", ["aliased", "imported", "rooted"])
def test_from_import_and_alias_spellings(spelled, name):
    a, b = matrices((3, 3), (3,))(np.random.default_rng(6))
    args = (a, b) if name != "rooted" else (a,)
    wrt = (0, 1) if name != "rooted" else 0
    assert symdiff.check_grad(getattr(spelled, name), *args, wrt=wrt)


def test_solve_with_an_assumed_structure_is_refused_located(tmp_path):
    m = module_of([Case("f", "a", "np.sum(scipy.linalg.solve(a, a[0], assume_a='pos'))",
                        spd(3))], tmp_path, "assumed")
    with pytest.raises(symdiff.SymdiffError, match="assume_a") as caught:
        symdiff.grad(m.f)(spd(3)(np.random.default_rng(0))[0])
    assert caught.value.loc is not None and "cho_factor" in str(caught.value)


# ---------------------------------------------------------------- a Gaussian process


GP = """
import numpy as np
from scipy.linalg import cho_factor, cho_solve


def negative_log_marginal_likelihood(log_params, X, y):
    params = np.exp(log_params)
    length, signal, noise = params[0], params[1], params[2]
    sq = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = signal ** 2 * np.exp(-0.5 * sq / length ** 2) + (noise ** 2 + 1e-8) * np.eye(len(y))
    c = cho_factor(K, lower=True)
    alpha = cho_solve(c, y)
    log_det = 2.0 * np.sum(np.log(np.diag(c[0])))
    return 0.5 * y @ alpha + 0.5 * log_det + 0.5 * len(y) * np.log(2.0 * np.pi)
"""


def test_gaussian_process_marginal_likelihood(tmp_path):
    gp = load_module(tmp_path, "gp", GP).negative_log_marginal_likelihood
    rng = np.random.default_rng(8)
    X = rng.uniform(-2.0, 2.0, (12, 2))
    y = np.sin(X[:, 0]) + 0.1 * rng.standard_normal(12)
    theta = np.log(np.array([0.8, 1.2, 0.3]))
    value, g = symdiff.value_and_grad(gp)(theta, X, y)
    k = 1.2 ** 2 * np.exp(-0.5 * np.sum((X[:, None] - X[None]) ** 2, -1) / 0.8 ** 2) \
        + (0.3 ** 2 + 1e-8) * np.eye(12)
    want = 0.5 * y @ np.linalg.solve(k, y) + 0.5 * np.linalg.slogdet(k)[1] \
        + 6 * np.log(2 * np.pi)
    assert value == pytest.approx(want, rel=1e-10)
    assert symdiff.check_grad(gp, theta, X, y)
    v = rng.standard_normal(3)
    hv = symdiff.hvp(gp)(theta, X, y, v)
    numeric = directional_difference(symdiff.grad(gp), (theta, X, y), [0], [v])
    np.testing.assert_allclose(hv, numeric, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- jit


def test_jit_runs_numpy_with_one_warning_and_no_compile(module):
    a, b = matrices((3, 3), (3,))(np.random.default_rng(9))
    jitted = symdiff.value_and_grad(module.st_lower_vector, wrt=(0, 1), jit=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value, grads = jitted(a, b)
        jitted(a, b)
    messages = [str(w.message) for w in caught if "numba cannot compile" in str(w.message)]
    assert len(messages) == 1 and "scipy.linalg.solve_triangular" in messages[0]
    assert "@jit_or_numpy" not in jitted.source_for(a, b)       # no compile attempted
    want = symdiff.value_and_grad(module.st_lower_vector, wrt=(0, 1))(a, b)
    assert value == want[0]
    for got, expect in zip(grads, want[1]):
        np.testing.assert_allclose(got, expect, rtol=1e-12)


# ---------------------------------------------------------------- symdiff compile


MODEL = """
import numpy as np
import scipy.linalg as sl
from scipy.linalg import expm


def loss(a, b):
    x = sl.solve_triangular(a, b, lower=True)
    return np.sum(x ** 2) + np.sum(np.sin(expm(0.2 * a)))
"""

RUN = """
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import generated
rng = np.random.default_rng(10)
a = rng.standard_normal((3, 3)) + 3 * np.eye(3)
b = rng.standard_normal(3)
print(json.dumps([a.tolist(), b.tolist(), generated.grad_loss(a, b).tolist()]))
"""


def test_compile_emits_a_module_importing_scipy_linalg(tmp_path):
    model = tmp_path / "model.py"
    model.write_text(textwrap.dedent(MODEL), encoding="utf-8")
    out = tmp_path / "generated.py"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    made = subprocess.run([sys.executable, "-m", "symdiff.cli", "compile", str(model),
                           "--wrt", "a", "-o", str(out)], capture_output=True, text=True,
                          env=env, cwd=REPO_ROOT, timeout=120)
    assert made.returncode == 0, made.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert "import scipy.linalg" in lines and "import numpy as np" in lines
    assert "needs NumPy and SciPy" in lines[2]
    ran = subprocess.run([sys.executable, "-c", RUN, str(tmp_path)], capture_output=True,
                         text=True, env=env, timeout=120)
    assert ran.returncode == 0, ran.stderr
    a, b, got = (np.array(v) for v in json.loads(ran.stdout))

    def loss(a):
        x = scipy.linalg.solve_triangular(a, b, lower=True)
        return np.sum(x ** 2) + np.sum(np.sin(scipy.linalg.expm(0.2 * a)))
    numeric = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[i] = 1e-6
        numeric[i] = (loss(a + step) - loss(a - step)) / 2e-6
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-7)


def test_an_unknown_scipy_linalg_function_is_refused_naming_the_known_ones(tmp_path):
    m = module_of([Case("f", "a", "np.sum(scipy.linalg.signm(a))", spd(3))], tmp_path, "signm")
    with pytest.raises(symdiff.SymdiffError, match="scipy.linalg.signm") as caught:
        symdiff.grad(m.f)(spd(3)(np.random.default_rng(0))[0])
    assert caught.value.loc is not None and "expm" in str(caught.value)


def test_logm_vjp_is_the_block_logarithm(module):
    source = symdiff.grad(module.logm_plain).source
    assert source.count("scipy.linalg.logm(") == 2 and "np.concatenate(" in source


def test_logm_of_a_matrix_with_a_negative_eigenvalue_is_refused(module):
    """Its principal logarithm is complex: refused, never a gradient of a real part."""
    a = np.diag([-1.0, 2.0, 3.0]) + 0.1
    with pytest.raises(symdiff.SymdiffError, match="complex") as caught:
        symdiff.value_and_grad(module.logm_plain)(a)
    assert caught.value.loc is not None


def test_sqrtm_of_a_matrix_with_a_negative_eigenvalue_is_refused(module):
    """Its principal root is complex: refused, never a gradient of a made-up real root."""
    a = np.diag([-1.0, 2.0, 3.0]) + 0.1
    with pytest.raises(symdiff.SymdiffError, match="complex") as caught:
        symdiff.value_and_grad(module.sqrtm_spd)(a)
    assert caught.value.loc is not None
