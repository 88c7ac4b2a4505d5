"""Shared fixtures: the seed examples loaded from examples/, and their inputs.

The tests live in one folder per stage of the compiler (frontend/, ir/, primitives/,
ad/, optimize/, backend/, teach/ and api/ for the public API, the CLI and the docs);
the helpers and corpora they share (support.py, seed_cases.py, *_corpus.py...) stay
here, in tests/, which is put on ``sys.path`` so that every test imports them by name.

The example modules are plain Python files, not a package; ``load_example``
(support.py) imports one by path.
Inputs are random with fixed seeds, sized like the small cases of the notes.
"""
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

TESTS = str(Path(__file__).resolve().parent)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

#: Jitted gradients cached on disk go to a folder of this run, not the user's cache.
if "SYMDIFF_CACHE_DIR" not in os.environ:
    os.environ["SYMDIFF_CACHE_DIR"] = tempfile.mkdtemp(prefix="symdiff-cache-")
    atexit.register(shutil.rmtree, os.environ["SYMDIFF_CACHE_DIR"], True)

import seed_cases  # noqa: E402  (found through TESTS)
from support import load_example as _load_example  # noqa: E402


@pytest.fixture(scope="session")
def load_example():
    """``load_example("mlp")`` -> the module examples/mlp.py."""
    return _load_example


@pytest.fixture
def classifier_args():
    """(W, X, y, reg) for the linear classifiers: N=7, D=5, C=3."""
    return seed_cases.classifier_inputs(np.random.default_rng(231))


@pytest.fixture
def l2_args():
    """(W, b, X, t) for the L2 regression: N=6, D=4, K=3."""
    return seed_cases.l2_inputs(np.random.default_rng(224))


@pytest.fixture
def mlp_args():
    """(W1, b1, W2, b2, X, y, reg) for the 2-layer net: N=8, D=4, H=7, C=3."""
    return seed_cases.mlp_inputs(np.random.default_rng(2017))


# (w . phi) * y for each hinge case: misclassified and inside the margin are
# both active (loss > 0), beyond the margin is inactive (loss = 0).
HINGE_MARGINS = {"misclassified": -2.0, "inside_margin": 0.5,
                 "beyond_margin": 3.0}


@pytest.fixture(params=list(HINGE_MARGINS))
def hinge_args(request):
    """(w, phi, y) with D=5 and (w . phi) y set by the case's name."""
    rng = np.random.default_rng(5)
    w = rng.standard_normal(5)
    phi = rng.standard_normal(5)
    y = 1.0 if request.param != "misclassified" else -1.0
    # rescale w so that (w . phi) * y hits the wanted value exactly enough
    w = w * (HINGE_MARGINS[request.param] * y / np.dot(w, phi))
    return w, phi, y
