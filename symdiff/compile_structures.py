"""``symdiff compile`` of functions whose parameters are dicts, lists or tuples.

The file is never run, so each parameter's structure is static: given with ``--shapes``
(``params={'W': (D, C), 'b': (C,)}``, ``layers=[((3, 4), (4,))] * 2``, see
``frontend.structure_spec``) or read from the source, as the keys the function reads
(``params['W']``, ``params['blocks']['W']``, also inside helpers; ``frontend.discover``).
The function is compiled as for ``grad`` on such arguments, with one parameter per leaf
(``pytrees.flat_source``: ``grad_loss_leaves(params_W, params_b, X, y)``), and the module
gets the functions the user calls, in the parameters' structure::

    def grad_loss(params, X, y):
        expect_keys(params, "params", ('W', 'b'))
        params_W = params['W']
        params_b = params['b']
        dparams_W, dparams_b = grad_loss_leaves(params_W, params_b, X, y)
        return {'W': dparams_W, 'b': dparams_b}

Each is checked at run time to be called with the structure it was compiled for (the
same keys, the same lengths): another structure raises a ValueError, never a wrong value.
"""
from __future__ import annotations

import ast
import copy
import dataclasses
import textwrap

from .errors import Problem, SymdiffError
from .frontend import discover
from .frontend.env import Dict, Tup
from .frontend.lower import RankNeeded, lower
from .frontend.structure_spec import LEAF, Declared
from .ir import Var
from .pytrees import flat_source

#: a structure is read again after each new key found; this many rounds at most
ROUNDS = 64

CHECKS = '''

def expect_keys(value, name, keys):
    """A dict argument has the keys its gradient was compiled for."""
    if not isinstance(value, dict) or set(value) != set(keys):
        raise ValueError(f"{name} must be a dict with the keys {', '.join(map(repr, keys))}: "
                         "the gradient was compiled for them (give others with --shapes)")


def expect_length(value, name, length):
    """A list or tuple argument has the length its gradient was compiled for."""
    if not isinstance(value, (list, tuple)) or len(value) != length:
        raise ValueError(f"{name} must be a list or tuple of {length} items: the gradient "
                         "was compiled for them (give others with --shapes)")
'''


@dataclasses.dataclass(frozen=True)
class Flat:
    """One function compiled through its leaves: how to call it in its structure."""

    name: str                   # the user's function
    flat_name: str              # the function of the leaves
    params: tuple               # the user's parameters
    structures: tuple           # one per parameter (LEAF for an array)
    leaves: tuple               # the leaf parameters of the flat function, in order
    wrt: tuple                  # positions of the parameters differentiated
    where: str                  # "loss (model.py:3)"
    signature: tuple            # the parameters as the def writes them, with defaults


def split(spec: dict) -> tuple[dict, dict]:
    """(the plain shapes, the structures declared) of a ``--shapes`` spec."""
    return ({k: v for k, v in spec.items() if not isinstance(v, Declared)},
            {k: v for k, v in spec.items() if isinstance(v, Declared)})


def flatten_items(items: list, declared: dict, tuple_out: bool, mode: str, order: int):
    """The items to compile (a structured function by its leaves), the shapes of leaves
    given, and the source of the functions that take the structures (or "")."""
    out, leaf_shapes, flats = [], {}, []
    for src, positions in items:
        params = [a.arg for a in src.tree.args.args]
        mine = {p: declared[p] for p in params if p in declared}
        structures = discovered(src, params, mine)
        if all(s == LEAF for s in structures):
            out.append((src, positions))
            continue
        if (mode, order) != ("reverse", 1):
            name = next(p for p, s in zip(params, structures) if s != LEAF)
            raise SymdiffError(f"`{name}` of {src.name} is a dict, list or tuple: symdiff "
                               "compile writes the gradient of such a parameter in reverse "
                               "mode, first order", src.loc(src.tree),
                               hint="leave out --mode forward and --order 2, or pass the "
                                    "entries as separate parameters")
        flat = _flat(src, params, structures)
        leaves = [a.arg for a in flat.tree.args.args]
        for p, leaf_names in zip(params, _owned(params, structures, leaves)):
            if p in mine:
                leaf_shapes.update({n: s for n, s in zip(leaf_names, mine[p].shapes)
                                    if s is not None})
        owned = _owned(params, structures, leaves)
        flat_positions = tuple(leaves.index(n) for i in positions for n in owned[i])
        out.append((flat, flat_positions))
        where = f"{src.name} ({_short(src.file)}:{src.tree.lineno})"
        flats.append(Flat(src.name, flat.name, tuple(params), structures, tuple(leaves),
                          tuple(positions), where, _signature(src.tree)))
    text = CHECKS + "".join(wrappers(f, tuple_out) for f in flats) if flats else ""
    return out, leaf_shapes, text


def discovered(src, params: list, declared: dict) -> tuple:
    """Each parameter's structure: as declared, else the keys the function reads from it
    (found lowering it again after each new key), else an array (LEAF)."""
    structures = {p: declared[p].structure if p in declared else LEAF for p in params}
    read_at: dict = {}
    for _ in range(ROUNDS):
        flat = _flat(src, params, tuple(structures.values()))
        recorder = discover.Recorder(*_paths(flat, params, structures, set(declared)))
        try:
            with discover.recording(recorder):
                lower(flat)
            return tuple(_in_order(s, (p,), read_at) for p, s in structures.items())
        except SymdiffError as exc:
            if not recorder.found and isinstance(exc, RankNeeded):  # lowered again with
                return tuple(_in_order(s, (p,), read_at)            # the shapes later
                             for p, s in structures.items())
            if not recorder.found:
                raise _with_hint(exc, src, [p for p in params if p not in declared]) from None
        for path, key, where in recorder.found:
            structures[path[0]] = _with_key(structures[path[0]], path[1:], key)
            read_at[path + (key,)] = min(where, read_at.get(path + (key,), where))
    raise SymdiffError(f"the structure of {src.name}'s parameters is too deep to read from "
                       "the source", src.loc(src.tree), hint="give it with --shapes")


def _with_hint(exc: SymdiffError, src, open_params: list) -> SymdiffError:
    """``exc``, and where a parameter is iterated, unpacked or indexed by a string (a list
    or dict whose structure the function's reads do not show), how to give it."""
    used = [p for p in open_params if _used_as_container(src.tree, p)]
    if not used:
        return exc
    p = used[0]
    return SymdiffError(problems=exc.problems + (Problem(
        f"`{p}` looks like a list or dict: symdiff compile reads a parameter's structure "
        "from the keys the function reads by name, which do not show it here",
        src.loc(src.tree), f"give its structure with --shapes, e.g. --shapes "
        f"\"{p}=[((D, H), (H,)), ((H, C), (C,))]\" for a list of (W, b) pairs, "
        f"\"{p}={{'W': (D, C), 'b': (C,)}}\" for a dict (... for a leaf of any shape)"),))


def _used_as_container(tree: ast.FunctionDef, name: str) -> bool:
    """Is ``name`` (or an entry of it) iterated, unpacked or indexed by a string?"""
    def rooted(e):
        while isinstance(e, ast.Subscript):
            e = e.value
        return isinstance(e, ast.Name) and e.id == name
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.comprehension)) and rooted(node.iter):
            return True
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], (ast.Tuple, ast.List)) \
                and rooted(node.value):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("items", "values", "keys") and rooted(node.func.value):
            return True
    return False


def _flat(src, params: list, structures: tuple):
    """``src`` with one parameter per leaf, named ``<name>_leaves`` when it has structure."""
    if all(s == LEAF for s in structures):
        return src
    paths = [(path, None) for p, s in zip(params, structures) for path in _leaf_paths(s, (p,))]
    flat = flat_source(src, params, structures, paths)
    taken = set(src.scope.functions) | {a.arg for a in flat.tree.args.args}
    name = next(n for n in [f"{src.name}_leaves"] + [f"{src.name}_leaves_{k}"
                                                     for k in range(1, 99)] if n not in taken)
    tree = copy.copy(flat.tree)
    tree.name = name
    return dataclasses.replace(flat, name=name, tree=tree)


def _leaf_paths(structure, path: tuple) -> list:
    kind = structure[0]
    if kind == "leaf":
        return [path]
    if kind == "dict":
        return [p for k, s in zip(structure[1], structure[2]) for p in _leaf_paths(s, path + (k,))]
    return [p for k, s in enumerate(structure[1]) for p in _leaf_paths(s, path + (k,))]


def _owned(params: list, structures, leaves: list) -> list[list[str]]:
    """The leaf parameters of each parameter, in order."""
    out, k = [], 0
    for p, s in zip(params, structures):
        n = len(_leaf_paths(s, (p,)))
        out.append(leaves[k:k + n])
        k += n
    return out


def _paths(flat, params: list, structures: dict, declared: set) -> tuple[dict, dict]:
    """Where each leaf and each boundary dict of the parameters not declared sits."""
    leaves, dicts = {}, {}
    names = iter(a.arg for a in flat.tree.args.args)
    bound = dict(flat.boundary)
    for p in params:
        s = structures[p]
        if s == LEAF:
            leaf = next(names)
            if p not in declared:
                leaves[Var(leaf)] = (p,)
            continue
        for path in _leaf_paths(s, (p,)):
            leaf = next(names)
            if p not in declared:
                leaves[Var(leaf)] = path
        if p not in declared:
            _dicts(bound[p], (p,), dicts)
    return leaves, dicts


def _dicts(value, path: tuple, out: dict) -> None:
    if isinstance(value, Dict):
        out[id(value)] = path
        for k, v in zip(value.keys, value.values):
            _dicts(v, path + (k,), out)
    elif isinstance(value, Tup):
        for k, v in enumerate(value.items):
            _dicts(v, path + (k,), out)


def _in_order(structure, path: tuple, read_at: dict):
    """The keys found in the order the source first reads them."""
    kind = structure[0]
    if kind == "leaf":
        return structure
    if kind == "dict":
        pairs = sorted(zip(structure[1], structure[2]),
                       key=lambda kv: read_at.get(path + (kv[0],), (0, 0)))
        return ("dict", tuple(k for k, _ in pairs),
                tuple(_in_order(v, path + (k,), read_at) for k, v in pairs))
    return (kind, tuple(_in_order(v, path + (k,), read_at) for k, v in enumerate(structure[1])))


def _with_key(structure, path: tuple, key):
    """``structure`` with a leaf under ``key`` at ``path`` (a leaf there becomes a dict)."""
    if not path:
        if structure == LEAF:
            return ("dict", (key,), (LEAF,))
        if structure[0] == "dict" and key not in structure[1]:
            return ("dict", structure[1] + (key,), structure[2] + (LEAF,))
        return structure
    step, rest = path[0], path[1:]
    if structure[0] == "dict":
        i = structure[1].index(step)
        children = list(structure[2])
        children[i] = _with_key(children[i], rest, key)
        return ("dict", structure[1], tuple(children))
    children = list(structure[1])
    children[step] = _with_key(children[step], rest, key)
    return (structure[0], tuple(children))


# ---------------------------------------------------------------- the functions users call


def wrappers(f: Flat, tuple_out: bool) -> str:
    """``grad_<name>`` and ``value_and_grad_<name>`` taking the parameters' structure."""
    owned = _owned(list(f.params), f.structures, list(f.leaves))
    reads = []
    for p, s, names in zip(f.params, f.structures, owned):
        if s != LEAF:
            reads += _checks(s, p, repr(p)[1:-1])
            reads += [f"    {n} = {p}{_access(path[1:])}"
                      for n, path in zip(names, _leaf_paths(s, (p,)))]
    grads = [f"d{n}" for i in f.wrt for n in owned[i]]
    packed = len(grads) > 1 or tuple_out            # the leaves' gradients come as a tuple
    if tuple_out and len(grads) == 1:
        grads = [grads[0] + ","]
    results = [_rebuild(f.structures[i], iter(f"d{n}" for n in owned[i])) for i in f.wrt]
    result = _bracketed("(", results, ",)" if len(results) == 1 else ")") \
        if tuple_out or len(results) > 1 else results[0]
    chosen = ", ".join(f.params[i] for i in f.wrt)
    shape = "; ".join(_describe(f.params[i], f.structures[i]) for i in f.wrt
                      if f.structures[i] != LEAF)
    text = ""
    for prefix, what, before in (("grad", "Gradient", ""),
                                 ("value_and_grad", "Value and gradient", "value, ")):
        body = textwrap.fill(f"{shape} (checked); {prefix}_{f.flat_name} computes it.", 95,
                             initial_indent="    ", subsequent_indent="    ")
        title = textwrap.fill(f'"""{what} of {f.where} with respect to {chosen}.', 95,
                              initial_indent="    ", subsequent_indent="    ")
        doc = f'{title}\n\n{body}"""'
        opening, closing = ("(", ")") if packed else ("", "")
        call = _pieces(grads, f"    {before}{opening}", f"{closing} = {prefix}_{f.flat_name}(")
        call = call[:-1] + _pieces(list(f.leaves), call[-1], ")")
        lines = [_fill(_pieces(list(f.signature), f"def {prefix}_{f.name}(", "):")), doc, *reads,
                 _fill(call), _fill(_prefixed(f"    return {before}", result))]
        text += "\n\n" + "\n".join(lines) + "\n"
    return text


def _signature(tree: ast.FunctionDef) -> tuple:
    """``("params", "X", "reg=0.05")``: the parameters with their defaults."""
    args = tree.args.args
    defaults = [None] * (len(args) - len(tree.args.defaults)) + list(tree.args.defaults)
    return tuple(a.arg if d is None else f"{a.arg}={ast.unparse(d)}"
                 for a, d in zip(args, defaults))


def _pieces(items: list, head: str, tail: str) -> list[str]:
    """``head + ", ".join(items) + tail`` in pieces that a line may break between."""
    out = [item + ", " for item in items[:-1]] + [items[-1] + tail]
    out[0] = head + out[0]
    return out


def _fill(pieces: list[str], width: int = 99) -> str:
    """The pieces on lines of at most ``width`` (where they fit), continued indented."""
    lines, current = [], ""
    for piece in pieces:
        if current and len(current) + len(piece.rstrip()) > width:
            lines.append(current.rstrip())
            current = "            "
        current += piece
    return "\n".join(lines + [current])


def _checks(structure, expr: str, shown: str) -> list[str]:
    """The run-time checks that an argument has the structure compiled for."""
    kind = structure[0]
    if kind == "leaf":
        return []
    if kind == "dict":
        lines = [f"    expect_keys({expr}, {shown!r}, {structure[1]!r})"]
        steps = list(zip(structure[1], structure[2]))
    else:
        lines = [f"    expect_length({expr}, {shown!r}, {len(structure[1])})"]
        steps = list(enumerate(structure[1]))
    for k, s in steps:
        lines += _checks(s, f"{expr}[{k!r}]", f"{shown}[{k!r}]")
    return lines


def _access(path: tuple) -> str:
    return "".join(f"[{k!r}]" for k in path)


def _rebuild(structure, names) -> list[str]:
    """The literal of ``structure`` with ``names`` at its leaves, in pieces that a line may
    break between (only inside its brackets)."""
    kind = structure[0]
    if kind == "leaf":
        return [next(names)]
    if kind == "dict":
        parts = [_prefixed(f"{k!r}: ", _rebuild(s, names)) for k, s in zip(structure[1],
                                                                            structure[2])]
        return _bracketed("{", parts, "}")
    parts = [_rebuild(s, names) for s in structure[1]]
    if kind == "list":
        return _bracketed("[", parts, "]")
    return _bracketed("(", parts, ",)" if len(parts) == 1 else ")")


def _prefixed(head: str, pieces: list[str]) -> list[str]:
    return [head + pieces[0]] + pieces[1:]


def _bracketed(opening: str, parts: list[list[str]], closing: str) -> list[str]:
    out = []
    for k, part in enumerate(parts):
        out += part[:-1] + [part[-1] + (", " if k < len(parts) - 1 else "")]
    if not out:
        return [opening + closing]
    out[0] = opening + out[0]
    out[-1] += closing
    return out


def _describe(name: str, structure) -> str:
    kind = structure[0]
    if kind == "dict":
        return f"{name} is a dict of {', '.join(map(repr, structure[1]))}"
    return f"{name} is a {kind} of {len(structure[1])}"


def _short(path: str) -> str:
    import os
    return os.path.basename(path)


__all__ = ["split", "flatten_items", "discovered", "wrappers", "Flat"]
