"""Long generated statements are broken inside brackets, never inside a name, and mean
what they meant on one line."""
import ast

import pytest

from symdiff.backend.wrapping import WIDTH, wrapped

LONG = [
    "dweights_1 = np.broadcast_to(-(weighted_least_squares / weights_sum), "
    "np.shape(weights_of_rows))",
    "dx = 800.0 * (0.5 * np.sign(800.0 * x) + 0.5) - 800.0 * np.exp(-(800.0 * np.abs(x))) * "
    "np.sign(x) / (np.exp(-(800.0 * np.abs(x))) + 1)",
    "dz = dshifted_plus_log1p * (0.5 * np.sign(z_times_y) + 0.5 - np.exp(-np.abs(z_times_y)) "
    "* np.sign(z_times_y) / (np.exp(-np.abs(z_times_y)) + 1))",
    "dh = -(1.0 if 1 - w_phi_times_y > 0 else 0.5 if 1 - w_phi_times_y == 0 else 0.0) * "
    "another_rather_long_name",
    "message = f('a string, with commas, + and - signs, that is long enough to be broken here', "
    "x_1, y_2, z_3)",
]


@pytest.mark.parametrize("text", LONG)
def test_a_long_statement_is_broken_inside_brackets_and_means_the_same(text):
    out = wrapped(text)
    lines = out.splitlines()
    assert len(lines) > 1
    assert ast.dump(ast.parse(out)) == ast.dump(ast.parse(text))
    assert all(len(line) <= WIDTH for line in lines)
    assert not any(line.rstrip().endswith(".") for line in lines)     # not np. / shape(x)
    assert all(line.startswith("    ") for line in lines[1:])


def test_an_assigned_sum_is_bracketed_to_break_at_its_own_operators():
    out = wrapped(LONG[1])
    assert out.startswith("dx = (800.0 * (0.5 * np.sign(800.0 * x) + 0.5) - ")
    assert out.splitlines()[1].startswith("    * np.sign(x) / ")


def test_a_string_is_never_broken():
    out = wrapped(LONG[4])
    assert "'a string, with commas, + and - signs, that is long enough to be broken here'" in out


def test_a_statement_that_fits_is_left_alone():
    text = "dw = matmul_vjp_right(unbroadcast(dr, X_w), X, w)"
    assert wrapped(text) == text
    assert wrapped("x = " + "a" * 120) == "x = " + "a" * 120      # nowhere to break


def test_a_keyword_argument_is_never_split_at_its_equals_sign():
    from symdiff.backend.wrapping import wrapped
    text = ("x_positions_move = np.pad(np.reshape(np.arange(1, np.size(x) + 1), np.shape(x)), "
            "(1, 2), mode='edge')")
    lines = wrapped(text).splitlines()
    assert len(lines) == 2 and all("mode='edge'" in line or "mode" not in line for line in lines)
