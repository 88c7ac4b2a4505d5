"""``hessian_<name>`` written by ``symdiff compile --order 2`` with user names that collide
with the names it uses: a parameter ``np`` (numpy is then imported under another name, as
for the generated gradients) and parameters named like its own locals (``k``, ``wrt``,
``blocks``...). The generated Hessians are checked against second differences of the values.
"""
from __future__ import annotations

import numpy

import pytest

from symdiff import cli
from support import load_module, second_difference
from test_cli import import_file

MODEL = '''
import numpy

def with_np(x, np):
    return numpy.sum(numpy.sin(x) * np) ** 2

def with_locals(x, k, wrt, blocks):
    return numpy.sum(numpy.exp(x * k) * wrt + blocks * x ** 3)

def with_everything(np, vs, i, j):
    return numpy.sum(np ** 2) * numpy.sum(vs) * i + numpy.sum(numpy.cos(vs * np[0])) * j

def one_word_scalar(np):
    return np ** 4 + 2.0 * np
'''

CASES = {
    "with_np": ([0], lambda r: (r.standard_normal(3), r.standard_normal(3))),
    "with_locals": ([0], lambda r: (r.standard_normal(3) * 0.5, 0.7, r.standard_normal(3),
                                    r.standard_normal(3))),
    "with_everything": ([0, 1], lambda r: (r.standard_normal(2), r.standard_normal(3), 1.3,
                                           0.4)),
    "one_word_scalar": ([0], lambda r: (0.8,)),
}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hessian_names")
    model = folder / "names_model.py"
    model.write_text(MODEL, encoding="utf-8")
    live = load_module(folder, "names_live", MODEL)
    return folder, model, live


@pytest.mark.parametrize("name", sorted(CASES))
def test_hessian_with_colliding_names_matches_second_differences(compiled, capsys, name):
    folder, model, live = compiled
    wrt, make = CASES[name]
    params = {"with_np": "x", "with_locals": "x", "with_everything": "np,vs",
              "one_word_scalar": "np"}[name]
    out = folder / f"{name}_hess.py"
    code = cli.main(["compile", str(model), "-f", name, "--order", "2", "--wrt", params,
                     "-o", str(out)])
    capsys.readouterr()
    assert code == 0
    text = out.read_text()
    if "np" in params.split(",") or name == "with_np":
        assert "import numpy\n" in text
    generated = import_file(out, f"{name}_hess_mod")
    args = make(numpy.random.default_rng(5))
    fn = getattr(live, name)
    H = getattr(generated, f"hessian_{name}")(*args)
    if len(wrt) == 1:
        expected = second_difference(fn, list(args), wrt[0], wrt[0])
        assert numpy.allclose(H, expected, rtol=1e-5, atol=1e-5)
    else:
        for a, i in enumerate(wrt):
            for b, j in enumerate(wrt):
                expected = second_difference(fn, list(args), i, j)
                assert numpy.allclose(H[a][b], expected, rtol=1e-5, atol=1e-5)
    value, _ = getattr(generated, f"value_and_grad_{name}")(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
