"""Every breadth entry is tested by construction: each registry entry of the families
added for breadth, each composition lowered onto primitives and each row of the
scipy.special table has a case in the breadth tables (tests/test_breadth_*.py), which
check value, gradient, forward mode and, for a sample, the Hessian and jit.
"""
from __future__ import annotations

import re

import pytest
import test_breadth_arrays as arrays
import test_breadth_cond_gamma as cond_gamma
import test_breadth_constants as constants
import test_breadth_covariance as covariance
import test_breadth_differences as differences
import test_breadth_dtype_of as dtype_of
import test_breadth_elementwise as elementwise
import test_breadth_indices as indices
import test_breadth_joins as joins
import test_breadth_linalg as linalg
import test_breadth_more as more
import test_breadth_moves as moves
import test_breadth_products as products
import test_breadth_scipy_linalg as scipy_linalg
import test_breadth_shapes as shapes
import test_fft as fft
import test_fft_complex as fft_complex
import test_scipy_functions as scipy_functions
import test_statistics as statistics

from symdiff.frontend import lower_compositions
from symdiff.primitives import elementwise as E
from symdiff.primitives import registry as R

BODIES = " ".join(c.body for c in arrays.CASES + linalg.CASES + linalg.COMPOSED + linalg.EIGEN
                  + shapes.CASES + elementwise.CASES + statistics.CASES
                  + scipy_functions.CASES + moves.CASES + products.CASES + indices.CASES
                  + scipy_linalg.CASES + differences.CASES + covariance.CASES + more.CASES
                  + constants.CASES + joins.CASES + cond_gamma.CASES + dtype_of.CASES
                  ) + " " + " ".join(fft.BODIES + [c.body for c in fft_complex.CASES])
FAMILIES = {"contractions", "manipulation", "scipy_linalg", "fft"}
DENSE = {"inv", "solve", "det", "logabsdet", "cholesky", "tril", "triu", "eigvalsh"}
#: Entries users cannot spell: the VJP of another entry, tested by that entry's Hessian cases.
INTERNAL = {"unrepeat": "repeat"}
ENTRIES = [p for p in R.all_primitives() if (p.family in FAMILIES or p.name in DENSE)
           and p.name not in INTERNAL]


def _called(spelling: str) -> bool:
    """Whether some case calls ``np.<name>`` / ``x.<name>()`` (any module alias)."""
    name = spelling.split(".", 1)[1].rstrip("()")
    return re.search(r"\." + re.escape(name) + r"\(", BODIES) is not None


@pytest.mark.parametrize("entry", ENTRIES, ids=[p.name for p in ENTRIES])
def test_every_breadth_entry_has_a_case(entry):
    assert entry.spellings, f"{entry.name} has no spelling users can write"
    for spelling in entry.spellings:
        assert _called(spelling), f"no breadth case calls {spelling}"


@pytest.mark.parametrize("name", sorted(lower_compositions.NUMPY))
def test_every_composition_has_a_case(name):
    assert _called("np." + name.split(".")[-1])


COMPOSED = sorted(s for c in R.all_compositions() for s in c.spellings)


@pytest.mark.parametrize("spelling", COMPOSED)
def test_every_registry_composition_has_a_case(spelling):
    """Each spelling of a ``Composition`` entry is called by some case of the breadth
    tables (tests/primitives/test_breadth_*.py, test_statistics.py...)."""
    assert _called(spelling), f"no case calls {spelling}"


@pytest.mark.parametrize("name", sorted(INTERNAL))
def test_internal_entries_are_reached_by_a_second_order_case(name):
    parent = R.primitive(INTERNAL[name])
    spelled = [s.split(".", 1)[1].rstrip("()") for s in parent.spellings]
    cases = arrays.CASES + shapes.CASES + linalg.CASES + linalg.COMPOSED + linalg.EIGEN
    assert any(c.second and any(f".{s}(" in c.body for s in spelled) for c in cases)


def test_every_scipy_row_has_a_case():
    assert set(E.SCIPY_SPECIAL) <= {c.id[len("sp_"):] for c in elementwise.CASES}
