"""Optimization as part of the lesson: the chain rule's raw output, then what each pass changes.

``symdiff compile model.py --explain-passes`` prints the ``grad_<name>`` functions as the
chain rule writes them (before any optimizer pass), then, for each pass of
``optimize.optimize`` in the order it runs them (rounds until nothing changes), the pass's
name, what it does, and a unified diff of the generated source; a pass that changes
nothing says so. ``value_and_grad_<name>`` goes through the same passes and is not shown
again. Without argument shapes most passes cannot apply: when at most one pass changed
anything, a note says so and suggests ``--shapes``. It ends with the compiled module,
exactly as ``symdiff compile`` writes it: applying the diffs in order to the first listing
gives its ``grad_<name>`` functions.

    === the chain rule, before optimizing (grad_f; value_and_grad_f runs the same passes) ===
    <module>
    === round 1, pass 1 of 9: dead_code ===
    Keep only statements whose values reach the result (and the tapes that feed them).
    --- before dead_code
    +++ after dead_code
    @@ -40,7 +40,6 @@
    ...
"""
from __future__ import annotations

import difflib
import inspect
import textwrap

from ..optimize.passes import optimize_steps
from ..pipeline import Planned, annotated_shapes, chain_rule_ir, module_of
from ..ir.shapes import mark_items


def explain(plans: list[Planned], header: str, annotate=None,
            jit: bool = False) -> tuple[str, str]:
    """(the explanation, the compiled module it ends with) for these planned functions;
    ``jit`` shows each stage as written for numba. The passes are shown on the
    ``grad_<name>`` functions only: ``value_and_grad_<name>`` goes through the same ones,
    and each change would be shown twice."""
    shown = [plan for plan in plans if not plan.with_value] or plans
    built = [plan.build(chain_rule_ir) for plan in shown]
    passes = built[0][1]
    traces = [list(optimize_steps(fn, fn_passes)) for fn, fn_passes, _ in built]
    current = [fn for fn, _, _ in built]

    def source() -> str:            # each stage as the pipeline would finish it
        finished = [mark_items(fn, shapes) for fn, (_, _, shapes) in zip(current, built)]
        return module_of(shown, finished, header, annotate, jit)

    before = source()
    out = [_heading(first_title(shown, plans))[1:], before]
    steps = max(len(t) for t in traces)
    rounds = -(-steps // len(passes))
    changed: list[str] = []
    for r in range(rounds):
        section = []
        for k, p in enumerate(passes):
            step = r * len(passes) + k
            current = [t[step][2] if step < len(t) else fn for t, fn in zip(traces, current)]
            after = source()
            where = f"round {r + 1}, pass {k + 1} of {len(passes)}: {pass_name(p)}"
            if after == before:
                section.append(_heading(f"{where}: no change"))
                continue
            section += [_heading(where), describe(p),
                        _diff(before, after, pass_name(p))]
            changed.append(pass_name(p))
            before = after
        if r and all(line.endswith(": no change ===\n") for line in section):
            section = [_heading(f"round {r + 1}: no pass changes anything, so the optimizer "
                                "stops")]
        out += section
    unshaped = [a.arg for plan in shown for a in plan.src.tree.args.args
                if a.arg not in annotated_shapes(plan.src)]
    if len(set(changed)) <= 1 and unshaped and not any(plan.arg_shapes for plan in plans):
        out.append(_heading(shapes_note(changed, list(dict.fromkeys(unshaped)))))
    compiled = module_of(plans, [plan.build() for plan in plans], header, annotate, jit)
    out += [_heading("the compiled output"), compiled]
    return "".join(out), compiled


#: The first section's title.
CHAIN_RULE = "the chain rule, before optimizing"


def first_title(shown: list[Planned], plans: list[Planned]) -> str:
    others = [plan.name for plan in plans if plan not in shown]
    if not others:
        return CHAIN_RULE
    return (f"{CHAIN_RULE} ({', '.join(plan.name for plan in shown)}; "
            f"{', '.join(others)} {'runs' if len(others) == 1 else 'run'} the same passes)")


def shapes_note(changed: list[str], unshaped: list[str]) -> str:
    """Why so little changed: most passes need the argument shapes."""
    what = f"only {changed[0]} changed anything" if changed else "no pass changed anything"
    example = ", ".join(f"{p}=(...)" for p in unshaped[:3]) + (", ..." if len(unshaped) > 3
                                                                else "")
    return (f"{what}: without the argument shapes most passes cannot apply; give them "
            f"with --shapes \"{example}\" to see what they do")


def pass_name(p) -> str:
    return getattr(p, "func", p).__name__


def describe(p) -> str:
    """The first paragraph of a pass's docstring, wrapped."""
    doc = inspect.getdoc(getattr(p, "func", p)) or ""
    first = " ".join(doc.split("\n\n")[0].split())
    return textwrap.fill(first, 88) + "\n"


def _heading(text: str) -> str:
    """A section's title line, after a blank line that ends the section before it."""
    return f"\n=== {text} ===\n"


def _diff(before: str, after: str, name: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True),
                                 after.splitlines(keepends=True),
                                 f"before {name}", f"after {name}")
    return "".join(lines)


__all__ = ["explain", "pass_name", "describe"]
