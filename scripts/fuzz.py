#!/usr/bin/env python
"""Fuzz symdiff with random programs, longer than the test suite does.

    python scripts/fuzz.py --examples 2000 --seed 1
    python scripts/fuzz.py --examples 500 --seed 3 --reduce     # and shrink each kind found
    python scripts/fuzz.py --reduce-file bad.py --input-seed 42  # shrink one program

Draws ``--examples`` random programs ``f(x, y, w)`` from ``tests/fuzz_programs.py`` (the
same strategies ``tests/api/test_fuzz.py`` runs a few dozen of), picks inputs away from every
kink and branch switch, and checks symdiff's gradient with respect to x, y and w
(``check_program``: ``check_grad``, kinds, shape-generic source == specialized call,
``value_and_grad``). Failing programs are printed with their inputs and the error (in full
for the first two of each kind, then one line each); the exit code is 1 if any failed.

``--reduce`` then shrinks the first failing program of each kind: it deletes statements,
inlines branches and loops and replaces expressions by their parts for as long as the
program still fails the same way, and prints the result. Programs that were too slow are
not reduced (each try would take the full time limit).
"""
from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
import traceback
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

import numpy as np  # noqa: E402
from hypothesis import HealthCheck, Phase, assume, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import fuzz_programs as fp  # noqa: E402

SHOWN_IN_FULL = 2


def describe(error: BaseException) -> str:
    """The error in one line."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first[:200]}"


def reduce(source: str, seed: int, error: BaseException, folder: Path, limit: int):
    """The smallest program the reducer finds that fails the same way at inputs from seed."""
    signature = fp.failure_signature(error)
    last = {"error": error}

    def still_fails(text: str) -> bool:
        try:
            with fp.time_limit(limit):
                found = fp.failure_of(text, seed, folder)
        except Exception:  # noqa: BLE001 - an edit broke the program itself, or too slow
            return False
        if found is not None and fp.failure_signature(found) == signature:
            last["error"] = found
            return True
        return False

    small = fp.reduce_program(source, still_fails)
    return small, last["error"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200,
                        help="programs to check (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    parser.add_argument("--time-limit", type=int, default=fp.TIME_LIMIT,
                        help=f"seconds allowed per program (default {fp.TIME_LIMIT})")
    parser.add_argument("--straight-line", action="store_true",
                        help="no branches, loops or helpers")
    parser.add_argument("--no-aliasing", action="store_true",
                        help="no writes through views, aliases or helpers' arguments")
    parser.add_argument("--no-operators", action="store_true",
                        help="no remainders, or/and, astype, np.full, norms with ord, powers "
                             "or where traps")
    parser.add_argument("--reduce", action="store_true",
                        help="shrink the first failing program of each kind")
    parser.add_argument("--reduce-file", metavar="FILE",
                        help="only shrink the program in FILE (inputs from --input-seed)")
    parser.add_argument("--input-seed", type=int, default=0,
                        help="with --reduce-file: the seed of the inputs (printed with a failure)")
    parser.add_argument("--save", metavar="DIR",
                        help="write each failing program to DIR/failure_<n>.py "
                             "(default: a new temporary folder)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    opts = parser.parse_args(argv)
    np.seterr(all="ignore")
    folder = Path(tempfile.mkdtemp(prefix="symdiff_fuzz_"))

    if opts.reduce_file:
        source = Path(opts.reduce_file).read_text()
        with fp.time_limit(opts.time_limit):
            error = fp.failure_of(source, opts.input_seed, folder)
        if error is None:
            print("the program passes at these inputs")
            return 0
        print(f"failure: {describe(error)}")
        small, error = reduce(source, opts.input_seed, error, folder, opts.time_limit)
        print(f"\n=== REDUCED ({describe(error)})\n{small}")
        return 1

    save = Path(opts.save or tempfile.mkdtemp(prefix="symdiff_fuzz_failures_"))
    save.mkdir(parents=True, exist_ok=True)
    failures: dict[str, tuple] = {}            # source -> (input seed, error)
    kinds = collections.Counter()
    stats = collections.Counter()
    features = collections.Counter()
    start = time.time()

    @hypothesis_seed(opts.seed)
    @settings(max_examples=opts.examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=False,
              phases=[Phase.generate])
    @given(program=fp.programs(control_flow=not opts.straight_line,
                               aliasing=not opts.no_aliasing,
                               operators=not opts.no_operators),
           seed=st.integers(0, 2 ** 32 - 1))
    def run(program, seed):
        source = str(program)
        stats["drawn"] += 1
        try:
            args = fp.pick_inputs(program, seed)
        except Exception:  # noqa: BLE001 - the generator's fault, not symdiff's
            stats["invalid"] += 1
            print(f"\n=== INVALID PROGRAM (a bug in tests/fuzz_programs.py)\n{source}\n"
                  f"{traceback.format_exc(limit=-2)}", flush=True)
            return
        if args is None:
            stats["no inputs"] += 1
        assume(args is not None)
        stats["checked"] += 1
        features.update(program.features)
        try:
            with fp.time_limit(opts.time_limit):
                fp.check_program(program, args, folder)
        except Exception as error:  # noqa: BLE001 - every failure is a finding
            signature = fp.failure_signature(error)
            kinds[signature] += 1
            if source not in failures:
                failures[source] = (seed, error)
                saved = save / f"failure_{len(failures)}.py"
                saved.write_text(f"# {describe(error)}\n# python scripts/fuzz.py --reduce-file "
                                 f"{saved} --input-seed {seed}\n{source}")
                if kinds[signature] <= SHOWN_IN_FULL:
                    print(f"\n=== FAILURE {len(failures)}: {describe(error)}\n{source}\n"
                          f"args = {args!r}  (input seed {seed})\n"
                          f"{traceback.format_exc(limit=-4)}", flush=True)
                else:
                    print(f"=== FAILURE {len(failures)}: {describe(error)} "
                          f"(input seed {seed}, {len(source)} characters)", flush=True)
        if not opts.quiet and stats["checked"] % 100 == 0:
            print(f"... {stats['checked']} programs checked, {len(failures)} failing, "
                  f"{time.time() - start:.0f} s", flush=True)

    run()
    elapsed = time.time() - start
    print(f"\n{stats['checked']} programs checked ({stats['drawn']} drawn, {stats['no inputs']} "
          f"without inputs away from the kinks) in {elapsed:.0f} s; "
          f"{len(failures)} failing.")
    if failures:
        print(f"failing programs saved in {save}/")
    if stats["invalid"]:
        print(f"{stats['invalid']} INVALID programs: a bug in tests/fuzz_programs.py")
    print("features: " + ", ".join(f"{k} {v}" for k, v in sorted(features.items())))
    for kind, n in kinds.most_common():
        print(f"  {n:5d} x {kind}")
    if opts.reduce:
        done = set()
        for source, (seed, error) in failures.items():
            signature = fp.failure_signature(error)
            if signature in done or isinstance(error, fp.TooSlow):
                continue
            done.add(signature)
            small, error = reduce(source, seed, error, folder, opts.time_limit)
            print(f"\n=== REDUCED ({describe(error)}; input seed {seed})\n{small}", flush=True)
    return 1 if failures or stats["invalid"] else 0


if __name__ == "__main__":
    sys.exit(main())
