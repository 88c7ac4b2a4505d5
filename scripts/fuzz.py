#!/usr/bin/env python
"""Fuzz symdiff with random programs, longer than the test suite does.

    python scripts/fuzz.py --examples 2000 --seed 1

Draws ``--examples`` random programs ``f(x, y, w)`` from ``tests/fuzz_programs.py`` (the
same strategies ``tests/test_fuzz.py`` runs a few dozen of), picks inputs away from every
kink and branch switch, and checks symdiff's gradient with respect to x, y and w
(``check_program``: ``check_grad``, kinds, shape-generic source == specialized call,
``value_and_grad``). Every failing program is printed with its inputs and the error; the
exit code is 1 if any failed, 0 otherwise.

``--shrink`` instead lets hypothesis shrink the first failures it meets to small programs
(it stops at the first failing example, then minimizes it).
"""
from __future__ import annotations

import argparse
import collections
import signal
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


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout("the program took too long (compile or run)")


def describe(error: BaseException) -> str:
    """A one-line kind of failure, to group failures by."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first[:160]}"


def reduce(source: str, seed: int, error: BaseException, folder: Path, timeout: int):
    """The smallest program the reducer finds that fails the same way at inputs from seed."""
    signature = fp.failure_signature(error)
    last = {}

    def still_fails(text: str) -> bool:
        signal.alarm(timeout)
        try:
            found = fp.failure_of(text, seed, folder)
        except Exception:  # noqa: BLE001 - an edit broke the program itself
            return False
        finally:
            signal.alarm(0)
        if found is not None and fp.failure_signature(found) == signature:
            last["error"] = found
            return True
        return False

    small = fp.reduce_program(source, still_fails)
    return small, last.get("error", error)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--examples", type=int, default=200,
                        help="programs to check (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    parser.add_argument("--shrink", action="store_true",
                        help="stop at the first failure and shrink it")
    parser.add_argument("--timeout", type=int, default=60,
                        help="seconds allowed per program (default 60)")
    parser.add_argument("--straight-line", action="store_true",
                        help="no branches, loops or helpers")
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    parser.add_argument("--reduce", action="store_true",
                        help="also reduce the first failing program of each kind to a small one")
    parser.add_argument("--reduce-file", metavar="FILE",
                        help="only reduce the program in FILE (inputs from --input-seed)")
    parser.add_argument("--input-seed", type=int, default=0,
                        help="with --reduce-file: the seed of the inputs (printed with a failure)")
    opts = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="symdiff_fuzz_"))
    signal.signal(signal.SIGALRM, _alarm)
    if opts.reduce_file:
        source = Path(opts.reduce_file).read_text()
        error = fp.failure_of(source, opts.input_seed, folder)
        if error is None:
            print("the program does not fail at these inputs")
            return 0
        print(f"failure: {describe(error)}")
        small, error = reduce(source, opts.input_seed, error, folder, opts.timeout)
        print(f"\n=== REDUCED ({describe(error)})\n{small}")
        return 1
    failures: dict[str, tuple] = {}
    kinds = collections.Counter()
    stats = collections.Counter()
    features = collections.Counter()
    start = time.time()

    @hypothesis_seed(opts.seed)
    @settings(max_examples=opts.examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=False,
              phases=[Phase.generate, Phase.shrink] if opts.shrink else [Phase.generate])
    @given(program=fp.programs(control_flow=not opts.straight_line),
           seed=st.integers(0, 2 ** 32 - 1))
    def run(program, seed):
        source = str(program)
        stats["drawn"] += 1
        try:
            args = fp.pick_inputs(program, seed)
        except Exception:
            print(f"\n=== INVALID PROGRAM (a bug in tests/fuzz_programs.py)\n{source}", flush=True)
            raise
        if args is None:
            stats["no inputs off the kinks"] += 1
        assume(args is not None)
        stats["checked"] += 1
        features.update(program.features)
        signal.alarm(opts.timeout)
        try:
            fp.check_program(program, args, folder)
        except Exception as error:  # noqa: BLE001 - every failure is a finding
            if opts.shrink:
                raise
            kind = describe(error)
            kinds[kind] += 1
            if source not in failures:
                failures[source] = (seed, error)
                print(f"\n=== FAILURE {len(failures)}: {kind}\n{source}\nargs = {args!r}"
                      f"  (input seed {seed})\n"
                      f"{traceback.format_exc(limit=-3)}", flush=True)
        finally:
            signal.alarm(0)
        if not opts.quiet and stats["checked"] % 50 == 0:
            print(f"... {stats['checked']} programs checked, {len(failures)} failing, "
                  f"{time.time() - start:.0f} s", flush=True)

    np.seterr(all="ignore")
    try:
        run()
    except Exception as error:  # only with --shrink: hypothesis has printed the example
        print(f"\nshrunk failure: {describe(error)}", file=sys.stderr)
        return 1
    elapsed = time.time() - start
    print(f"\n{stats['checked']} programs checked ({stats['drawn']} drawn, "
          f"{stats['no inputs off the kinks']} without inputs away from the kinks) "
          f"in {elapsed:.0f} s; {len(failures)} failing programs.")
    print("features covered: " + ", ".join(f"{k} {v}" for k, v in sorted(features.items())))
    for kind, n in kinds.most_common():
        print(f"  {n:5d} x {kind}")
    if opts.reduce:
        done = set()
        for source, (seed, error) in failures.items():
            signature = fp.failure_signature(error)
            if signature in done:
                continue
            done.add(signature)
            small, error = reduce(source, seed, error, folder, opts.timeout)
            print(f"\n=== REDUCED ({describe(error)}; input seed {seed})\n{small}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
