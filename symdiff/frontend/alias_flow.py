"""Sharing facts across branches, loops and helper calls (see ``alias``).

After a branch, a name keeps its storage if every path agrees, and may share memory with
any of them if not; a loop carries the current version of every storage its body writes;
a helper's parameters live where the caller's arguments do, and what it writes into them
the caller sees.
"""
from __future__ import annotations

from .alias import EXTERNAL, REF, RETURNED, ROOT, Ref, Stale, Tracked, ref, ref_of, rederive, \
    root, sharers
from ..errors import Loc
from ..ir import Const, Var


# ---------------------------------------------------------------- branches and loops


def fill_roots(before: dict, branches: list[dict]) -> None:
    """A storage from before a branch, written on some paths only: the other paths hold
    the version from before."""
    keys = {k for br in branches for k in br if isinstance(k, tuple) and k[0] == ROOT}
    held = {v.name for k, v in before.items() if isinstance(k, str) and isinstance(v, Var)}
    for k in keys:
        for br in branches:
            if k not in br and k[1].startswith("v:") and k[1][2:] in held:
                br[k] = Var(k[1][2:])


def merge_refs(env: dict, branches: list[dict]) -> None:
    """The storage of each name after a branch; where paths disagree, ``path=None``."""
    names = {k[1] for br in branches + [env] for k in br if isinstance(k, tuple) and k[0] == REF}
    for name in names:
        if not isinstance(env.get(name), (Var, Const, Stale)):
            env.pop((REF, name), None)
            continue
        refs = [ref(br, name) for br in branches]
        if all(r == refs[0] for r in refs):
            if any((REF, name) in br for br in branches):
                env[(REF, name)] = refs[0]
            continue
        if all(r is None or r.path == () and not sharers(br, r.sid, name)
               for r, br in zip(refs, branches)):
            env.pop((REF, name), None)
            continue
        shares = frozenset().union(*[r.storages() for r in refs if r is not None])
        env[(REF, name)] = Ref(None, None, "", 0, shares)


def changed_outside(before: dict, start: dict, end: dict, carried) -> list:
    """Keys a loop body changed that are not carried yet: names written through a view,
    and storages from before the loop written in it."""
    held = {v.name for k, v in before.items() if isinstance(k, str) and isinstance(v, Var)}
    found = []
    for k, v in end.items():
        if k in carried or isinstance(k, tuple) and k[0] in (REF, EXTERNAL):
            continue
        if k in start:
            if start[k] is not v and isinstance(start[k], (Var, Const)) \
                    and isinstance(v, (Var, Const)):
                found.append(k)
        elif isinstance(k, tuple) and k[0] == ROOT and k[1].startswith("v:") \
                and k[1][2:] in held:
            found.append(k)
    return found


def with_roots(env: dict, names: list) -> list:
    """Carried names that share storage carry the storage's current version too."""
    more = []
    for name in names:
        r = env.get((REF, name)) if isinstance(name, str) else None
        if r is not None and r.sid and (ROOT, r.sid) not in names + more:
            more.append((ROOT, r.sid))
    return names + more


def stale_after(env: dict, end: dict) -> None:
    """Names a loop's writes may have changed in a way not known here stay unreadable."""
    for k, v in end.items():
        if isinstance(k, str) and isinstance(v, Stale) and k in env:
            env[k] = v


def carry_refs(env: dict, inner: dict, names) -> None:
    """A carried name whose storage is carried too keeps its storage inside the loop."""
    for name in names:
        if isinstance(name, str) and isinstance(env.get(name), Var):
            r = ref(env, name)
            if r is not None and ((ROOT, r.sid) in names or r.path):
                inner[(REF, name)] = r


def loop_refs(env: dict, start: dict, end: dict) -> list[str]:
    """Storage facts after a loop; returns the names whose storage changes between
    iterations (they may share memory with either)."""
    moved = []
    names = {k[1] for br in (start, end) for k in br if isinstance(k, tuple) and k[0] == REF}
    for name in names:
        before, after = ref(start, name), ref(end, name)
        if before == after or not isinstance(end.get(name), (Var, Const)):
            continue
        if (before is None or before.path == () and not sharers(start, before.sid, name)) and \
                (after is None or after.path == () and not sharers(end, after.sid, name)):
            env.pop((REF, name), None)          # its own storage after the loop
            continue
        moved.append(name)
    for name in moved:
        r = [x for x in (ref(start, name), ref(end, name)) if x is not None]
        env[(REF, name)] = Ref(None, None, "", 0, frozenset().union(*[x.storages() for x in r]))
    return moved


# ---------------------------------------------------------------- helpers


def enter_helper(b: Tracked, caller: dict, env: dict, params, exprs, args) -> None:
    """A helper's parameters live where the caller's arguments do."""
    sids = set(caller.get((EXTERNAL,), frozenset()))
    for p, e, v in zip(params, exprs, args):
        if e is None or v is None:          # a value the call does not spell (self)
            continue
        r = ref_of(b, caller, e, v)
        if isinstance(r, Ref):
            env[(REF, p)] = r
            sids |= r.storages()
    for k, v in caller.items():
        if isinstance(k, tuple) and k[0] == ROOT and k[1] in sids:
            env[k] = v
    env[(EXTERNAL,)] = frozenset(sids)


def leave_helper(b: Tracked, caller: dict, env: dict, call, loc: Loc) -> None:
    """What the helper wrote into its arguments is written in the caller too; its result
    may share memory with them."""
    for k, v in env.items():
        if isinstance(k, tuple) and k[0] == ROOT and k[1] in env[(EXTERNAL,)] and \
                root(caller, k[1]) is not v:
            caller[k] = v
            rederive(b, caller, k[1], v, None, loc)
    for k, v in env.items():
        if isinstance(k, tuple) and k[0] == ROOT and k not in caller:
            caller[k] = v
    returned = env.get((REF, RETURNED))
    if returned is not None:
        b.memory.returned[id(call)] = returned
