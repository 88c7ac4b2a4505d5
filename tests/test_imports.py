"""The modules' imports: no cycles among symdiff's modules at module level, and the
teaching modules stay unloaded until teaching is used."""
import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "symdiff"

#: Cycles that exist today, each as the sorted modules of one strongly connected component
#: of the import graph. The lists only shrink: a new cycle fails the tests, and so does a
#: listed one that is gone (remove it here then).
#: - at module level (an import that runs when the module is imported):
KNOWN_CYCLES: list[tuple[str, ...]] = []
#: - counting imports deferred into a function's body too (a cycle hidden from Python's
#:   import machinery, not from the reader): the front end's modules import each other
#:   inside functions, and ir.verify asks the primitive registry (which imports ir) about
#:   each node; two pairs of modules split from one (printing, walk) and the verify
#:   modules of teach call back into each other.
KNOWN_DEFERRED_CYCLES = [
    ('symdiff.ad.emit', 'symdiff.ad.masks', 'symdiff.frontend.alias',
     'symdiff.frontend.alias_flow', 'symdiff.frontend.callees', 'symdiff.frontend.custom_rules',
     'symdiff.frontend.custom_vjps', 'symdiff.frontend.desugar',
     'symdiff.frontend.entry_sharing',
     'symdiff.frontend.env', 'symdiff.frontend.fence', 'symdiff.frontend.list_order',
     'symdiff.frontend.loop_changes',
     'symdiff.frontend.lower',
     'symdiff.frontend.lower_arrays', 'symdiff.frontend.lower_calls',
     'symdiff.frontend.lower_complex', 'symdiff.frontend.lower_compositions',
     'symdiff.frontend.lower_containers',
     'symdiff.frontend.lower_inline', 'symdiff.frontend.lower_kinds',
     'symdiff.frontend.lower_memory',
     'symdiff.frontend.lower_objects', 'symdiff.frontend.lower_row_loops',
     'symdiff.frontend.lower_static', 'symdiff.frontend.lower_structures',
     'symdiff.frontend.lower_subscripts',
     'symdiff.frontend.module_objects',
     'symdiff.frontend.parse', 'symdiff.frontend.received_arrays',
     'symdiff.frontend.slice_values', 'symdiff.frontend.source_modules',
     'symdiff.frontend.star_imports', 'symdiff.frontend.vectorized',
     'symdiff.ir', 'symdiff.ir.shapes', 'symdiff.ir.verify', 'symdiff.primitives',
     'symdiff.primitives.arrays', 'symdiff.primitives.bookkeeping',
     'symdiff.primitives.compositions', 'symdiff.primitives.condition',
     'symdiff.primitives.constructors',
     'symdiff.primitives.covariance', 'symdiff.primitives.custom',
     'symdiff.primitives.diagonals', 'symdiff.primitives.differences',
     'symdiff.primitives.distinct',
     'symdiff.primitives.einsum', 'symdiff.primitives.ew', 'symdiff.primitives.fft',
     'symdiff.primitives.fft_adjoints', 'symdiff.primitives.incomplete_gamma',
     'symdiff.primitives.index_sets', 'symdiff.primitives.indexing',
     'symdiff.primitives.internal', 'symdiff.primitives.joins',
     'symdiff.primitives.kind_tests',
     'symdiff.primitives.linalg', 'symdiff.primitives.linalg_dense',
     'symdiff.primitives.linalg_eigen', 'symdiff.primitives.linalg_pinv',
     'symdiff.primitives.linalg_qr',     'symdiff.primitives.linalg_svd',
     'symdiff.primitives.manipulation',
     'symdiff.primitives.move_functions', 'symdiff.primitives.moves',
     'symdiff.primitives.no_gradient_calls', 'symdiff.primitives.powers',
     'symdiff.primitives.products', 'symdiff.primitives.quantiles',
     'symdiff.primitives.reductions', 'symdiff.primitives.registry',
     'symdiff.primitives.scipy_linalg', 'symdiff.primitives.scipy_special',
     'symdiff.primitives.scipy_stats',
     'symdiff.primitives.shaping',
     'symdiff.primitives.signals', 'symdiff.primitives.statistics',
     'symdiff.primitives.tangents', 'symdiff.util.deep'),
    ('symdiff.api', 'symdiff.pytrees'),
    ('symdiff.backend.codegen_nodes', 'symdiff.backend.printing'),
    ('symdiff.ir.stmts', 'symdiff.ir.walk'),
    ('symdiff.teach.verify', 'symdiff.teach.verify_diagnose', 'symdiff.teach.verify_layer',
     'symdiff.teach.verify_steps', 'symdiff.teach.verify_time'),
]


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _top_level(body):
    """The statements that run on import: not inside functions or classes' methods, and
    not under ``if TYPE_CHECKING:``."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            test = stmt.test
            if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING" or \
                    isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
                yield from _top_level(stmt.orelse)
                continue
            yield from _top_level(stmt.body)
            yield from _top_level(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody, *[h.body for h in stmt.handlers]):
                yield from _top_level(block)
        elif isinstance(stmt, ast.ClassDef):
            yield from _top_level(stmt.body)
        else:
            yield stmt


def imported(name: str, deferred: bool = False) -> set[str]:
    """The symdiff modules that importing ``name`` imports by its own module-level
    statements (``deferred``: by any statement, also in a function's body). A submodule
    imported through its package counts as the submodule; a package that contains
    ``name`` counts only when a name defined in it is imported (it is initialized first)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    ancestors = {".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 1)}
    found = set()
    statements = ast.walk(tree) if deferred else _top_level(tree.body)
    for stmt in statements:
        if isinstance(stmt, ast.Import):
            found |= {a.name for a in stmt.names}
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.level:
                base = package.split(".")
                base = base[:len(base) - stmt.level + 1]
                origin = ".".join(base + ([stmt.module] if stmt.module else []))
            else:
                origin = stmt.module or ""
            submodules = {f"{origin}.{a.name}" for a in stmt.names} & set(MODULES)
            found |= submodules
            if origin not in ancestors or len(submodules) < len(stmt.names):
                found.add(origin)
    return {m for m in found if m in MODULES and m != name}


def cycles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(tuple(sorted(component)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def test_the_import_graph_is_read_right():
    """The graph the cycle test walks has the edges the sources state."""
    graph = {m: imported(m) for m in MODULES}
    assert "symdiff.api" in graph["symdiff"]
    assert "symdiff.ir" in graph["symdiff.pipeline"]
    assert "symdiff.frontend.lower" in graph["symdiff.pipeline"]
    assert "symdiff.errors" in graph["symdiff.util.deep"]
    assert "symdiff.primitives" in graph["symdiff.ad.reverse"]
    assert "symdiff" not in graph["symdiff.ad.reverse"]      # `from .. import primitives`
    assert "symdiff.teach.explain" not in graph["symdiff"]    # imported on first use
    assert "symdiff.primitives.registry" in imported("symdiff.ir.verify", deferred=True)
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [("a", "b", "c")]
    assert cycles({"a": {"b"}, "b": set()}) == []


def _check_cycles(deferred: bool, known: list, where: str) -> None:
    found = cycles({m: imported(m, deferred) for m in MODULES})
    new = [c for c in found if c not in known]
    gone = [c for c in known if c not in found]
    assert not new, f"modules that import each other {where}: {new}"
    assert not gone, f"cycles that no longer exist, to remove from the known list: {gone}"


def test_no_import_cycles_among_symdiff_modules():
    _check_cycles(False, KNOWN_CYCLES, "at module level")


def test_no_import_cycles_through_imports_in_functions():
    _check_cycles(True, KNOWN_DEFERRED_CYCLES, "counting imports inside functions")


def test_import_symdiff_loads_no_teaching_module(tmp_path):
    """Neither ``import symdiff`` nor compiling and running a gradient loads symdiff.teach;
    ``symdiff.explain`` does, when it is used."""
    model = tmp_path / "teach_free_model.py"
    model.write_text("import numpy as np\n\ndef f(x):\n    return np.sum(np.tanh(x) * x)\n")
    script = "\n".join([
        "import sys",
        f"sys.path.insert(0, {str(tmp_path)!r})",
        "import numpy as np",
        "import symdiff",
        "def teaching():",
        "    return sorted(m for m in sys.modules if m.startswith('symdiff.teach'))",
        "print('after import', teaching())",
        "from teach_free_model import f",
        "x = np.linspace(-1.0, 1.0, 5)",
        "value, grad = symdiff.value_and_grad(f)(x)",
        "assert abs(value - f(x)) < 1e-12",
        "assert np.allclose(grad, np.tanh(x) + x * (1 - np.tanh(x) ** 2), rtol=1e-12)",
        "print('after grad', teaching())",
        "symdiff.explain(f, x)",
        "print('after explain', bool(teaching()))",
    ])
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "after import []" in lines
    assert "after grad []" in lines
    assert "after explain True" in lines
