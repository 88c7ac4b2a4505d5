"""The public API: ``grad``, ``value_and_grad``, ``check_grad``.

    >>> @symdiff.grad
    ... def f(x, y, z):
    ...     q = x + y
    ...     return q * z
    >>> f(-2.0, 5.0, -4.0)
    -4.0
    >>> print(f.source)        # the generated gradient, shape-generic

The gradient is compiled on first call for the shapes and kinds of the arguments (like a
JIT), which lets the compiler write ``db = np.sum(dh, axis=0)`` instead of a generic
helper. ``source_for(*args)`` shows that specialized code; ``source_for(*args,
annotate=True)`` and ``annotated_source(shapes)`` comment every line with its maths and shapes.
"""
from __future__ import annotations

import functools
import inspect
import linecache
import warnings
from typing import Any, Callable

import numpy as np

from .frontend import fence
from . import pipeline
from . import fast_call, pytrees
from .argument_checks import ArgumentError, _check_float, _complex, _from_list, _run_time_check
from .errors import SymdiffError
from .backend import jit_cache
from .backend.jit import numba_friendly, numba_refusal
from .frontend.parse import changed, source_of
from .optimize.kind_folding import Shape, refuse_listed

Wrt = int | str | tuple


class Gradient:
    """A differentiated function: call it like the original; it returns the gradient(s)."""

    def __init__(self, fn: Callable, wrt: Wrt = 0, with_value: bool = False, jit: bool = False):
        if not callable(fn):
            raise SymdiffError(f"grad needs a function, got {type(fn).__name__}",
                               hint="use @symdiff.grad on a `def`, or symdiff.grad(f, wrt=...)")
        self.fn, self.wrt, self.with_value, self.jit = fn, wrt, with_value, jit
        self._src = None
        self._forward_ir = None
        self._wrt = None
        self._defaults = None
        self._params: list[str] = []
        self._compiled: dict = {}
        self._watched: list | None = None
        self._sources: dict = {}
        self._fast = None              # fast_call.FastPath, once a call has run
        functools.update_wrapper(self, fn)

    # ------------------------------------------------------------ compile

    def _fresh(self) -> None:
        """Module constants and helpers are read when the gradient is called: forget what
        was compiled once one it read holds something else."""
        watched = self._watched
        if watched is None and self._src is not None:
            watched = self._src.scope.watched()
        if watched and changed(watched):
            self._src = self._forward_ir = self._wrt = self._watched = None
            self._compiled.clear()
            self._sources.clear()

    def _source(self):
        """The parsed, fenced source: unsupported code is refused before anything else."""
        if self._src is None:
            src = self._prepare(source_of(self.fn))
            fence.check(src)
            self._src = src
        return self._src

    def _prepare(self, src):
        """The parsed source as this derivative reads it (``has_aux`` drops the aux)."""
        return src

    @property
    def parameters(self) -> list[str]:
        return [a.arg for a in self._source().tree.args.args]

    def _wrt_indices(self) -> tuple[tuple[int, ...], bool]:
        if self._wrt is None:
            self._wrt = resolve_wrt(self.wrt, self.parameters, self._source())
        return self._wrt

    def _forward(self):
        """The forward graph, lowered once for every specialization."""
        if self._forward_ir is None:
            self._forward_ir = pipeline.forward_ir(self._source())
        return self._forward_ir

    def _lowered_once(self):
        """The forward graph lowered once, or None where lowering needs the parameters'
        ranks (``pipeline.lowered_for`` lowers it for each specialization then)."""
        try:
            return self._forward()
        except pipeline.RankNeeded:
            return None

    #: what the generated function is called: ``grad_f``
    prefix = "grad"

    def _ir(self, arg_shapes):
        wrt, tuple_out = self._wrt_indices()
        return pipeline.gradient_ir(self._source(), wrt, self.with_value, tuple_out, arg_shapes,
                                    self._lowered_once())

    def _module(self, arg_shapes, annotate: bool = False, given=None) -> str:
        commenting = None
        if annotate:
            from .teach import annotate as annotations
            commenting = annotations.annotator(self._source(), self._forward(), given)
        ir = self._ir(arg_shapes)
        jit = self.jit and _numba_installed()
        if jit:
            ir = numba_friendly(ir, self._jit_shapes(ir, {
                **pipeline.annotated_shapes(self._source()), **(arg_shapes or {})}))
            refused = numba_refusal(ir)
            if refused:               # known before paying for a compile that would fail
                warnings.warn(f"numba cannot compile {ir.name}: {refused}; running the NumPy "
                              "version", RuntimeWarning, stacklevel=5)
                jit = False
        return pipeline.codegen.module_source([(ir, "")], f"Generated by symdiff from "
                                              f"{self.fn.__name__}.", (), commenting, jit=jit)

    def _jit_shapes(self, ir, shapes: dict) -> dict:
        """The shapes ``numba_friendly`` is told of: the parameters' (a forward-mode
        derivative adds its tangents')."""
        return shapes

    @property
    def source(self) -> str:
        """The generated gradient, shape-generic: the code ``symdiff compile`` writes."""
        self._fresh()
        if None not in self._sources:
            self._sources[None] = self._module(None)
        return self._sources[None]

    def source_for(self, *args, annotate: bool = False) -> str:
        """The generated gradient specialized to these arguments' shapes; with ``annotate``,
        every line commented with its shapes and every backward line with its maths (sizes
        a docstring names, ``X is (N, D)``, print as those names)."""
        if pytrees.needs_structure(self, args, {}):
            flat, leaves, _ = pytrees.flat_gradient(self, args, {})
            return flat.source_for(*leaves, annotate=annotate)
        self._fresh()
        args = self._bind(args)
        key = signature(args)
        if annotate:
            key = ("annotated",) + key
        if key not in self._sources:
            shapes = _shapes(self.parameters, args)
            self._sources[key] = self._module(shapes, annotate, shapes)
        return self._sources[key]

    def annotated_source(self, shapes: dict | str | None = None) -> str:
        """The generated gradient with every line's shapes and maths in comments.

        ``shapes`` gives parameter shapes, each size a number or a name: a dict
        (``{"X": ("N", "D"), "reg": ()}``) or ``"X=(N,D), reg=()"``. Parameters whose sizes
        are all numbers specialize the code, as ``source_for`` does; names only label the
        comments. Shapes not given come from docstrings (``X is (N, D)``) where they say."""
        from .teach import annotate as annotations
        self._fresh()
        spec = annotations.parse_shapes(shapes) if isinstance(shapes, str) else \
            {k: tuple(v) for k, v in (shapes or {}).items()}
        annotations.check_spec(spec, self.parameters, self.fn.__name__)
        annotations.check_given(self._source(), self._forward(), spec)
        key = ("annotated", tuple(spec.items()))
        if key not in self._sources:
            self._sources[key] = self._module(annotations.numeric(spec) or None, True, spec)
        return self._sources[key]

    def _function_for(self, args) -> Callable:
        return self._entry(args)[0]

    def _entry(self, args) -> tuple:
        """(the compiled function for these arguments' signature, whether the arguments
        hold no complex number, whether they are all plain numbers): what the signature
        decides is found once; None where it does not decide (a tuple argument)."""
        self._fresh()
        key = signature(args)
        entry = self._compiled.get(key)
        if entry is None:
            wrt, _ = self._wrt_indices()
            for i in wrt:                 # the kinds are part of the signature: check once
                self._check_argument(self.parameters[i], args[i])
            text = self.source_for(*args)
            namespace = jit_cache.load(text, self._source().name) \
                if self.jit and "@jit_or_numpy" in text else None     # numba's disk cache
            if namespace is None:
                namespace = {}
                where = f"<symdiff {self.prefix} of {self.fn.__name__} #{len(self._compiled) + 1}>"
                if self.jit:   # numba's messages (and the fallback's warning) quote lines
                    linecache.cache[where] = (len(text), None, text.splitlines(True), where)
                exec(compile(text, where, "exec"), namespace)
            compiled = namespace[f"{self.prefix}_{self._source().name}"]
            decided = tuple not in map(type, args)
            if decided:
                self._refuse_complex(args)
            entry = (compiled, True if decided else None,
                     all(type(a) in (float, int) for a in args))
            self._compiled[key] = entry
            self._watched = self._src.scope.watched()      # what _fresh checks per call
        return entry

    def _check_argument(self, name: str, value) -> None:
        """Refuses an argument differentiated with respect to that holds no floats."""
        _check_float(self.fn.__name__, name, value)

    # ------------------------------------------------------------ call

    def _run(self, args, more=()):
        """The compiled function on f's arguments (and any vectors after them)."""
        compiled, real, numbers = self._entry(args)
        result = self._call_compiled(compiled, args, more)
        if real is None:
            self._refuse_complex(args)
        self._check_real(args, result, True, numbers)
        return result

    def _refuse_complex(self, args) -> None:
        """Refuses a complex argument (or module array), differentiated or not: the
        program is lowered as real arithmetic, where np.real and np.conj are the identity
        and np.abs is |x|, which are not what they compute on complex numbers."""
        src = self._source()
        for param, arg in zip(src.tree.args.args, args):
            if _complex(arg):
                name = param.arg
                raise SymdiffError(
                    f"`{name}` holds complex numbers: symdiff differentiates programs of "
                    "real numbers, and would give np.abs, np.real, np.conj and the "
                    "products of complex values a wrong derivative", src.loc(param),
                    hint=f"pass the real and imaginary parts of `{name}` as two float "
                         "arrays and write the complex arithmetic with them "
                         "(re = a*c - b*d, im = a*d + b*c)")

    def _check_real(self, args, result, real: bool, numbers: bool) -> None:
        """Refuses a complex result from real arguments."""
        if real and (_complex(result) or numbers and _nan_from_numbers(result)
                     and _complex(_plain_value(self.fn, args))):
            raise SymdiffError(f"{self.fn.__name__} computed a complex number from real "
                               "arguments here (in Python, (-4.0) ** 0.5 is complex)",
                               self._source().loc(self._source().tree),
                               hint="keep the base of fractional powers positive, or use "
                                    "np.sqrt / np.power, which give nan for negative numbers")

    def _call_compiled(self, compiled, args, more=()):
        try:
            return compiled(*args, *more)
        except ValueError as exc:     # the generated run-time check of the output's shape
            if str(exc).endswith(SCALAR_CHECK):
                raise SymdiffError(f"{self.fn.__name__} returned an array here; "
                                   f"{self.prefix} needs a scalar output",
                                   self._source().loc(self._source().tree),
                                   hint="reduce it to a scalar, e.g. return np.sum(...), or "
                                        "use symdiff.jacobian(f) for every element's "
                                        "derivative") from None
            located = _run_time_check(exc)
            if located is not None:
                raise located from None
            raise

    def _required(self) -> int:
        """How many leading parameters have no default (parses and fences the source first,
        once)."""
        if self._defaults is None:
            self._params = self.parameters
            self._defaults = [p.default for p in inspect.signature(self.fn).parameters.values()]
            empty = [d is inspect.Parameter.empty for d in self._defaults]
            self._n_required = len(empty) - empty[::-1].index(True) if any(empty) else 0
            self._tail = tuple(self._defaults[self._n_required:])
        return self._n_required

    def _bind(self, args, kwargs=None) -> tuple:
        if self._defaults is None:
            self._required()
        if kwargs:
            args = _by_keyword(self.fn, self._source(), args, kwargs)
        params, defaults = self._params, self._defaults
        if len(args) < len(params) and self._n_required <= len(args):
            args = args + self._tail[len(args) - len(params):]    # defaults, kept cheap
        kinds = set(map(type, args))
        if len(args) == len(params) and list not in kinds and np.matrix not in kinds:
            return args                   # the common case, kept cheap
        src, name = self._source(), self.fn.__name__
        for p, a in zip(params, args):
            if isinstance(a, np.matrix):  # `*` is a matrix product there, `**` a matrix power
                raise SymdiffError(f"`{p}` is an np.matrix, where * and ** mean matrix "
                                   "products; symdiff differentiates arrays", src.loc(src.tree),
                                   hint=f"pass np.asarray({p}) and write @ for matrix products")
        call = f"call it as {name}({', '.join(params)})"
        if len(args) > len(params):
            raise SymdiffError(f"{name}() takes {_count(len(params), 'argument')}, "
                               f"got {len(args)}", src.loc(src.tree), hint=call)
        missing = [p for p, d in zip(params[len(args):], defaults[len(args):])
                   if d is inspect.Parameter.empty]
        if missing:
            raise SymdiffError(f"{name}() is missing {_count(len(missing), 'argument')}: "
                               f"{', '.join(missing)}", src.loc(src.tree), hint=call)
        args = tuple(args) + tuple(defaults[len(args):])
        listed = [p for p, a in zip(params, args) if isinstance(a, list)]
        if listed:
            refuse_listed(self._forward(), listed)
        return tuple(_from_list(name, p, a, src) if isinstance(a, list) else a
                     for p, a in zip(params, args))

    def __call__(self, *args, **kwargs):
        fast = self._fast
        if fast is not None and not kwargs:    # plain arguments of a signature seen before
            result = fast.call(args)
            if result is not fast_call.MISS:
                return result
        if pytrees.needs_structure(self, args, kwargs):   # dicts, lists, objects, closures
            return pytrees.call(self, args, kwargs)
        args = self._bind(args, kwargs)
        out = self._finish_call(args, self._run(args))   # checks the kinds once per signature
        if not kwargs:
            self._fast = fast = fast_call.fast_path(self, fast)
            if fast is not None:
                fast.note(args)
        return out

    def _finish_call(self, args, result):
        """The compiled function's result as the caller gets it (``_finish``), checked."""
        wrt, tuple_out = self._wrt_indices()
        if self.with_value:
            value, grads = result
            return value, _finish(grads, args, wrt, tuple_out)
        return _finish(result if tuple_out or len(wrt) > 1 else (result,), args, wrt,
                       tuple_out or len(wrt) > 1)


def _nan_from_numbers(result) -> bool:
    """Whether scalar code gave NaN (from plain numbers): NumPy's powers give NaN where
    Python's give a complex number, so the function itself is asked (error path only)."""
    values = result if isinstance(result, tuple) else (result,)
    flat = [v for x in values for v in (x if isinstance(x, tuple) else (x,))]
    return any(isinstance(v, float) and v != v for v in flat)


def _plain_value(fn, args):
    """The user's function on these numbers, or None where it fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args)
    except Exception:  # noqa: BLE001 - any failure of the user's own code: no complex seen
        return None


def _by_keyword(fn: Callable, src, args: tuple, kwargs: dict) -> tuple:
    """Arguments given by keyword (``g(w, X=X)``) put in their places, as Python would."""
    signature = inspect.signature(fn)
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise ArgumentError(_python_words(fn.__name__, signature, args, kwargs) or
                            f"{fn.__name__}() {exc}", src.loc(src.tree),
                            hint=f"call it as {fn.__name__}{signature}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise ArgumentError(f"{fn.__name__}() has keyword-only parameters: "
                            f"{', '.join(bound.kwargs)}", src.loc(src.tree),
                            hint="make them ordinary parameters (before any `*`)")
    return tuple(bound.args)


def _python_words(name: str, signature: inspect.Signature, args, kwargs) -> str:
    """What Python itself says when a function with this signature is called so."""
    stub = signature.replace(parameters=[p.replace(default=None, annotation=p.empty)
                                         if p.default is not p.empty else
                                         p.replace(annotation=p.empty)
                                         for p in signature.parameters.values()],
                             return_annotation=inspect.Signature.empty)
    if not name.isidentifier():
        return ""
    namespace: dict = {}
    exec(f"def {name}{stub}: pass", namespace)
    try:
        namespace[name](*args, **kwargs)
    except TypeError as exc:
        return str(exc)
    return ""


def _finish(grads, args, wrt, several):
    """Gradients with the kind of their arguments: a float for a float, arrays writable."""
    if not isinstance(grads, tuple):
        grads = (grads,)
    out = [g if _as_argument(g, args[i]) else like_argument(g, args[i])
           for g, i in zip(grads, wrt)]
    return tuple(out) if several else out[0]


def _as_argument(g, arg) -> bool:
    """Whether ``g`` is already what ``like_argument`` would make of it (the common cases,
    checked cheaply at every call): a float for a float, a writable array of the float
    argument's own dtype."""
    kind = type(g)
    if kind is float:
        return type(arg) is float
    return kind is np.ndarray and type(arg) is np.ndarray and g.dtype is arg.dtype and \
        g.dtype.kind == "f" and g.flags.writeable


def like_argument(g, arg):
    """A derivative with respect to ``arg`` in arg's kind and dtype: a float for a float,
    a float32 array for a float32 array (whatever NumPy promoted it to), arrays writable."""
    if isinstance(arg, np.ndarray):
        dtype = float_dtype(arg)
        if isinstance(g, np.ndarray) and g.flags.writeable and g.dtype == dtype:
            return g
        return np.array(g, dtype=dtype)
    if isinstance(arg, np.floating) and arg.dtype != np.float64 and np.ndim(g) == 0:
        return arg.dtype.type(g)                       # np.float32 in, np.float32 out
    return float(g) if type(g) is not float and np.ndim(g) == 0 else g


def float_dtype(x) -> np.dtype:
    """The dtype of derivatives involving ``x``: its own float dtype, else float64."""
    dtype = getattr(x, "dtype", None)
    return dtype if dtype is not None and dtype.kind == "f" else np.dtype(float)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def resolve_wrt(wrt: Wrt, params: list[str], src=None) -> tuple[tuple[int, ...], bool]:
    """``wrt`` as positions, and whether the caller asked for a tuple."""
    items, tuple_out = (wrt, True) if isinstance(wrt, (tuple, list)) else ((wrt,), False)
    positions = []
    for item in items:
        if isinstance(item, str):
            if item not in params:
                raise SymdiffError(f"wrt names `{item}`, which is not a parameter of the function",
                                   src.loc(src.tree) if src else None,
                                   hint=f"choose from: {', '.join(params)}")
            positions.append(params.index(item))
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            if not -len(params) <= item < len(params):
                raise SymdiffError(f"wrt={item} is out of range: the function has "
                                   f"{len(params)} parameters", src.loc(src.tree) if src else None,
                                   hint=f"use 0..{len(params) - 1} or a parameter name")
            positions.append(int(item) % len(params))
        else:
            raise SymdiffError(f"wrt must be a position, a parameter name or a tuple of them, "
                               f"not {item!r}", src.loc(src.tree) if src else None,
                               hint=f"use e.g. wrt=0 or wrt={params[0]!r}" if params else "")
    if not positions:
        raise SymdiffError("wrt is empty", hint="name at least one parameter")
    return tuple(positions), tuple_out


def signature(args) -> tuple:
    """What a specialization depends on: array shapes and dtypes, scalar types."""
    kinds = tuple(map(type, args))
    if all(map(_SCALARS.__contains__, kinds)):
        return kinds                      # numbers only: their types say it all
    return tuple([(a.shape, a.dtype) if isinstance(a, np.ndarray) else type(a) for a in args])


_SCALARS = {int, float, bool, complex, str, type(None), np.float64, np.float32, np.int64,
            np.int32, np.bool_}


def _shapes(params: list[str], args) -> dict[str, Any]:
    shapes = {}
    for name, a in zip(params, args):
        if isinstance(a, (np.ndarray, np.generic, int, float)) and not isinstance(a, bool) \
                and np.asarray(a).dtype != bool:    # a mask: x[mask] has data-dependent shape
            shapes[name] = Shape(np.shape(a), type(a))      # its type decides isinstance
    return shapes


#: the end of the message of the generated check that an output is a scalar
SCALAR_CHECK = "must return a scalar to be differentiated"


def _numba_installed() -> bool:
    try:
        import numba  # noqa: F401 - only whether it is there
    except ImportError:
        warnings.warn("jit=True needs numba (pip install 'symdiff[jit]'); running the NumPy "
                      "gradient instead", RuntimeWarning, stacklevel=6)
        return False
    return True
