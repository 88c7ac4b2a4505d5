"""The worked examples and pictures in docs/tutorial.md, regenerated; `--write` puts them back.

    python scripts/tutorial_outputs.py --write

Each block of docs/tutorial.md between `<!-- generated: NAME -->` and `<!-- end -->` is
what symdiff prints for one seed example (examples/explain_*.py, with the inputs those
scripts use); each picture docs/NAME.svg is the graph symdiff draws for it.
tests/teach/test_tutorial.py checks that both are current.
"""
import argparse
import importlib.util
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SEEDS = ("circuit", "sigmoid_neuron", "hinge", "svm_loss", "softmax_loss", "mlp")
#: The hand-written backward passes of examples/backward_checks.py that section 7 checks:
#: block name -> (-f NAME, --inputs FUNC).
VERIFY = {"verify-loss": ("softmax_loss", "loss_inputs"),
          "verify-layer": ("softmax", "layer_inputs")}
#: Seeds also shown in the unfused teaching mode (`--gates`, `fuse=False`): block
#: `NAME-gates` and picture docs/NAME_gates.svg.
GATES = ("sigmoid_neuron",)

sys.path.insert(0, str(ROOT / "examples"))
import symdiff  # noqa: E402


def seed(name: str):
    """The function and arguments of examples/explain_<name>.py."""
    path = ROOT / "examples" / f"explain_{name}.py"
    spec = importlib.util.spec_from_file_location(f"explain_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    fn = next(v for k, v in vars(module).items()
              if callable(v) and getattr(v, "__module__", "") == name)
    return fn, module.ARGS


def blocks() -> dict[str, str]:
    """Block name -> generated text: `NAME` (Markdown tables), `NAME-text` (terminal)."""
    out = {}
    for name in SEEDS:
        fn, args = seed(name)
        explanation = symdiff.explain(fn, *args)
        out[name] = explanation.markdown()
        out[f"{name}-text"] = "```text\n" + explanation.text() + "```\n"
    for name in GATES:
        fn, args = seed(name)
        out[f"{name}-gates"] = "```text\n" + symdiff.explain(fn, *args, fuse=False).text() + \
            "```\n"
    return {**out, **verify_blocks()}


def verify_blocks() -> dict[str, str]:
    """What `symdiff verify` prints for the hand-written backward passes of section 7."""
    import inspect
    spec = importlib.util.spec_from_file_location("backward_checks",
                                                  ROOT / "examples" / "backward_checks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    out = {}
    for block, (name, inputs) in VERIFY.items():
        forward = getattr(module, name, None) or getattr(module, f"{name}_forward")
        backward = getattr(module, f"{name}_backward", None)
        given = getattr(module, inputs)()
        args = [given[p] for p in inspect.signature(forward).parameters]
        report = symdiff.check_backward(forward, backward, *args)
        command = f"$ symdiff verify examples/backward_checks.py -f {name} --inputs {inputs}"
        out[block] = "```text\n" + command + "\n" + str(report) + "```\n"
    return out


def pictures() -> dict[str, str]:
    """docs/NAME.svg -> its SVG text."""
    out = {}
    for name in SEEDS:
        fn, args = seed(name)
        out[f"{name}.svg"] = symdiff.graph(fn, *args).svg()
    for name in GATES:
        fn, args = seed(name)
        out[f"{name}_gates.svg"] = symdiff.graph(fn, *args, fuse=False).svg()
    return out


MARK = re.compile(r"<!-- generated: ([\w-]+) -->\n(.*?)<!-- end -->", re.S)


def update(doc: str) -> str:
    texts = blocks()
    return MARK.sub(lambda m: f"<!-- generated: {m.group(1)} -->\n{texts[m.group(1)]}"
                              f"<!-- end -->", doc)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true",
                        help="update docs/tutorial.md and the pictures in place")
    path = DOCS / "tutorial.md"
    new = update(path.read_text())
    if parser.parse_args().write:
        path.write_text(new)
        for name, svg in pictures().items():
            (DOCS / name).write_text(svg)
    else:
        sys.stdout.write(new)
