"""``symdiff verify model.py -f NAME``: check a hand-written backward pass from the shell.

    symdiff verify cs231n/classifiers/linear_svm.py -f svm_loss_vectorized \\
        --at "W=rng.standard_normal((5, 3)) * 0.01, X=rng.standard_normal((4, 5)), \\
              y=np.array([0, 2, 1, 2]), reg=0.1"
    symdiff verify layers.py -f affine --inputs affine_inputs

``-f NAME`` picks a function returning ``(loss, grad...)``, a forward/backward pair by
name: ``NAME_forward`` with ``NAME_backward`` (``-f affine`` or ``-f affine_forward``), or
one given with ``--backward``, or a layer class with ``forward`` and ``backward`` methods
(built from ``--init`` expressions). The inputs are Python expressions (``--at``, with ``np`` and
a seeded ``rng = np.random.default_rng(seed)``) or what a function of the file returns
(``--inputs``: a tuple of arguments or a dict by name).

Unlike ``compile``, ``verify`` imports and runs the file: the hand-written backward is run.
Exit codes: 0 every gradient agrees, 1 a gradient is wrong or the check failed, 2 bad usage.
"""
from __future__ import annotations

import ast
import importlib.util
import inspect
import itertools
import os
import sys

import numpy as np

from ..errors import Loc, SymdiffError

_modules = itertools.count()


def add_parser(commands) -> None:
    ver = commands.add_parser(
        "verify", help="check a hand-written backward pass against symdiff's gradient",
        description="Compare hand-written gradients with symdiff's: a function returning "
                    "(loss, grad...), or a NAME_forward / NAME_backward(dout, cache) pair. "
                    "Imports and runs the file.")
    ver.add_argument("model", help="the Python file holding the functions")
    ver.add_argument("-f", "--function", required=True, metavar="NAME",
                     help="the loss function, or the NAME of a NAME_forward/NAME_backward pair")
    ver.add_argument("--backward", metavar="NAME",
                     help="the backward function, when its name does not say it")
    ver.add_argument("--at", metavar="VALUES",
                     help='the arguments as Python expressions, e.g. "x=rng.standard_normal'
                          '((4, 3)), w=np.ones((3, 2)), b=np.zeros(2)"')
    ver.add_argument("--init", metavar="VALUES",
                     help="for a layer class NAME (with forward and backward methods): the "
                          "arguments of its constructor, as expressions like --at")
    ver.add_argument("--inputs", metavar="FUNC",
                     help="a function of the file returning the arguments (tuple or dict)")
    ver.add_argument("--wrt", metavar="ARG[,ARG...]",
                     help="the arguments the returned gradients belong to, in their order "
                          "(default: from their names, dW for W)")
    ver.add_argument("--seed", type=int, default=0,
                     help="seed of rng in --at and of the random dout (default 0)")
    ver.add_argument("--format", choices=("text", "markdown"), default="text")


def run(args) -> int:
    try:
        report = _report(args)
    except SymdiffError as exc:
        print(f"symdiff: error: {exc}", file=sys.stderr)
        return 1
    text = report.markdown() if args.format == "markdown" else str(report)
    sys.stdout.write(text)
    return 0 if report.ok else 1


def _report(args):
    from .verify import check_backward
    module = load(args.model)
    cls = getattr(module, args.function, None)
    if inspect.isclass(cls):
        layer = cls(*_from_expressions(args.init or "", cls, args.seed,
                                       _example(cls)) if args.init is not None else
                    _bound(cls, {}, ()))
        forward, backward = layer.forward, layer.backward
    else:
        forward, backward = functions(module, args.function, args.backward, args.model)
    values = inputs(module, forward, args)
    wrt = [w.strip() for w in args.wrt.split(",") if w.strip()] if args.wrt else None
    return check_backward(forward, backward, *values, wrt=wrt, seed=args.seed)


def load(path: str):
    """Import the model file under a fresh name (its folder first on sys.path)."""
    if not os.path.isfile(path):
        raise SymdiffError(f"cannot read {path}: no such file",
                           hint="check the path to the model file")
    name = f"symdiff_verify_{os.path.splitext(os.path.basename(path))[0]}_{next(_modules)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    folder = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except SymdiffError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's file failed to import: say so
        raise SymdiffError(f"importing {path} failed: {type(exc).__name__}: {exc}",
                           hint="verify runs the file; make it importable (put scripts "
                                "under `if __name__ == \"__main__\":`)") from None
    finally:
        sys.path.remove(folder)
    return module


def functions(module, name: str, backward: str | None, path: str):
    """(forward, backward or None) for ``-f NAME`` and ``--backward``."""
    def get(n):
        fn = getattr(module, n, None)
        return fn if inspect.isfunction(fn) else None
    own = [n for n, v in vars(module).items() if inspect.isfunction(v)
           and v.__module__ == module.__name__]
    stem = name[:-len("_forward")] if name.endswith("_forward") else name
    forward = get(name) if get(name) and stem == name else get(stem + "_forward") or get(name)
    if forward is None:
        raise SymdiffError(f"{path} has no function {name} (nor {stem}_forward)",
                           hint=f"choose from: {', '.join(own) or '(none)'}")
    if backward is not None:
        if get(backward) is None:
            raise SymdiffError(f"{path} has no function {backward}",
                               hint=f"choose from: {', '.join(own) or '(none)'}")
        return forward, get(backward)
    if forward.__name__.endswith("_forward"):
        paired = get(forward.__name__[:-len("_forward")] + "_backward")
        if paired is None:
            raise SymdiffError(f"{path} has {forward.__name__} but no "
                               f"{forward.__name__[:-len('_forward')]}_backward",
                               hint="name the backward with --backward NAME")
        return forward, paired
    return forward, None


def _example(fn) -> str:
    return ", ".join(f"{p}=..." for p in inspect.signature(fn).parameters)


def inputs(module, forward, args) -> tuple:
    """The forward's arguments, from --inputs or --at."""
    example = _example(forward)
    if args.inputs:
        make = getattr(module, args.inputs, None)
        if not callable(make):
            raise SymdiffError(f"{args.model} has no function {args.inputs}",
                               hint="--inputs names a function of the file that returns "
                                    "the arguments")
        given = make()
        return _bound(forward, given if isinstance(given, dict) else {},
                      () if isinstance(given, dict) else tuple(given))
    if not args.at:
        raise SymdiffError(f"{forward.__name__} needs arguments to be checked at",
                           hint=f'give them with --at "{example}" (expressions with np and '
                                "rng), or --inputs FUNC")
    return _from_expressions(args.at, forward, args.seed, example)


def _from_expressions(text: str, forward, seed: int, example: str) -> tuple:
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError as exc:
        raise SymdiffError(f"cannot read the argument values: {exc.msg}",
                           Loc("--at", 1, max((exc.offset or 3) - 3, 0), text),
                           hint=f'write them as in a call: --at "{example}"') from None
    np.random.seed(seed)
    namespace = {"np": np, "numpy": np, "rng": np.random.default_rng(seed)}

    def value(node):
        try:
            return eval(compile(ast.Expression(node), "--at", "eval"), namespace)
        except Exception as exc:  # noqa: BLE001 - the user's expression: say which failed
            raise SymdiffError(f"cannot evaluate {ast.unparse(node)}: {exc}",
                               Loc("--at", 1, max(node.col_offset - 2, 0), text),
                               hint="use numbers, lists, np.* and rng.* (a seeded "
                                    "np.random.default_rng)") from None
    if not isinstance(call, ast.Call):
        raise SymdiffError("cannot read the argument values", Loc("--at", 1, 0, text),
                           hint=f'write them as in a call: --at "{example}"')
    positional = tuple(value(a) for a in call.args)
    named = {k.arg: value(k.value) for k in call.keywords}
    return _bound(forward, named, positional)


def _bound(forward, named: dict, positional: tuple) -> tuple:
    signature = inspect.signature(forward)
    try:
        bound = signature.bind(*positional, **named)
    except TypeError as exc:
        if inspect.isclass(forward):
            raise SymdiffError(f"arguments of {forward.__name__}(): {exc}",
                               hint=f"give them with --init \"{_example(forward)}\"") from None
        raise SymdiffError(f"arguments of {forward.__name__}: {exc}",
                           hint=f"give every parameter: {forward.__name__}{signature}") from None
    bound.apply_defaults()
    return tuple(np.asarray(v) if isinstance(v, list) else v for v in bound.args)
