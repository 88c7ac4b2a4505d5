"""The ordinary losses of readability_corpus: right gradients, and generic code that reads
like the specialized code (no numbered temporaries, little shape plumbing)."""
import pytest

from readability_corpus import CASES
from support import assert_gradient


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_corpus_gradients_match_central_differences(case):
    args = case.inputs()
    assert_gradient(case.fn, *args, wrt=case.wrt)
