"""The peer benchmark's correctness checks, at tiny sizes, so that the script does not rot.

No timing is asserted. For every workload of benchmarks/bench_peers.py:

- the hand-written gradient, the reference everything is timed against, matches central
  differences;
- symdiff and every peer that is installed compute the same gradient as the hand-written
  one (symdiff's jit only on the ODE: Numba compiles the others too slowly for the suite;
  the large MLP is the small one's function); a peer may fail only for a limitation
  listed here.

And the generated straight-line functions of the compile-time benchmark differentiate
correctly.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

from symdiff.check import numerical_gradient

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import bench_peers
import compile_scaling
import peer_workloads
import peers

#: What a peer cannot do, by (tool, workload): a phrase of its error message.
LIMITATIONS = {("tangent", "mlp"): "attributes are not yet supported",
               ("tangent", "svm"): "attributes are not yet supported",
               ("tangent", "gmm"): "attributes are not yet supported"}
PEER_TOOLS = ("symdiff", "hand") + peers.PEERS


@pytest.mark.parametrize("key", peer_workloads.WORKLOADS)
def test_hand_written_gradient_matches_central_differences(key):
    w = peer_workloads.WORKLOADS[key](tiny=True)
    for i, grad in zip(w.wrt, w.hand(*w.args)):
        numeric = numerical_gradient(w.fn, w.args, i)
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7,
                                   err_msg=f"{key}: gradient wrt argument {i}")


@pytest.mark.parametrize("key", [k for k in peer_workloads.WORKLOADS if k != "mlp-large"])
def test_every_installed_tool_agrees_with_the_hand_written_gradient(key):
    w = peer_workloads.WORKLOADS[key](tiny=True)
    tools = PEER_TOOLS + (("symdiff-jit",) if key == "ode" else ())
    status = peers.available(tools)
    result = bench_peers.Result(w.title)
    want = tuple(w.hand(*w.args))
    checked = [tool for tool in tools if status[tool] is None
               and bench_peers.prepare_checked(tool, lambda t=tool: peers.prepare(t, w), want,
                                               result)]
    checked += [label for label, fn in w.references.items()
                if bench_peers.prepare_checked(label, lambda f=fn: peers.reference(f, w), want,
                                               result)]
    assert not result.broken, result.status
    for tool in result.status:
        why = " ".join(n for n in result.notes if n.startswith(peers.LABELS.get(tool, tool)))
        assert LIMITATIONS.get((tool, key), "unexpected") in why, f"{tool}: {why}"
    assert {"symdiff", "hand"} <= set(checked)


def test_interleaved_timing_gives_a_median_and_a_fastest_time_per_call():
    timings = bench_peers.measure({"a": lambda: None, "b": lambda: sum(range(10))},
                                  repeats=3, min_sample=1e-4, budget=0.01)
    assert set(timings) == {"a", "b"}
    assert all(0 < fastest <= median for median, fastest in timings.values())


def test_generated_straight_line_functions_differentiate_correctly():
    source = compile_scaling.straight_line_source(30)
    assert source.count("\n    ") == 31                  # 30 statements and the return
    rows = compile_scaling.compile_times([30])
    assert rows[0][1] is not None, rows[0][2]
    assert "matches central differences" in rows[0][2]
