"""Why a hand-written gradient is wrong: the diagnoses ``check_backward`` tries.

Each test compares the hand-written gradient H with symdiff's C (and, where it needs
them, with more runs of both at changed inputs):

- *a constant factor*: H = c C (c = -1: the sign is flipped);
- *a term of the loss*: with a scalar argument such as ``reg`` set to 0 the two agree,
  so the error is in the term that argument enters, whose own gradient
  (C - C at reg = 0) is then compared with the hand-written one (H - H at reg = 0);
- *only the diagonal of the Jacobian*: H = diag(J) * dout, the elementwise part of
  a coupled layer (softmax's p * (1 - p));
- *wrong rows*: some rows agree, others not (rows of repeated indices that ``a[i] += v``
  does not accumulate are named as such);
- *close everywhere*: a small relative error throughout, the derivative of a slightly
  different formula (an approximation's).

At the worst element, central differences of the user's own forward pass confirm which
side is right.
"""
from __future__ import annotations

import ast

import numpy as np

from . import backward_slice as slicing
from .verify_report import Comparison, BackwardReport, compare

#: Arrays with at most this many elements get their full Jacobian for the diagonal test.
JACOBIAN_LIMIT = 400


def explain(check, report: BackwardReport) -> None:
    """Fill in the diagnoses of the wrong gradients of ``report``, in place."""
    for k, g in enumerate(report.gradients):
        if g.ok or g.hand_array is None or g.hand_array.shape != g.correct_array.shape:
            continue
        position = check.wrt[k]
        _confirm(check, g, position)
        g.diagnosis += (_zero(g) or _with_sizes(check, _factor(g.hand_array, g.correct_array)) or
                        _term(check, k, g) or _dropped_term(check, k, g) or
                        _diagonal(check, k, g, position) or
                        _rows(check, g) or _close(g))
    from .verify_steps import intermediates
    from .verify_time import time_steps
    intermediates(check, report)
    time_steps(check, report)


def _confirm(check, g: Comparison, position: int) -> None:
    """Central differences at the worst element, where they can tell the two apart."""
    flat = int(np.ravel_multi_index(g.worst, g.shape)) if g.worst else 0
    try:
        g.numerical = check.numerical(position, flat)
    except Exception:  # noqa: BLE001 - the user's forward may refuse a nudged input
        return
    scale = max(abs(g.hand), abs(g.correct), 1e-12)
    if abs(g.numerical - g.hand) < abs(g.numerical - g.correct) and \
            abs(g.numerical - g.correct) > 1e-4 * scale:
        g.diagnosis.append("central differences side with the hand-written value here: "
                           "the input may sit on a kink (a tie in max, relu at 0); try "
                           "other random inputs")


def _zero(g: Comparison) -> list[str]:
    if not np.any(g.hand_array) and np.any(g.correct_array):
        return [f"is all zeros: no gradient reaches {g.argument}"]
    return []


def _factor(hand: np.ndarray, correct: np.ndarray, what: str = "") -> list[str]:
    """H = c C for a constant c other than 1."""
    c = factor_of(hand, correct)
    if c is None:
        return []
    if abs(c + 1) < 1e-6:
        return [f"sign flipped{what}: it is minus the correct gradient"]
    if abs(c) < 1e-9 or hand.size == 1 and "." in _nice(c):
        return []              # any number is some multiple of another: say so only if nice
    return [f"off by a constant factor {_nice(c)}{what}: it is {_nice(c)} times the correct "
            "gradient"]


def _with_sizes(check, found: list[str]) -> list[str]:
    """A factor 1/n or n where n is a size of an argument (the batch size N, say): a mean
    where a sum belongs, or a division by N forgotten or repeated."""
    if not found or "factor" not in found[0]:
        return found
    sizes: dict[int, str] = {}
    for name, value in zip(check.params, check.args):
        for n in np.shape(value):
            if n > 1:
                sizes.setdefault(n, name)         # the first argument with that size
    factor = found[0].split("factor ")[1].split(":")[0]
    size = int(factor[2:]) if factor.startswith("1/") else int(factor) if factor.isdigit() \
        else None
    if size in sizes:
        axis = list(np.shape(check.args[check.params.index(sizes[size])])).index(size)
        what = (f"divided by {size}, a size of {sizes[size]} (axis {axis}): a mean where a "
                "sum belongs, or a division done twice?" if factor.startswith("1/") else
                f"{size} times, a size of {sizes[size]} (axis {axis}): a division by it "
                "forgotten?")
        return found + [what]
    return found


def factor_of(hand: np.ndarray, correct: np.ndarray) -> float | None:
    """c with hand = c * correct (to round-off), when there is one and it is not 1."""
    norm = float(np.sum(correct * correct))
    if norm == 0:
        return None
    c = float(np.sum(hand * correct)) / norm
    if abs(c - 1) < 1e-6 or np.linalg.norm(hand - c * correct) > 1e-6 * np.linalg.norm(hand):
        return None
    return c


def _nice(c: float) -> str:
    for k in range(2, 13):
        if abs(c - k) < 1e-6 * k:
            return str(k)
        if abs(c - 1 / k) < 1e-6:
            return f"1/{k}"
    return f"{c:.4g}"


def _term(check, k: int, g: Comparison) -> list[str]:
    """Right with a scalar argument set to 0: the error is in the term it enters."""
    for i, (param, value) in enumerate(zip(check.params, check.args)):
        if i in check.wrt or not isinstance(value, (float, np.floating)) or value == 0:
            continue
        args = check.args[:i] + (0.0,) + check.args[i + 1:]
        try:
            hand0 = np.asarray(check.hand_written(args)[k], dtype=float)
            correct0 = np.asarray(check.gradient(args)[1][k], dtype=float)
        except Exception:  # noqa: BLE001 - the functions may not accept 0 there
            continue
        if hand0.shape != g.shape or not compare(g.name, g.argument, hand0, correct0,
                                                 check.rtol, check.atol).ok:
            continue
        stmt = slicing.first_line_using(check.tree, param)
        where = (f" (line {stmt.lineno}: `{_text(check, stmt)}`)" if stmt is not None else "")
        head = f"right except for the term with {param}{where}: right when {param} = 0"
        term_hand = g.hand_array - hand0
        term_correct = g.correct_array - correct0
        c = factor_of(term_hand, term_correct)
        if not np.any(term_hand):
            return [head, "the gradient of that term is missing"]
        if c is not None and abs(c + 1) < 1e-6:
            return [head, "the gradient of that term has its sign flipped"]
        if c is not None:
            return [head, f"the gradient of that term is off by a factor {_nice(c)}"]
        at = g.worst or ()
        return [head, f"the gradient of that term at {g.name}{list(at) if at else ''} is "
                      f"{_item(term_hand, at):.6g}, should be {_item(term_correct, at):.6g}"]
    return []


def _dropped_term(check, k: int, g: Comparison) -> list[str]:
    """The difference is the gradient of one term of the loss: left out, sign flipped or
    scaled (found by running symdiff's gradient with that term left out)."""
    if check.backward is not None:
        return []
    taken = {n.id for n in ast.walk(check.tree) if isinstance(n, ast.Name)}
    seed = next(f"scale_{j}" for j in range(1, 99) if f"scale_{j}" not in taken)
    for stmt, node, term in slicing.additive_terms(check.tree):
        tree = slicing.scaled_term(check.tree, stmt, node, seed)
        try:
            run = check.compiled(tree, tuple(check.wrt), check.args + (1.0,))
            without = np.asarray(run(check.args + (0.0,))[1][k], dtype=float)
        except Exception:  # noqa: BLE001 - a term symdiff cannot scale: not tried
            continue
        alone = g.correct_array - without
        if not np.any(np.abs(alone) > 1e-12 * max(1.0, float(np.max(np.abs(g.correct_array))))):
            continue
        c = factor_of(g.hand_array - without, alone)
        what = f"the term `{_segment(check, term)}` (line {term.lineno})"
        if compare(g.name, g.argument, g.hand_array, without, check.rtol, check.atol).ok:
            return [f"right except for {what}: its gradient is missing"]
        if c is not None and abs(c + 1) < 1e-6:
            return [f"right except for {what}: its gradient has its sign flipped"]
        if c is not None:
            return [f"right except for {what}: its gradient is off by a factor {_nice(c)}"]
    return []


def _segment(check, node: ast.expr) -> str:
    """The source text of an expression, as the user wrote it (``1e-2``, not ``0.01``)."""
    if node.lineno == node.end_lineno and node.lineno <= len(check.src.lines):
        line = check.src.lines[node.lineno - 1].encode("utf-8")
        return line[node.col_offset:node.end_col_offset].decode("utf-8", "replace")
    return ast.unparse(node)


def _item(array: np.ndarray, at: tuple) -> float:
    return float(array[at]) if at else float(array)


def _text(check, stmt) -> str:
    lines = check.src.lines[stmt.lineno - 1:stmt.end_lineno]
    return " ".join(line.strip() for line in lines)


def _diagonal(check, k: int, g: Comparison, position: int) -> list[str]:
    """H = diag(J) * dout for the forward's Jacobian J (an output shaped like the input)."""
    if check.backward is None or len(check.douts) != 1:
        return []
    dout = np.asarray(check.douts[0], dtype=float)
    if dout.shape != g.shape or dout.size > JACOBIAN_LIMIT:
        return []
    diagonal = np.zeros(dout.size)
    for m in range(dout.size):
        unit = np.zeros(dout.size)
        unit[m] = 1.0
        row = check.gradient(douts=(unit.reshape(dout.shape),))[1][k]
        diagonal[m] = np.asarray(row, dtype=float).reshape(-1)[m]
    only = diagonal.reshape(dout.shape) * dout
    if compare(g.name, g.argument, g.hand_array, only, 1e-6, check.atol).ok and \
            not np.allclose(only, g.correct_array):
        return ["only the diagonal of the Jacobian: each output's gradient goes to its own "
                "input only; the terms that couple the outputs (softmax's -p_i p_j) are "
                "missing"]
    return []


def _rows(check, g: Comparison) -> list[str]:
    """Some rows right, some wrong."""
    hand, correct = g.hand_array, g.correct_array
    if hand.ndim == 0 or hand.shape[0] < 2:
        return []
    bad = [r for r in range(hand.shape[0]) if not compare(g.name, g.argument, hand[r],
                                                          correct[r], check.rtol,
                                                          check.atol).ok]
    if not bad or len(bad) == hand.shape[0]:
        return []
    word = "rows" if hand.ndim > 1 else "elements"
    out = [f"wrong {word}: {_listed(bad)}"]
    for i, value in zip(check.params, check.args):
        if isinstance(value, np.ndarray) and value.dtype.kind in "iu" and value.size:
            counts = np.bincount(value.reshape(-1).astype(int) - min(0, int(value.min())))
            repeated = [r for r in range(len(counts)) if counts[r] > 1]
            if repeated and repeated == bad:
                out.append(f"they are the indices that occur more than once in {i}: "
                           f"`a[{i}] += v` adds only one of the repeats; accumulate with "
                           f"np.add.at(a, {i}, v)")
    return out


def _listed(items: list[int], most: int = 12) -> str:
    shown = ", ".join(map(str, items[:most]))
    return f"[{shown}{', ...' if len(items) > most else ''}]"


def _close(g: Comparison) -> list[str]:
    hand, correct = g.hand_array, g.correct_array
    scale = max(float(np.max(np.abs(correct))), 1e-12)
    worst = float(np.max(np.abs(hand - correct))) / scale
    if worst < 1e-2:
        return [f"close everywhere (at most {worst:.1e} of the largest element) but not "
                "equal: the derivative of a slightly different formula, such as another "
                "approximation of the function"]
    return []
