"""Which time step of a hand-written backward through a loop goes wrong first.

A recurrent network's backward walks the steps in reverse, carrying the gradient of the
hidden state: ``dh`` holds the gradient of ``h`` as the step ``t = T-1`` computed it, then
(after ``dh = da.dot(Wh.T)``) of ``h`` as the step before computed it, and so on. symdiff
runs its own gradient step by step (``trace``) and knows the gradient of every value of
``h``; the hand-written ``dh`` is watched while the backward runs. The k-th value ``dh``
takes is compared with symdiff's gradient of the k-th last ``h``: the first that differs
names the forward step whose gradient is wrong, and the iteration of the backward loop
that computed it.

    >>> time_steps(check, report)
    >>> report.notes[-1]
    'time steps: dh is right for h of t=2 and t=1, first wrong for h of t=0 (...)'
"""
from __future__ import annotations

import ast
import copy
from dataclasses import replace

import numpy as np

from .labels import Labels
from .verify import gradient_base
from .verify_report import BackwardReport, compare
from .verify_steps import same, watch

#: Values of the watched gradient kept (one per backward step).
MOST = 200


def time_steps(check, report: BackwardReport) -> None:
    """Add a note naming the first time step whose gradient is wrong, where the forward
    carries a value through a loop and the backward names its gradient ``d<value>``."""
    try:
        hand_src, code = check.hand_source()
    except Exception:  # noqa: BLE001 - a backward without readable source: no steps
        return
    watched = _loop_gradients(hand_src.tree)
    if not watched:
        return
    try:
        per_step = _symdiff_per_step(check)
    except Exception:  # noqa: BLE001 - a function trace cannot run: no time steps
        return
    for name, loop_var in watched:
        base = next((b for b in gradient_base(name) if b in per_step), None)
        if base is None or len(per_step[base]) < 2:
            continue
        note = _first_wrong(check, name, base, loop_var, per_step[base], code)
        if note:
            report.notes.append(note)
            return


def _loop_gradients(tree: ast.FunctionDef) -> list[tuple[str, str | None]]:
    """Names assigned inside a ``for`` loop of the backward, with the loop's variable."""
    found: dict[str, str | None] = {}
    for loop in ast.walk(tree):
        if not isinstance(loop, ast.For):
            continue
        var = loop.target.id if isinstance(loop.target, ast.Name) else None
        for node in ast.walk(loop):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, var)
    return list(found.items())


def _symdiff_per_step(check) -> dict[str, list[tuple[str, object, int]]]:
    """User name -> [(iteration label, symdiff's gradient of that value, line)], latest
    iteration first, for the values a loop computes."""
    from .trace import trace
    src = replace(check.src, tree=check.tree)
    params = [a.arg for a in check.tree.args.args]
    values = dict(zip(params, check.args + check.douts))
    run = trace(src, values, tuple(check.params[i] for i in check.wrt))
    labels = Labels(run)
    upstream = {}
    for b in run.backprops:
        upstream.setdefault(b.step, b.upstream)
    found: dict[str, list] = {}
    for k, step in enumerate(run.steps):
        if step.context and not step.node.temporary and k in upstream:
            name = labels.step[k]
            found.setdefault(name, []).append((run.contexts.get(step.context, ""),
                                               upstream[k], step.node.loc.line
                                               if step.node.loc else 0))
    return {n: list(reversed(v)) for n, v in found.items()}


def _first_wrong(check, name: str, base: str, loop_var, steps: list, code) -> str:
    seen = _watch(check, code, name, loop_var)
    if len(seen) < 2:
        return ""
    right = []
    for (label, correct, line), (hand, hand_line, at) in zip(steps, seen):
        if compare(name, base, hand, correct, check.rtol, check.atol).ok:
            right.append(label)
            continue
        where = (f"the value of {name} set at line {hand_line}"
                 + (f" in the backward iteration {loop_var}={at}" if at is not None else ""))
        good = (f"{name} is right for {base} of {_joined(right)}, first wrong for "
                if right else f"{name} is wrong from the first step: ")
        return (f"time steps: {good}{base} of {label} (computed at line {line}): "
                f"{where}")
    return ""


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


def _watch(check, code, name: str, loop_var) -> list[tuple[object, int, object]]:
    """Every new value ``name`` takes while the backward runs: (value, the line that set
    it, the loop variable then)."""
    seen: list = []
    last: dict = {}

    def record(frame):
        value = frame.f_locals.get(name)
        if isinstance(value, (np.ndarray, float, np.floating)) and len(seen) < MOST and \
                not (seen and same(seen[-1][0], value)):
            seen.append((copy.deepcopy(value), last.get("line", frame.f_lineno),
                         frame.f_locals.get(loop_var) if loop_var else None))
        last["line"] = frame.f_lineno
    watch(check, code, record)
    return seen


__all__ = ["time_steps"]
