"""Where a hand-written backward pass first goes wrong: its named intermediates.

A hand-written backward names the gradients of the forward's intermediates: ``dscores``
for ``scores``, ``dhidden`` for ``hidden``. symdiff's gradient of the loss with respect to
an intermediate ``v`` (assigned once at the top level of the forward) is the gradient with
respect to a new parameter that replaces ``v`` right after its assignment
(``backward_slice.seeded_at``). The hand-written values are read from the locals of the
user's function when it returns. In the order the hand-written code first assigns them,
the first intermediate that differs (other than by a constant factor a later line may
undo) is where the error is made.
"""
from __future__ import annotations

import ast
import copy
import sys

import numpy as np

from . import backward_slice as slicing
from .verify import fresh, gradient_base
from .verify_diagnose import _nice, factor_of
from .verify_report import Intermediate, BackwardReport, compare


def intermediates(check, report: BackwardReport) -> None:
    """Append the named intermediates of the hand-written backward to ``report``."""
    try:
        hand_src, hand_code = check.hand_source()
        hand_tree = hand_src.tree
    except Exception:  # noqa: BLE001 - a backward without readable source: no steps
        return
    assigned = slicing.top_level_assignments(check.tree)
    params = set(check.params) | set(getattr(check, "seeds", ()))
    candidates = []
    for name, line, last in _first_assignments(hand_tree):
        base = next((b for b in gradient_base(name) if b in assigned and b not in params), None)
        if base is not None and not _written_later(check.tree, base, assigned[base]):
            candidates.append((name, base, line, last))
    if not candidates:
        return
    values = _snapshots(check, hand_code, {c[0] for c in candidates})
    lines = {name: (line, last) for name, line, last in _first_assignments(hand_tree)}
    for name, base, line, last in candidates:
        if not values[name]:
            continue
        step = _compare(check, name, base, assigned[base], values[name], line)
        if step is None:
            continue
        step.last = last
        step.text = hand_src.lines[line - 1].strip() if line <= len(hand_src.lines) else ""
        report.intermediates.append(step)
        if not step.ok and not step.scaled:
            return
    right = [i.last or i.line for i in report.intermediates if i.ok]
    wrong = [lines[g.name][0] for g in report.wrong if g.name in lines]
    if right and wrong and min(wrong) > max(right):
        report.right_until = max(right)     # every wrong gradient is computed after them


def _first_assignments(tree: ast.FunctionDef) -> list[tuple[str, int, int]]:
    """Names a function binds, in the order of their first binding: (name, line of the
    first binding, line of the last write into it)."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not isinstance(node, ast.FunctionDef):
            whole, partly = slicing.writes(node)
            for name in whole:
                first[name] = min(first.get(name, node.lineno), node.lineno)
            for name in whole | partly:
                last[name] = max(last.get(name, 0), node.end_lineno or node.lineno)
    return sorted(((n, line, last[n]) for n, line in first.items()), key=lambda t: t[1])


def _written_later(tree: ast.FunctionDef, name: str, stmt: ast.stmt) -> bool:
    """Whether ``name`` is written (into, or again) after ``stmt``: then which of its
    values a hand-written gradient means is not clear, and it is left alone."""
    later = tree.body[[ast.dump(s) for s in tree.body].index(ast.dump(stmt)) + 1:]
    for s in later:
        for node in ast.walk(s):
            if isinstance(node, ast.stmt):
                whole, partly = slicing.writes(node)
                if name in whole | partly:
                    return True
    return False


def _snapshots(check, code, names: set[str]) -> dict[str, list]:
    """The values the locals ``names`` of the function with this code object take while it
    runs at the check's inputs, each new value once (at most ``SNAPSHOTS`` per name)."""
    seen: dict[str, list] = {name: [] for name in names}

    def record(frame):
        for name in names:
            value = frame.f_locals.get(name)
            if not isinstance(value, (np.ndarray, float, np.floating)):
                continue
            values = seen[name]
            if len(values) < SNAPSHOTS and not (values and same(values[-1], value)):
                values.append(copy.deepcopy(value))

    watch(check, code, record)
    return seen


def watch(check, code, record) -> None:
    """Run the hand-written backward at the check's inputs, calling ``record(frame)`` after
    each line of the function with this code object (and when it returns)."""
    def local(frame, event, arg):
        if event in ("line", "return"):
            record(frame)
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code is code else None
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        check.hand_written(check.args)
    finally:
        sys.settrace(previous)


#: Values kept per intermediate (a loop may rewrite it at every step).
SNAPSHOTS = 50


def same(a, b) -> bool:
    """Whether two values are equal, shapes and all."""
    return np.shape(a) == np.shape(b) and bool(np.all(np.asarray(a) == np.asarray(b)))


def _compare(check, name: str, base: str, stmt: ast.stmt, snapshots: list, line: int):
    """Right if the hand-written ``name`` held symdiff's gradient of ``base`` at some point
    (``dhidden`` before the ReLU's mask is applied to it in place, ``dscores`` after the
    in-place updates that complete it); otherwise what its last value is."""
    values = check.args + check.douts
    try:
        value = _run_python(check, slicing.value_at(check.tree, base, stmt), values)
        taken = {n.id for n in ast.walk(check.tree) if isinstance(n, ast.Name)}
        seed = next(f"{base}_{k}" for k in range(1, 99) if f"{base}_{k}" not in taken)
        tree = slicing.seeded_at(check.tree, base, stmt, seed)
        run = check.compiled(tree, (len(values),), values + (value,))
        correct = run(values + (value,))[1][0]
    except Exception:  # noqa: BLE001 - an intermediate symdiff cannot seed: not compared
        return None
    for hand in snapshots:
        result = compare(name, base, hand, correct, check.rtol, check.atol)
        if result.ok:
            return Intermediate(name, line, True)
    if result.hand_array is not None and result.hand_array.shape == np.shape(correct):
        c = factor_of(result.hand_array, np.asarray(correct, dtype=float))
        if c is not None:
            return Intermediate(name, line, False, f"is {_nice(c)} times symdiff's gradient "
                                                   f"of {base} (right if a later line "
                                                   "scales it back)", scaled=True)
    at = f"{name}[{', '.join(map(str, result.worst))}]" if result.worst else name
    return Intermediate(name, line, False, f"differs from symdiff's gradient of {base}: "
                                           f"{at} is {result.hand:.6g}, should be "
                                           f"{result.correct:.6g}")


def _run_python(check, tree: ast.FunctionDef, values: tuple):
    """Run a cut of the user's function as plain Python, in a copy of its globals."""
    namespace = dict(check.forward.__globals__)
    module = ast.fix_missing_locations(ast.Module([tree], []))
    exec(compile(module, check.src.file, "exec"), namespace)
    return namespace[tree.name](*fresh(values))
