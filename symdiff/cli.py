"""Command line: ``symdiff compile model.py [-f NAME]... [--wrt A,B] [-o OUT.py] [--jit]
[--backend numpy|array-api|numba] [--mode forward|reverse] [--order 2] [--annotate]
[--shapes SHAPES] [--explain-passes]``;
``symdiff verify model.py -f NAME`` checks a hand-written backward pass (``verify_cli.py``).

``--annotate`` comments each line with its maths and shapes (``annotate.py``), ``--shapes``
gives argument shapes, ``--explain-passes`` shows what each optimizer pass changes
(``optimize_trace.py``).

Compiles statically: model.py is read and parsed, never imported or run. Exit codes:
0 success, 1 compile error (located message on stderr), 2 bad usage, 130 interrupted
(Ctrl-C). An error or an interruption never leaves a partial output file behind, and an
existing file is only replaced whole; ``-o`` refuses an input file (also through a link),
a device, a folder or another file that is not regular (see ``output.py``).
"""
from __future__ import annotations

import argparse
import os
import sys

from .teach import annotate as annotations
from .teach import optimize_trace
from .teach import verify_cli
from .util import output
from . import __version__, pipeline
from . import compile_structures as structured
from .api import resolve_wrt
from .backends import BACKENDS, choose
from .errors import SymdiffError
from .frontend.lower import lower
from .frontend.nested_defs import nested_function
from .frontend.parse import read_file
from .frontend.source_modules import files_of, functions_of_file
from .frontend.received_arrays import is_module_array


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symdiff", description="Source-to-source differentiation of Python/NumPy functions.")
    parser.add_argument("--version", action="version", version=f"symdiff {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    comp = commands.add_parser(
        "compile", help="write grad_<name> and value_and_grad_<name> for functions in a file",
        description="Emit readable gradient functions that need only NumPy.")
    comp.add_argument("model", help="the Python file holding the functions")
    comp.add_argument("-f", "--function", action="append", dest="functions", metavar="NAME",
                      help="function to differentiate (repeatable; default: every top-level one)")
    comp.add_argument("--wrt", metavar="ARG[,ARG...]",
                      help="parameters to differentiate with respect to, by name or position "
                           "(default: the first parameter)")
    comp.add_argument("-o", "--output", metavar="OUT.py", help="write here instead of stdout")
    comp.add_argument("--jit", action="store_true", help="compile the gradients with numba.njit")
    comp.add_argument("--backend", choices=BACKENDS, default="numpy",
                      help="numpy: plain NumPy (default); numba: as --jit; array-api: the "
                           "array API standard's calls, run by the arguments' library "
                           "(PyTorch, JAX, CuPy, Dask...; needs array-api-compat)")
    comp.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                      help="reverse: grad_<name> and value_and_grad_<name> (default); "
                           "forward: jvp_<name>(args..., x_dot...) -> (value, derivative)")
    comp.add_argument("--order", type=int, choices=(1, 2), default=1,
                      help="2 also writes hvp_<name>(args..., v) and hessian_<name>(args...)")
    comp.add_argument("--annotate", action="store_true",
                      help="comment every line with its shapes, and every backward line with "
                           "the local derivative it applies (comments only: same code)")
    comp.add_argument("--shapes", metavar='"X=(N,D), W=(D,C)"', type=_shapes_arg,
                      help="argument shapes, each size a number or a name: numbers "
                           "specialize the code, names label the annotations (which otherwise "
                           "take shapes from docstrings, e.g. `X is (N, D)`); shapes that do "
                           "not fit the program are refused")
    comp.add_argument("--explain-passes", action="store_true",
                      help="print the chain rule's output before optimization, then a diff "
                           "for each optimizer pass, then the compiled module")
    chk = commands.add_parser(
        "check", help="list every problem in every function of a file, writing nothing",
        description="Check that symdiff can differentiate the functions of a file.")
    chk.add_argument("model", help="the Python file holding the functions")
    chk.add_argument("-f", "--function", action="append", dest="functions", metavar="NAME",
                     help="function to check (repeatable; default: every top-level one)")
    _add_teaching_commands(commands)
    verify_cli.add_parser(commands)
    return parser


# ---------------------------------------------------------------- explain and graph


def _add_teaching_commands(commands) -> None:
    """``symdiff explain`` (worked tables) and ``symdiff graph`` (the picture)."""
    exp = commands.add_parser(
        "explain", help="backpropagation worked out node by node at given inputs",
        description="Print the forward and backward pass of a function, node by node: "
                    "values, local, upstream and downstream gradients, gate patterns.")
    gra = commands.add_parser(
        "graph", help="draw the computational graph with values and gradients",
        description="Draw the computational graph, each edge labelled with its forward "
                    "value (green) and its gradient (red). SVG and PNG need no Graphviz.")
    for sub in (exp, gra):
        sub.add_argument("model", help="the Python file holding the function")
        sub.add_argument("-f", "--function", metavar="NAME",
                         help="the function (default: the file's only function)")
        sub.add_argument("--at", required=True, metavar="VALUES",
                         help='argument values as Python literals, e.g. "x=-2, y=5, z=-4" '
                              "(nested lists for arrays)")
        sub.add_argument("--wrt", metavar="ARG[,ARG...]",
                         help="the arguments to differentiate, by name or position "
                              "(default: every float argument)")
        sub.add_argument("--gates", action="store_true",
                         help="one node per operation, as on the lecture slides: the sigmoid "
                              "1/(1+exp(-z)) as four gates (negate, exp, +1, 1/x), not one")
    exp.add_argument("--format", choices=("text", "markdown", "latex"), default="text",
                     help="terminal table (default), Markdown or LaTeX")
    exp.add_argument("--limit", type=int, default=200, metavar="N",
                     help="rows per table at most (default 200; 0 for all)")
    exp.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    gra.add_argument("-o", "--output", metavar="FILE.svg|.png|.dot",
                     help="the picture to write (default: DOT on stdout)")


def _one_function(path: str, name: str | None):
    found, names = _chosen_functions(path, [name] if name else None)
    if len(names) != 1:
        raise SymdiffError(f"{path} has {len(names)} functions: say which one with -f NAME",
                           hint=f"choose from: {', '.join(names) or '(none)'}")
    return found[names[0]]


def _teach(args) -> None:
    from .frontend import fence
    from .teach.explain import Explanation, parse_arguments, wrt_names
    from .teach.graph import Graph
    from .teach.trace import trace
    src = _one_function(args.model, args.function)
    fence.check(src)
    wrt = wrt_names(src, _wrt_spec(args.wrt)) if args.wrt else None
    run = trace(src, parse_arguments(args.at, src), wrt, fuse=not args.gates)
    if args.command == "explain":
        text = Explanation(run).format(args.format, args.limit or None)
        if args.output:
            output.write_whole(args.output, text.encode("utf-8"), files_of(args.model))
        else:
            sys.stdout.write(text)
    elif args.output:
        Graph(run, group=False if args.gates else None).save(args.output, files_of(args.model))
    else:
        sys.stdout.write(Graph(run, group=False if args.gates else None).dot())


def _reported(action, output) -> int:
    """Run a command: a compile error, or an output that cannot be written, is one message
    on standard error and exit code 1, never a traceback."""
    try:
        action()
    except SymdiffError as exc:
        print(f"symdiff: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"symdiff: error: cannot write {output}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def _chosen_functions(path: str, functions: list[str] | None):
    """The file's functions (parsed, never run) and the names asked for (default: all)."""
    text, _ = read_file(path)
    found = functions_of_file(path, text)
    names = functions or list(found)
    for name in [n for n in names if n not in found]:      # def loss inside a factory
        inner = nested_function(path, text, name, found)
        if inner is not None:
            found = {**found, name: inner}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise SymdiffError(f"{path} has no top-level function named {', '.join(unknown)}",
                           hint=f"choose from: {', '.join(found) or '(none)'}")
    return found, names


#: What lowering may raise on a construct it was not written for; ``check_file`` lowers
#: code the fence refused (to find the problems the fence cannot see), so it may meet one.
CONFUSED_BY_REFUSED_CODE = (AttributeError, TypeError, KeyError, IndexError, ValueError,
                            AssertionError, NotImplementedError)


def check_file(path: str, functions: list[str] | None = None) -> tuple[list, int]:
    """Every problem in the file's functions (fence and compile), and how many were checked.

    An error other than a SymdiffError is a compiler bug and propagates, except while
    lowering a function the fence already refused: then its problems are reported."""
    from .frontend import fence
    found, names = _chosen_functions(path, functions)
    problems = []
    for name in names:
        src = found[name]
        found_here = list(fence.problems_in(src))
        try:
            if found_here:
                lower(src, fenced=False)         # for the problems the fence cannot see
            elif src.tree.args.args:
                pipeline.gradient_ir(src, (0,))
        except SymdiffError as exc:
            found_here.extend(exc.problems)
        except CONFUSED_BY_REFUSED_CODE:
            if not found_here:
                raise
        seen = set()
        for p in sorted(found_here, key=lambda p: (p.loc.line, p.loc.col) if p.loc else (0, 0)):
            key = (p.loc.line, p.loc.col) if p.loc else p.message
            if key not in seen:
                seen.add(key)
                problems.append(p)
    return problems, len(names)


def _shapes_arg(text: str) -> dict:
    try:
        return annotations.parse_shapes(text)
    except SymdiffError as exc:
        raise argparse.ArgumentTypeError(f"{exc.message}; {exc.hint}") from None


def _wrt_spec(text: str | None):
    if text is None:
        return 0
    items = [t.strip() for t in text.split(",") if t.strip()]
    parsed = tuple(int(t) if t.lstrip("-").isdigit() else t for t in items)
    return parsed if len(parsed) > 1 else parsed[0]


def compile_file(path: str, functions: list[str] | None = None, wrt=0, jit: bool = False,
                 mode: str = "reverse", order: int = 1, annotate: bool = False,
                 shapes: dict | None = None, backend: str = "numpy") -> str:
    """The generated module's source for the functions of ``path`` (raises SymdiffError).

    ``shapes`` (parameter -> sizes, numbers or names) specialize the code to the numeric
    ones and label the annotations, which ``annotate`` asks for."""
    jit, array_api = choose(backend, jit)
    items, header, fixed, commenting, tail = _prepared(path, functions, wrt, mode, order,
                                                       annotate, shapes)
    if array_api:
        header = header.replace("Plain Python that needs only NumPy. ", ARRAY_API_HEADER)
    source = pipeline.gradient_module(items, header, tuple_out=isinstance(wrt, tuple),
                                      arg_shapes=fixed or None, mode=mode, order=order,
                                      annotate=commenting, jit=jit, backend=backend)
    return _naming_scipy(source) + tail


def _naming_scipy(source: str) -> str:
    """The header says SciPy is needed too when the module imports it."""
    if not any(line.startswith("import scipy") for line in source.splitlines()):
        return source
    return source.replace("Plain Python that needs only NumPy. ",
                          "Plain Python that needs NumPy and SciPy. ", 1)


#: What an array-API module says of itself, in place of "needs only NumPy".
ARRAY_API_HEADER = ("Array-API code (it needs array-api-compat): each function runs with "
                    "the array\nlibrary of its arguments: NumPy, PyTorch, JAX, CuPy or Dask.\n")


def explain_passes(path: str, functions: list[str] | None = None, wrt=0, jit: bool = False,
                   annotate: bool = False, shapes: dict | None = None) -> tuple[str, str]:
    """What each optimizer pass changes in reverse mode, ending with ``compile_file``'s
    output; and that output."""
    items, header, fixed, commenting, tail = _prepared(path, functions, wrt, "reverse", 1,
                                                       annotate, shapes)
    plans = pipeline.plan_module(items, tuple_out=isinstance(wrt, tuple), arg_shapes=fixed or None)
    explanation, source = optimize_trace.explain(plans, header, commenting, jit)
    return explanation + tail, source + tail


def _setup(path: str, functions, wrt, mode: str, order: int, annotate: bool,
           shapes: dict | None):
    """The functions to differentiate, the module's header, the numeric shapes given, and
    what comments the lines (or None)."""
    return _prepared(path, functions, wrt, mode, order, annotate, shapes)[:4]


def _prepared(path: str, functions, wrt, mode: str, order: int, annotate: bool,
              shapes: dict | None):
    """``_setup``'s, and the source of the functions that take dict and list parameters
    in their structure (``compile_structures``), to end the module with."""
    found, names = _chosen_functions(path, functions)
    if not names:
        raise SymdiffError(f"{path} defines no functions", hint="define a function with `def`")
    items, params = [], []
    for name in names:
        src = found[name]
        params += [a.arg for a in src.tree.args.args if a.arg not in params]
        positions, tuple_out = resolve_wrt(wrt, [a.arg for a in src.tree.args.args], src)
        items.append((src, positions))
    params += [name for name in shapes or {} if name not in params and
               any(is_module_array(src.scope, name) for src, _ in items)]   # --shapes W0=(3,4)
    shapes, declared = structured.split(shapes or {})
    annotations.check_spec({**shapes, **declared}, params, f"{', '.join(names)} in {path}")
    items, leaf_shapes, tail = structured.flatten_items(items, declared, isinstance(wrt, tuple),
                                                        mode, order)
    shapes.update(leaf_shapes)
    what = "Derivatives" if mode == "forward" or order == 2 else "Gradients"
    header = (f"{what} generated by symdiff from {os.path.basename(path)}.\n\n"
              "Plain Python that needs only NumPy. Each line is commented with the source line\n"
              "it comes from; backward lines also name the local derivative they apply.\n")
    if annotate:
        header = (f"{what} generated by symdiff from {os.path.basename(path)}, annotated.\n\n"
                  "Plain Python that needs only NumPy. Forward lines show the source line they\n"
                  "come from and the shapes involved; backward lines are grouped under the\n"
                  "source line they differentiate, with its local derivative above them and\n"
                  "the shapes beside them.\n")
    fixed = annotations.numeric(shapes)
    if fixed:
        header += (f"\nSpecialized to the argument shapes {annotations.show_spec(fixed)}: "
                   "call it with\narrays of these shapes.\n")
    for src, _ in items if shapes else ():
        annotations.check_given(src, pipeline.lowered_for(src, None, fixed), shapes)

    def commenting(src, forward):
        return annotations.annotator(src, forward, shapes)
    return items, header, fixed, commenting if annotate else None, tail


def _check(args) -> int:
    try:
        problems, count = check_file(args.model, args.functions)
    except SymdiffError as exc:
        print(f"symdiff: error: {exc}", file=sys.stderr)
        return 1
    for problem in problems:
        print(problem.render() + "\n", file=sys.stderr)
    if problems:
        print(f"symdiff: {len(problems)} problem{'s' if len(problems) != 1 else ''} in "
              f"{args.model}", file=sys.stderr)
        return 1
    print(f"symdiff: {count} function{'s' if count != 1 else ''} in {args.model} can be "
          "differentiated")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "compile" and args.explain_passes and (args.mode, args.order) != \
            ("reverse", 1):
        parser.error("--explain-passes shows the passes of reverse mode: leave out "
                     "--mode forward and --order 2")
    if args.command == "compile" and args.explain_passes and args.backend == "array-api":
        parser.error("--explain-passes shows the NumPy passes: leave out --backend array-api")
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "verify":
            return verify_cli.run(args)
        if args.command in ("explain", "graph"):
            return _reported(lambda: _teach(args), args.output)
        return _reported(lambda: _compile(args), args.output)
    except KeyboardInterrupt:         # Ctrl-C: one line, and no output file was written
        print("symdiff: interrupted", file=sys.stderr)
        return 130


def _compile(args) -> None:
    if args.output:
        output.target(args.output, [args.model])     # refused before the work, not after
    options = (args.model, args.functions, _wrt_spec(args.wrt), args.jit)
    extras = dict(annotate=args.annotate, shapes=args.shapes)
    if args.explain_passes:
        explanation, source = explain_passes(*options, **extras)
    else:
        explanation, source = None, compile_file(*options, args.mode, args.order, **extras,
                                                 backend=args.backend)
    if args.output:
        output.write_whole(args.output, source.encode("utf-8"), files_of(args.model))
    if explanation is not None:
        sys.stdout.write(explanation)
    elif not args.output:
        sys.stdout.write(source)


if __name__ == "__main__":
    sys.exit(main())
