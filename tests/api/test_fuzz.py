"""Property-based fuzzing: random programs with branches and loops, checked end to end.

``fuzz_programs.programs()`` draws a small random function ``f(x, y, w)`` (straight-line
NumPy, ``if``/``elif``/``else``, ``for`` and ``while`` loops, ``break``, ``continue``, early
``return``, writes into local arrays, a helper); ``pick_inputs`` draws arguments from a
seeded RNG, away from every branch switch and kink. ``check_program`` then checks symdiff's
gradient with respect to all three arguments with ``symdiff.check_grad``, the kind of each
gradient, the shape-generic ``Gradient.source`` against the specialized call, and
``value_and_grad``.

The run is bounded (86 programs in seven tests aimed at straight-line code, branches,
loops, local arrays, writes through views and helpers, operators (remainders, ``or``/``and``,
``astype``, ``np.full``/``np.linspace``, norms with ``ord``, powers) and ``where`` traps;
derandomized, so CI sees the same programs every time)
and takes well under a minute. ``python scripts/fuzz.py --examples 2000 --seed N`` runs the
same property for longer; failures it found are pinned in ``test_fuzz_regressions.py``.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st

from fuzz_programs import check_program, pick_inputs, programs, time_limit

# No shrinking here: shrinking a failing program takes minutes. The report shows the
# program as drawn; `python scripts/fuzz.py --reduce-file PROGRAM.py --input-seed N`
# reduces it.
FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=False,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])

SEEDS = st.integers(0, 2 ** 32 - 1)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def check(program, seed, folder):
    note(f"program:\n{program.source}")
    args = pick_inputs(program, seed)
    assume(args is not None)          # no inputs away from the kinks: draw another program
    note(f"args = {args!r}\nto shrink it: save the program as bad.py, then run\n"
         f"    python scripts/fuzz.py --reduce-file bad.py --input-seed {seed}")
    # a `where` trap computes NaN and inf in its untaken branch (the property checks that
    # the gradients are finite)
    quiet = {"divide": "ignore", "invalid": "ignore"} if "where" in program.features else {}
    with time_limit(), np.errstate(**quiet):   # each takes a fraction of a second
        check_program(program, args, folder)


# 86 programs in all, aimed at one feature each (the rest of each program is drawn freely).

@settings(FUZZ, max_examples=10)
@given(program=programs(control_flow=False), seed=SEEDS)
def test_straight_line_programs(program, seed, folder):
    check(program, seed, folder)


@settings(FUZZ, max_examples=12)
@given(program=programs(require=("if",), max_statements=3), seed=SEEDS)
def test_programs_with_branches(program, seed, folder):
    check(program, seed, folder)


@settings(FUZZ, max_examples=14)
@given(program=programs(require=(("for", "while"),), max_statements=3), seed=SEEDS)
def test_programs_with_loops(program, seed, folder):
    check(program, seed, folder)


@settings(FUZZ, max_examples=14)
@given(program=programs(require=("write", ("for", "while", "if")), max_statements=2), seed=SEEDS)
def test_programs_writing_local_arrays(program, seed, folder):
    check(program, seed, folder)


@settings(FUZZ, max_examples=12)
@given(program=programs(require=("alias",), max_statements=3, aliasing=True), seed=SEEDS)
def test_programs_writing_through_views_and_helpers(program, seed, folder):
    check(program, seed, folder)


@settings(FUZZ, max_examples=12)
@given(program=programs(operators=True, max_statements=3), seed=SEEDS)
def test_programs_with_operators(program, seed, folder):
    assume("operator" in program.features)
    check(program, seed, folder)


@settings(FUZZ, max_examples=12)
@given(program=programs(operators=True, max_statements=2, control_flow=False), seed=SEEDS)
def test_programs_with_where_traps(program, seed, folder):
    """np.where whose untaken branch is NaN or infinite: gradients finite and equal to
    differences taken on the taken side (inputs stay away from the switch)."""
    assume("where" in program.features)
    check(program, seed, folder)
