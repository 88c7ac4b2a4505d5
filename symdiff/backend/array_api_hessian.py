"""``hessian_<name>`` in array-API calls: one ``hvp_<name>`` per unit vector, assembled.

The NumPy module writes its unit vectors in place (``v.flat[k] = 1.0``); here each is
``arange(size) == k``, cast to the argument's dtype and reshaped, so the assembly is
standard calls only (lazy in Dask) and the blocks keep the arguments' library:

    >>> print(hessian_source(forward, (0,), False, "f (model.py:3)"))
"""
from __future__ import annotations

import math

from ..frontend.received_arrays import noted
from ..ir import Function
from .array_api import XP
from .codegen import parameter_list
from .quoting import docstring

#: The assembly's own names, renamed when a parameter takes one.
LOCALS = ("wrt", "blocks", "j", "columns", "k", "vs", "a", "hv", "i", "stacked", "c", "row",
          "shape", "size")


def hessian_source(fn: Function, wrt: tuple[int, ...], tuple_out: bool, where: str) -> str:
    taken = {p.name for p in fn.params} | {XP}
    names = {}
    for local in LOCALS:
        names[local] = next(c for c in [local] + [f"{local}_{k}" for k in range(1, 99)]
                            if c not in taken)
        taken.add(names[local])
    signature = ", ".join(parameter_list(fn, _number))   # module arrays: by keyword
    received = dict(fn.received)
    params = ", ".join(p.name for p in fn.params if p.name not in received)
    passed = "".join(f", {name}={name}" for name in received)
    chosen = ", ".join(fn.params[i].name for i in wrt)
    several = tuple_out or len(wrt) > 1
    n = len(wrt)
    doc = f"Hessian of {where} with respect to {chosen}: one hvp_{fn.name} per unit\n" \
        "    vector" + (", in blocks H[i][j]." if several else ".")
    lines = [f"def hessian_{fn.name}({signature}):", docstring(noted(doc, fn), "    "),
             f"    {XP} = array_namespace({params})  # the arguments' array library",
             f"    {{wrt}} = tuple({XP}.asarray({{a}}) for {{a}} in ({chosen},))",
             f"    {{blocks}} = [[None] * {n} for _ in range({n})]",
             f"    for {{j}} in range({n}):",
             "        {shape} = tuple({wrt}[{j}].shape)",
             "        {size} = math.prod({shape})",
             "        {columns} = []",
             "        for {k} in range({size}):",
             f"            {{vs}} = [{XP}.zeros_like({{a}}) for {{a}} in {{wrt}}]",
             f"            {{vs}}[{{j}}] = {XP}.reshape({XP}.astype({XP}.arange({{size}}) == "
             "{k}, {wrt}[{j}].dtype), {shape})",
             f"            {{hv}} = hvp_{fn.name}({params}, *{{vs}}{passed})",
             "            {columns}.append({hv} if isinstance({hv}, tuple) else ({hv},))",
             f"        for {{i}} in range({n}):",
             f"            {{stacked}} = {XP}.stack([{XP}.asarray({{c}}[{{i}}]) "
             "for {c} in {columns}], axis=-1)",
             f"            {{blocks}}[{{i}}][{{j}}] = {XP}.reshape({{stacked}}, "
             "tuple({wrt}[{i}].shape) + {shape})",
             "    return tuple(tuple({row}) for {row} in {blocks})" if several else
             "    return {blocks}[0][0]"]
    text = "\n".join(line.replace("{", "{{").replace("}", "}}") if k == 1 else line
                     for k, line in enumerate(lines)) + "\n"
    return text.format(**names)


def _number(value) -> str:
    """A default as source: inf and nan as ``math`` spells them."""
    if isinstance(value, float) and not math.isfinite(value):
        return "math.nan" if math.isnan(value) else ("-math.inf" if value < 0 else "math.inf")
    return repr(value)


__all__ = ["hessian_source"]
