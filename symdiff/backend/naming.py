"""Names from meaning, chosen at print time: no ``tmp_<n>`` in generated code.

The compiler names the values it makes up ``tmp``, ``tmp_1``...: names carry no meaning
for it (whether a value is made up is ``Node.temporary``). The printer renames each after
the expression it holds, over the names of what it reads, short and unique:

    X @ W1                  X_W1            np.exp(shifted)      exp_shifted
    np.max(scores, axis=1)  scores_max      np.sum(exp_shifted)  sum_exp
    W1 ** 2                 W1_sq           log_probs[i, y]      log_probs_at

and a gradient follows the value it is the gradient of (``dtmp_4`` -> ``dexp_shifted``,
the gradients of a made-up value keep their ``_1``, ``_2``). A new name never takes one
the function, NumPy's module names, Python's keywords or builtins already use.
"""
from __future__ import annotations

import builtins
import keyword
import re
from collections import Counter
from dataclasses import replace

import numpy as np
import sympy

from ..primitives.registry import NO_DERIVATIVE, primitive
from ..ir import FORWARD, Const, Function, If, Node, Var, bound_here, bound_inside, map_blocks, walk

#: Module-level names generated code may read: never a new local's name.
MODULE_NAMES = {"np", "numpy", "math", "numba", "scipy", "sympy", "jit_or_numpy"}

#: Longest name a temporary gets before its parts are cut to their first words.
LONGEST = 18

#: Words for what a node computes (the operation's name when not listed).
OP_WORDS = {"amax": "max", "amin": "min", "matmul": "", "dot": "", "outer": "outer",
            "getitem": "at", "transpose": "T", "broadcast_to": "spread", "expand_dims":
            "expanded", "reshape": "reshaped", "unbroadcast": "summed", "compare": "mask",
            "shape": "shape", "size": "size", "dim": "dim", "scatter": "grad",
            "scatter_add": "grad", "where": "where", "alias": "", "copy": "copy",
            "as_array": "array"}
REDUCTIONS = {"sum", "mean", "amax", "amin", "prod", "max", "min"}

_FUNCTION_WORDS = {"Heaviside": "step", "Max": "max", "Min": "min", "Abs": "abs"}
#: The name a derivative rule gives a value it makes up (a fact ``temporary`` may miss).
MADE_UP = re.compile(r"^tmp(_\d+)*$")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def readable_names(fn: Function, taken=()) -> Function:
    """``fn`` with every made-up name (and the gradients named after them) renamed."""
    return renamed(fn, readable_renaming(fn, taken))


def readable_renaming(fn: Function, taken=()) -> dict[str, str]:
    """Old name -> new name for every made-up name of ``fn`` (and its gradients)."""
    forward = _forward_names(fn)
    temporaries: dict[str, Node] = {}
    for s in walk(fn.body):                  # a value a loop restores: its first binding
        if isinstance(s, Node) and (s.temporary or s.derived and s.out.name not in forward
                                    and MADE_UP.match(s.out.name)):
            temporaries.setdefault(s.out.name, s)
    removed = {s.origin[0].out.name: s.origin[0] for s in walk(fn.body)
               if isinstance(s, Node) and s.origin is not None
               and MADE_UP.match(s.origin[0].out.name)
               and s.origin[0].out.name not in temporaries
               and s.origin[0].out.name not in forward}
    for name, s in removed.items():          # a made-up value passes removed: its gradient
        temporaries.setdefault(name, s)      # and comments still name it
    for name in [name for name, s in temporaries.items() if s.derived and name[:1] == "d"
                 and name[1:] in temporaries and not temporaries[name[1:]].derived]:
        del temporaries[name]                # d<t> a copy gave its name to: t's gradient
    orphans = {s.out.name: s for s in walk(fn.body) if isinstance(s, Node) and s.derived
               and _orphan(s.out.name, temporaries, forward)}
    for name, s in orphans.items():          # ... and where no line says what it was
        temporaries.setdefault(name, s)
    if not temporaries:
        return {}
    user = fn.names() - set(temporaries)
    gradients = _gradients_of(fn, temporaries, forward)
    used = (user - set(gradients)) | set(taken) | MODULE_NAMES | set(keyword.kwlist) \
        | set(dir(builtins))
    new: dict[str, str] = {}
    consumers = _consumers(fn, temporaries)

    naming: set[str] = set()

    def name_of(name: str) -> str:
        if name in naming:                   # read before it is bound: a loop's restores
            return "value"
        if name not in new:
            naming.add(name)
            if name in orphans and orphans[name].op in SPREADS:
                base = new.setdefault(name[1:], _unique(SPREAD_TERMS, used))
                new[name] = _unique("d" + base, used)
            elif name in orphans and _part_of(orphans[name], name_of):
                base = new.setdefault(name[1:], _unique(_part_of(orphans[name], name_of),
                                                        used))
                new[name] = _unique("d" + base, used)
            elif name in temporaries and _chosen_word(name):     # a rule's word
                new[name] = _unique(_chosen_word(name), used)
            elif name in temporaries:
                node = temporaries[name]
                described = _describe(node, shown, user)
                if len(described) > LONGEST and consumers.get(name):
                    described = f"{name_of(consumers[name])}_{_part_word(node)}"
                new[name] = _unique(_short(described), used)
            elif name in gradients:
                prefix, base, suffix = gradients[name]
                new[name] = _unique(prefix + name_of(base) + suffix, used)
            naming.discard(name)
            if name not in new:
                return name
        return new[name]

    def shown(v) -> str:
        return "" if isinstance(v, Const) else name_of(v.name)

    for s in walk(fn.body):
        if isinstance(s, Node):
            name_of(s.out.name)
    for name in gradients:                          # bound by regions
        name_of(name)
    for name in removed:                            # only comments name them
        name_of(name)
    for name in temporaries:                        # notes name gradients passes removed
        for prefix in ("d", "tape_"):
            if prefix + name not in new and prefix + name not in user:
                new.setdefault(prefix + name, prefix + new[name])
    new.update(_contribution_names(fn, new, forward, used))
    return new


def _contribution_names(fn: Function, new: dict, forward: set, used: set) -> dict:
    """``dW2_from_reg_loss`` and ``dW2_from_scores``, not ``dW2_1`` and ``dW2_2``: each
    contribution to a gradient the printed code adds up is named after where it comes
    from, the first user variable its forward value flows into (the value itself when
    that is an element read, ``dw_from_w2``, or when it flows only into the result)."""
    parts = {a.name for s in walk(fn.body) if isinstance(s, Node) and s.gradient_sum
             for a in s.args if isinstance(a, Var)}
    readers: dict[str, list[Node]] = {}
    seen: set[str] = set()
    nodes = [s for s in walk(fn.body) if isinstance(s, Node) and not s.derived]
    nodes += [s.origin[0] for s in walk(fn.body) if isinstance(s, Node) and s.origin]
    nodes = [s for s in nodes if primitive(s.op).vjp is not NO_DERIVATIVE]   # not checks
    for s in nodes:
        if s.out.name in seen:
            continue
        seen.add(s.out.name)
        for a in s.args:
            read = readers.setdefault(a.name, []) if isinstance(a, Var) else None
            if read is not None and (not read or read[-1] is not s):
                read.append(s)
    found: dict[str, tuple[str, str]] = {}
    for s in walk(fn.body):
        if not (isinstance(s, Node) and s.derived and s.origin is not None) \
                or s.out.name not in parts or s.out.name in forward or s.out.name in found:
            continue                    # not one of the parts a gradient adds up
        origin, i = s.origin
        arg = origin.args[i] if i < len(origin.args) else None
        if not isinstance(arg, Var):
            continue
        target = "d" + new.get(arg.name, arg.name)      # the gradient it is a part of
        if not re.fullmatch(re.escape(target) + r"_\d+", new.get(s.out.name, s.out.name)):
            continue                    # named already, not numbered
        source = new.get(*[_source_of(origin, readers, forward)] * 2)
        if source.startswith(target[1:] + "_"):         # dweights_from_sum, not ..._weights_sum
            source = source[len(target):]
        found[s.out.name] = (target, source)
    sources = Counter(found.values())
    return {name: _unique(f"{target}_from_{source}", used)
            for name, (target, source) in found.items()
            if sources[target, source] == 1}    # else the source tells none apart


def _source_of(origin: Node, readers: dict, forward: set) -> str:
    name = origin.out.name
    if origin.op == "getitem":
        return name
    for _ in range(16):
        if name in forward or len(readers.get(name, ())) != 1:
            break
        name = readers[name][0].out.name
    return origin.out.name if not readers.get(name) and name != origin.out.name else name


#: The terms a sum or mean adds, when passes removed that made-up value: its gradient,
#: what the sum spreads over them, is ``dterms = np.full(np.shape(r), 1.0 / np.size(r))``.
SPREAD_TERMS = "terms"
SPREADS = {"fill", "broadcast_to"}


#: The hints of made-up values that say nothing: the printer names those for what they
#: compute. Any other hint of a made-up value is a word its rule chose (``positions``).
_PLAIN_HINTS = re.compile(r"^(d|tape_)*(tmp|cond)(_\d+)*$|_prev(_\d+)*$")


def _chosen_word(name: str) -> str:
    """The word a derivative rule chose for a made-up value (``positions_2`` ->
    ``positions``); "" for the plain hints."""
    return "" if _PLAIN_HINTS.search(name) else re.sub(r"(_\d+)+$", "", name)


def _orphan(name: str, temporaries: dict, forward: set) -> bool:
    """``dtmp_6`` when no ``tmp_6`` is left: named for what it computes, never as a
    gradient of ``tmp`` (``dX_W1_6``)."""
    made_up = name[1:] if name.startswith("d") else ""
    return bool(MADE_UP.match(made_up)) and made_up not in temporaries \
        and made_up not in forward and name not in forward      # a user's ``tmp``: ``dtmp``


def _part_of(n: Node, name_of) -> str:
    """A name for the value passes removed whose gradient ``n`` is, after the expression
    it was part of: ``dl2_loss_factor = 0.5 / N`` is the gradient of the factor
    ``np.sum(diff ** 2)`` of ``l2_loss = 0.5 * np.sum(diff ** 2) / N`` (never named for
    what it computes, ``scaled_inv_N``, which would make its comment name a value).
    "" when it was not part of an elementwise expression of a named value."""
    if n.origin is None or n.origin[0].op != "ew":
        return ""
    consumer = name_of(n.origin[0].out.name)
    if MADE_UP.match(consumer):
        return ""
    return _short(f"{consumer}_{_PART_WORDS[_part_word(n.origin[0])]}")


#: What a value is of the expression it is part of (``_part_word``).
_PART_WORDS = {"sum": "term", "prod": "factor", "arg": "arg"}


def _consumers(fn: Function, temporaries: dict) -> dict[str, str]:
    """The variable each made-up value is part of: the one its only reader computes
    (through other made-up values)."""
    readers: dict[str, list] = {}
    for s in walk(fn.body):
        if isinstance(s, Node):
            for a in s.args:
                if isinstance(a, Var):
                    readers.setdefault(a.name, []).append(s)
    found: dict[str, str] = {}
    for name in reversed(list(temporaries)):
        users = readers.get(name, [])
        if len(users) == 1:
            out = users[0].out.name
            found[name] = found.get(out) if out in temporaries else out
    return {k: v for k, v in found.items() if v}


def _part_word(n: Node) -> str:
    """What part of a user variable a made-up value is: its sum, product, argument."""
    expr = n.param("expr") if n.op == "ew" else None
    if expr is not None and expr.is_Add:
        return "sum"
    if expr is not None and expr.is_Mul:
        return "prod"
    return "arg"


def _forward_names(fn: Function) -> set[str]:
    """The parameters and the names the forward pass binds: the user's, never renamed."""
    names = {p.name for p in fn.params} | {name for name, _ in fn.constants}
    for s in walk(fn.body):
        if s.role == FORWARD and not (isinstance(s, Node) and s.temporary):
            names |= {v.name for v in bound_here(s) + bound_inside(s)}
    return names


def _gradients_of(fn: Function, temporaries: dict, forward: set) -> dict:
    """Names ``d<t>``, ``d<t>_2``, ``tape_<t>`` of made-up values t: (prefix, t, suffix),
    among the names only derivative (and tape) statements bind."""
    found = {}
    numbered = re.compile(r"^(d|tape_)(.+?)(_\d+)?$")
    exact = re.compile(r"^(d|tape_)(.+)()$")
    for name in sorted(fn.names() - forward - set(temporaries)):
        whole = exact.match(name)
        if whole and whole.group(2) in forward:          # a user's tmp_3: dtmp_3 is its own
            continue
        for m in (whole, numbered.match(name)):
            if m and m.group(2) in temporaries:
                found[name] = (m.group(1), m.group(2), m.group(3) or "")
                break
    return found


def _describe(n: Node, shown, user: set) -> str:
    names = [shown(a) for a in n.args if isinstance(a, Var)]
    first = names[0] if names else "value"
    if n.op == "getitem" and _index_words(n, shown, user):
        return _tidy(_index_words(n, shown, user))
    if n.op == "ew":
        return _tidy(_ew_name(n.param("expr"), names) or f"f_{first}")
    if n.op in REDUCTIONS:
        word = OP_WORDS.get(n.op, n.op)
        return _tidy(f"{first}_{word}" if first in user else f"{word}_{_head(first)}")
    if n.op == "np" and n.param("fn"):
        fn = str(n.param("fn")).split(".")[-1]           # linalg.matrix_rank: matrix_rank
        return _tidy(f"{fn}_{first}" if names else fn)
    word = OP_WORDS.get(n.op, n.op)
    if not word:
        return _tidy("_".join(names[:2]) or "value")
    return _tidy(f"{first}_{word}")


#: A whole axis in an index spec (``x[:, None]``).
_WHOLE = ("slice", None, None, None)


def _index_words(n: Node, shown, user: set) -> str:
    """A read of elements named after its index, as a reader writes it: ``w[0]`` is
    ``w0``, ``w[-1]`` ``w_last``, ``x[i]`` ``x_i``, ``log_probs[np.arange(N), y]``
    ``log_probs_y``, ``x[1:3]`` ``x_1to3``, ``c[:, None]`` ``c_col``. Empty when the index
    says nothing a name could (made-up index arrays only, steps)."""
    spec, x = n.param("index") or (), n.args[0]
    if not isinstance(x, Var):
        return ""
    base = shown(x)
    if spec == (_WHOLE, None) or spec == (None, _WHOLE) or spec == (None,):
        return f"{base}_{'col' if spec[0] == _WHOLE else 'row'}"
    words = []
    for entry in spec:
        if entry is None or entry is Ellipsis or entry == _WHOLE:
            return ""
        if entry[0] == "at":
            word = _index_word(n.args[entry[1]], shown, user)
        elif len(spec) == 1 and entry[3] is None:
            start, stop = (_number(n.args[k]) if k is not None else "" for k in entry[1:3])
            word = (f"{start}to{stop}" if start and stop else f"from{start}" if start
                    else f"to{stop}" if stop else None)
        else:
            word = None
        if word is None:
            return ""
        words.append(word)
    words = [w for w in words if w]
    if not words:
        return ""
    if all(w.isdigit() and len(w) == 1 for w in words) and not base[-1].isdigit():
        return base + "".join(words)                  # w0, e02
    return "_".join([base, *words])


def _index_word(v, shown, user: set) -> str | None:
    """An index entry as a word: a number, ``last``, a user's name; "" for a made-up
    index array (skipped); None when no word fits."""
    if isinstance(v, Const):
        number = _number(v)
        return number if number else None
    return shown(v) if v.name in user else ""


def _number(v) -> str:
    """A non-negative integer constant as digits, -1 as ``last``; "" for anything else."""
    value = v.value if isinstance(v, Const) else None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        return ""
    return str(int(value)) if value >= 0 else "last" if value == -1 else ""


def _ew_name(expr: sympy.Expr, names: list) -> str:
    """A name for an elementwise expression over ``names`` (``_0`` is names[0]...)."""
    def arg(e) -> str:
        if e.is_Symbol:
            k = e.name[1:]
            return names[int(k)] if k.isdigit() and int(k) < len(names) else ""
        if not e.args:
            return ""
        return _ew_name(e, names)
    if expr.is_Symbol or not expr.args:
        return arg(expr)
    if expr.is_Pow:
        base = arg(expr.base)
        if expr.exp == 2:
            return f"{base}_sq"
        if expr.exp == -1:
            return f"inv_{base}"
        if expr.exp == sympy.Rational(1, 2):
            return f"sqrt_{base}"
        return f"{base}_pow"
    if isinstance(expr, sympy.Function):
        word = _FUNCTION_WORDS.get(type(expr).__name__, type(expr).__name__.lower())
        inner = [arg(a) for a in expr.args if arg(a)]
        return f"{word}_{_head(inner[0])}" if inner else word
    parts = [p for p in (arg(a) for a in _ordered(expr.args)) if p]
    if not parts:
        return ""
    if len(parts) == 1:
        if expr.is_Mul and any(a.is_Number and a < 0 for a in expr.args) and len(expr.args) == 2:
            return f"neg_{parts[0]}"
        return f"scaled_{parts[0]}" if expr.is_Mul else f"shifted_{parts[0]}"
    if expr.is_Add and len(expr.args) == 2:
        negated = [a for a in expr.args if a.is_Mul and a.args[0] == -1 and len(a.args) == 2]
        if len(negated) == 1:
            kept = [a for a in expr.args if a is not negated[0]][0]
            left, right = arg(kept), arg(negated[0].args[1])
            if left and right:
                return f"{_head(left)}_minus_{_head(right)}"
    word = "plus" if expr.is_Add else "times" if expr.is_Mul else "of"
    return f"{_head(parts[0])}_{word}_{_head(parts[1])}"


def _ordered(args):
    """Symbols before compound terms, in the order of their arguments."""
    return sorted(args, key=lambda e: (not e.is_Symbol, str(e)))


def _head(name: str) -> str:
    """A name short enough to be a part of another: its first word when it is long (a
    number it ends with not counted: ``x_mask_where_2`` is not ``x``)."""
    return name if len(re.sub(r"_\d+$", "", name)) <= 12 else name.split("_")[0] or name


def _tidy(name: str) -> str:
    """A Python name: characters a name cannot hold (the dots of np.fft.fftfreq) become _."""
    return re.sub(r"[\W_]+", "_", name).strip("_") or "value"


def _short(name: str) -> str:
    name = _tidy(name)
    if len(name) > LONGEST:
        words = name.split("_")
        while len("_".join(words)) > LONGEST and len(words) > 2:
            words.pop()
        name = "_".join(words)
    if not name[0].isalpha():
        name = "v_" + name
    return name


def _unique(name: str, used: set) -> str:
    candidate, k = name, 1
    while candidate in used or keyword.iskeyword(candidate) or \
            (candidate[:1] == "_" and candidate[1:].isdigit()):
        k += 1
        candidate = f"{name}_{k}"
    used.add(candidate)
    return candidate


# ---------------------------------------------------------------- renaming


def renamed_text(text: str, new: dict[str, str]) -> str:
    """A comment with the old names in it renamed."""
    return _IDENTIFIER.sub(lambda m: new.get(m.group(0), m.group(0)), text) if text else text


def renamed(fn: Function, new: dict[str, str]) -> Function:
    """``fn`` with its names renamed (``new``), in its comments too."""
    if not new:
        return fn

    def v(x):
        return Var(new[x.name]) if isinstance(x, Var) and x.name in new else x

    def note(text: str) -> str:
        return renamed_text(text, new)

    def origin(o):
        """The forward node a backward line differentiates, under the new names too."""
        if o is None:
            return None
        f, i = o
        return replace(f, out=v(f.out), args=tuple(v(a) for a in f.args)), i

    def stmt(s):
        if isinstance(s, Node):
            return replace(s, out=v(s.out), args=tuple(v(a) for a in s.args), note=note(s.note),
                           origin=origin(s.origin))
        if isinstance(s, If):
            s = replace(s, cond=v(s.cond), outs=tuple(v(x) for x in s.outs),
                        then_values=tuple(v(x) for x in s.then_values),
                        else_values=tuple(v(x) for x in s.else_values), note=note(s.note))
        else:
            s = replace(s, index=v(s.index) if s.index is not None else None,
                        bounds=tuple(v(x) for x in s.bounds),
                        carried=tuple(v(x) for x in s.carried),
                        inits=tuple(v(x) for x in s.inits), nexts=tuple(v(x) for x in s.nexts),
                        outs=tuple(v(x) for x in s.outs),
                        cond=v(s.cond) if s.cond is not None else None, note=note(s.note))
        return map_blocks(s, lambda block: tuple(stmt(x) for x in block))

    def result(item):
        return tuple(result(x) for x in item) if isinstance(item, tuple) else v(item)
    return replace(fn, body=tuple(stmt(s) for s in fn.body), result=result(fn.result))


__all__ = ["readable_names", "readable_renaming", "renamed", "renamed_text"]
