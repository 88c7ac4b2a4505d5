"""``sorted(xs)``, ``xs.sort()``, ``xs.reverse()`` and ``xs.remove(v)`` on lists whose
length is known when the function is compiled.

Sorting numbers whose values are known only at run time is a sorting network: a fixed
sequence of compare-exchanges ``lo, hi = minimum(a, b), maximum(a, b)`` (odd-even
transposition, n rounds for n numbers), so the gradient of each sorted place flows to
the number that landed there (at a tie, split evenly, as ``np.maximum`` does). Every item
is checked to be a number where the function runs: Python cannot order arrays.

    sorted([a, b, c])          # three rounds of minimum / maximum
    xs.sort(reverse=True)      # xs bound anew to the list, largest first

``key=`` is refused (the order it gives depends on what the key computes); ``remove`` is
kept only where the item it removes is known at compile time.
"""
from __future__ import annotations

import ast

from ..ir import TMP, Const, Var
from .env import Dict, Tup

#: At most this many numbers are sorted by a network (n**2 / 2 compare-exchanges).
SORT_LIMIT = 64


def sorted_call(site, args: list, keywords: dict, e: ast.Call):
    """``sorted(xs)``, ``sorted(xs, reverse=True)``."""
    if len(args) != 1:
        raise site.fail("sorted takes one list here", e)
    items = _items(site, args[0], e.args[0])
    return Tup(_ordered(site, items, _reverse(site, keywords, e), e), "list")


def method(site, base: Tup, name: str, args: list, e: ast.Call, changed):
    """``xs.sort()``, ``xs.reverse()``, ``xs.remove(v)``: ``changed(new, result)`` binds the
    list anew where it came from."""
    if name == "reverse" and not args and not e.keywords:
        return changed(Tup(tuple(reversed(base.items)), "list"), Const(None))
    if name == "sort" and not args:
        keywords = {k.arg: site.lower(k.value) for k in e.keywords}
        return changed(Tup(_ordered(site, base.items, _reverse(site, keywords, e), e), "list"),
                       Const(None))
    if name == "remove" and len(args) == 1 and not e.keywords:
        return changed(Tup(_without(site, base.items, args[0], e), "list"), Const(None))
    raise site.fail(f"`.{name}()` takes these arguments only as list.{name} does", e)


def _items(site, value, at: ast.AST) -> tuple:
    if isinstance(value, Tup):
        return value.items
    if isinstance(value, Dict):
        return tuple(Const(k) for k in value.keys)
    raise site.fail("sorted(...) of an array is not supported", at,
                    "use np.sort(x), or sort a list of numbers")


def _reverse(site, keywords: dict, e: ast.Call) -> bool:
    if "key" in keywords:
        raise site.fail("sorting with key= is not supported", e,
                        "sort the keys themselves, or use np.argsort on an array of them")
    unknown = set(keywords) - {"reverse"}
    if unknown:
        raise site.fail(f"sorted takes no `{sorted(unknown)[0]}=`", e)
    flag = keywords.get("reverse", Const(False))
    if not (isinstance(flag, Const) and isinstance(flag.value, (bool, int))):
        raise site.fail("reverse= must be known at compile time", e, "write reverse=True")
    return bool(flag.value)


def _ordered(site, items: tuple, reverse: bool, e: ast.Call) -> tuple:
    if all(isinstance(x, Const) and x.name is None for x in items):
        try:
            return tuple(Const(v) for v in sorted((x.value for x in items), reverse=reverse))
        except TypeError:
            raise site.fail("these values cannot be ordered", e) from None
    if not all(isinstance(x, (Var, Const)) for x in items):
        raise site.fail("sorting a list that holds lists or objects is not supported", e,
                        "sort a list of numbers")
    if len(items) > SORT_LIMIT:
        raise site.fail(f"sorting {len(items)} numbers one by one is too long (at most "
                        f"{SORT_LIMIT})", e, "stack them into an array and use np.sort")
    from ..primitives import elementwise as E
    low, high = E.TABLE["minimum"].forward, E.TABLE["maximum"].forward
    for x in items:
        if isinstance(x, Var):
            site.b.emit("check_ndim", [x], TMP, site.loc, ndim=0,
                        message="sorted(...) orders numbers; an array cannot be ordered")
    out = list(items)
    for round_ in range(len(out)):              # odd-even transposition: n rounds
        for i in range(round_ % 2, len(out) - 1, 2):
            a, b = out[i], out[i + 1]
            out[i] = site.b.ew(low, [a, b], TMP, site.loc, "np")
            out[i + 1] = site.b.ew(high, [a, b], TMP, site.loc, "np")
    return tuple(reversed(out)) if reverse else tuple(out)


def _without(site, items: tuple, value, e: ast.Call) -> tuple:
    """``items`` without the first one equal to ``value``: decided only where the
    comparison is known at compile time (all numbers constant, or ``value`` is the first
    item itself)."""
    if isinstance(value, Var) and items and items[0] == value:
        return items[1:]
    known = isinstance(value, Const) and all(isinstance(x, Const) for x in items)
    if known:
        for k, x in enumerate(items):
            if x.value == value.value:
                return items[:k] + items[k + 1:]
        raise site.fail("list.remove(x): x is not in the list", e)
    raise site.fail("which item list.remove(...) removes depends on values known only at run "
                    "time", e, "remove by position: xs.pop(k), or del xs[k]")
