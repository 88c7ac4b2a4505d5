"""Stage 2, fence: the readable list of the Python symdiff accepts, checked before lowering.

Every problem in a function is reported at once, each located (file:line:col with a caret)
and with what to write instead. Anything not listed under SUPPORTED is refused here, so
later stages never meet it.
"""
from __future__ import annotations

import ast

from . import decorators
from . import star_imports
from ..errors import Problem, SymdiffError
from ..util.deep import deep
from .parse import FunctionSource

#: Statements and expressions a differentiable function may use.
SUPPORTED = (
    # statements
    ast.Assign, ast.AugAssign, ast.Return, ast.Expr, ast.Pass,
    ast.If, ast.For, ast.While, ast.Break, ast.Continue,
    # expressions
    ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call, ast.Name, ast.Constant, ast.Attribute,
    ast.Subscript, ast.Slice, ast.Tuple, ast.List, ast.keyword, ast.IfExp, ast.BoolOp,
    # containers, closures and checks (lower_structures)
    ast.Dict, ast.ListComp, ast.DictComp, ast.GeneratorExp, ast.comprehension, ast.Starred,
    ast.Lambda, ast.FunctionDef, ast.Assert, ast.Global, ast.Nonlocal,
    ast.JoinedStr, ast.FormattedValue,
    # contexts and operators
    ast.Load, ast.Store, ast.operator, ast.unaryop, ast.cmpop, ast.boolop,
    ast.arguments, ast.arg,
)

#: What to write instead, by construct.
HINTS = {
    ast.Try: ("`try` is not supported in a differentiated function",
              "validate inputs before calling the function"),
    ast.With: ("`with` is not supported in a differentiated function (only np.errstate, "
               "np.printoptions and warnings.catch_warnings, which change what is "
               "reported)", "move the context manager outside the function"),
    ast.Delete: ("`del` is not supported", "simply stop using the variable"),
    ast.Yield: ("generators (`yield`) cannot be differentiated", "return a value instead"),
    ast.YieldFrom: ("generators (`yield from`) cannot be differentiated",
                    "return a value instead"),
    ast.Await: ("`await` is not supported", "differentiate a plain (non-async) function"),
    ast.AsyncFunctionDef: ("async functions are not supported",
                           "differentiate a plain (non-async) function"),
    ast.ClassDef: ("classes cannot be defined in a differentiated function",
                   "define the class outside and pass plain arrays in"),
    ast.SetComp: ("set comprehensions are not supported", "use an array operation"),
    ast.NamedExpr: ("the walrus operator `:=` is not supported",
                    "assign in a separate statement"),
    ast.Match: ("`match` is not supported", "use np.where for data-dependent choices"),
    ast.Set: ("sets are not supported", "use arrays"),
    ast.Import: ("imports inside the function are not supported",
                 "import at module level"),
    ast.ImportFrom: ("imports inside the function are not supported",
                     "import at module level"),
    ast.Raise: ("`raise` is only supported as the whole branch of an `if` that guards "
                "bad input", "validate inputs in an `if ...: raise ...` of its own"),
}


def problems_in(src: FunctionSource) -> list[Problem]:
    """Every unsupported construct in the function, in source order."""
    found: list[Problem] = []
    if isinstance(src.tree, ast.AsyncFunctionDef):
        message, hint = HINTS[ast.AsyncFunctionDef]
        return [Problem(message, src.loc(src.tree), hint)]
    decorated = decorators.problem(src)
    if decorated:
        found.append(decorated)
    found += star_imports.refusals(src)
    args = src.tree.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        found.append(Problem("only plain positional parameters are supported",
                             src.loc(src.tree),
                             "write `def f(a, b, c=1.0)` without *args, **kwargs or keyword-only"))
    body = src.tree.body
    pending = list(body)
    guards = {id(r) for r in guard_raises(body)}
    while pending:
        node = pending.pop()
        if id(node) in guards or _reports(node):
            continue
        if reporting_context(node, src.scope):
            pending.extend(node.body)
            continue
        problem = _check(node, src)
        if problem:
            found.append(problem)       # one report per construct, not for its insides
        else:
            pending.extend(ast.iter_child_nodes(node))
    if not always_returns(body):
        where = body[-1] if body else src.tree
        found.append(Problem("not every path through the function returns a value",
                             src.loc(where), "end the function with `return <value>`"))
    return sorted(found, key=lambda p: (p.loc.line, p.loc.col) if p.loc else (0, 0))


#: Context managers that only change how NumPy or Python report (warnings, printing):
#: their ``with`` block runs as plain statements (``desugar``).
REPORTING_CONTEXTS = {("numpy", "errstate"), ("numpy", "printoptions"),
                      ("warnings", "catch_warnings")}


def reporting_context(node: ast.AST, scope) -> bool:
    """``with np.errstate(divide="ignore"):``: a ``with`` whose every item is a context
    manager of ``REPORTING_CONTEXTS``, bound to no name."""
    if not isinstance(node, ast.With):
        return False
    for item in node.items:
        call = item.context_expr
        if item.optional_vars is not None or not isinstance(call, ast.Call) or \
                not isinstance(call.func, ast.Attribute) or \
                not isinstance(call.func.value, ast.Name):
            return False
        owner = call.func.value.id
        module = "numpy" if owner in scope.numpy else scope.other_modules.get(owner)
        if (module, call.func.attr) not in REPORTING_CONTEXTS:
            return False
    return True


def _check(node: ast.AST, src: FunctionSource) -> Problem | None:
    if type(node) in HINTS:
        message, hint = HINTS[type(node)]
        return Problem(message, src.loc(node), hint)
    if not isinstance(node, SUPPORTED):
        return Problem(f"`{type(node).__name__}` is not supported", src.loc(node),
                       "rewrite with assignments, arithmetic and NumPy calls")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in ("eval", "exec"):
        return Problem(f"`{node.func.id}` cannot be differentiated", src.loc(node),
                       "write the expression directly")
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        word = "global" if isinstance(node, ast.Global) else "nonlocal"
        assigned = {n.id for n in ast.walk(src.tree) if isinstance(n, ast.Name)
                    and isinstance(n.ctx, ast.Store)} & set(node.names)
        if assigned:
            return Problem(f"`{word}` names that the function assigns are not supported "
                           f"(`{sorted(assigned)[0]}`)", src.loc(node),
                           "return the new value instead of assigning it outside the function")
    if isinstance(node, (ast.Assign, ast.AugAssign)):
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            if not _plain_target(target):
                return Problem("assignment into an attribute or a nested element is not supported",
                               src.loc(target),
                               "assign to a local name, or into a local array: `out[i] = v`")
    if isinstance(node, ast.For) and not isinstance(node.target, (ast.Name, ast.Tuple)):
        return Problem("loop variables must be names", src.loc(node.target),
                       "write `for i in range(n):` or `for i, x in enumerate(X):`")
    return None


def _reports(node: ast.AST) -> bool:
    """``print(f"loss {loss}")``: a statement that only reports, dropped by lowering."""
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and \
        isinstance(node.value.func, ast.Name) and node.value.func.id == "print"


def guard_raises(stmts) -> list:
    """The ``raise`` statements that are the whole of a branch guarding bad input
    (``if x.ndim != 2: raise ValueError(...)``): desugaring drops that branch."""
    found = []
    for s in ast.walk(ast.Module(list(stmts), [])):
        if isinstance(s, ast.If):
            for branch in (s.body, s.orelse):
                if raises_only(branch):
                    found += [r for r in branch if isinstance(r, ast.Raise)]
    return found


def raises_only(stmts) -> bool:
    """A branch that only reports and raises."""
    return bool(stmts) and isinstance(stmts[-1], ast.Raise) and \
        all(isinstance(s, ast.Expr) for s in stmts[:-1])


def _plain_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, (ast.Subscript, ast.Attribute)):     # x[i], self.w, xs[t][k]
        base = target.value
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        return isinstance(base, ast.Name)
    if isinstance(target, (ast.Tuple, ast.List)):       # a, *rest = ...: one starred name
        starred = [t for t in target.elts if isinstance(t, ast.Starred)]
        return len(starred) <= 1 and all(isinstance(t.value, ast.Name) for t in starred) and \
            all(_plain_target(t) for t in target.elts if not isinstance(t, ast.Starred))
    return False


def always_returns(stmts) -> bool:
    """Does every path end in a return (a loop never counts as returning)?"""
    for s in stmts:
        if isinstance(s, ast.Return):
            return True
        if isinstance(s, ast.If) and always_returns(s.body) and always_returns(s.orelse):
            return True
    return False


@deep
def check(src: FunctionSource) -> None:
    """Raise one SymdiffError listing every problem, or return quietly."""
    found = problems_in(src)
    if found:
        raise SymdiffError(problems=tuple(found))
