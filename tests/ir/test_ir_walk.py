"""``ir.map_blocks``: the one way passes rebuild the blocks of a branch or a loop."""
from symdiff import ir
from symdiff.ir import Const, If, Loop, Var, node

x_ = ir.ew_symbols(1)[0]


def _double(v: str, out: str):
    return node(Var(out), "ew", [Var(v)], expr=2 * x_, lib="")


def test_map_blocks_rebuilds_each_block_in_program_order():
    branch = If(Var("c"), (_double("x", "a"),), (_double("x", "b"),), (Var("r"),),
                (Var("a"),), (Var("b"),), note="n", role=ir.BACKWARD)
    loop = Loop(None, (), (Var("h"),), (Var("x"),), (_double("h", "h2"),), (Var("h2"),),
                (Var("out"),), cond_body=(_double("h", "t"),), cond=Var("t"))
    seen = []

    def f(block):
        seen.append(tuple(n.out.name for n in block))
        return block[::-1]
    rebuilt = ir.map_blocks(branch, f)
    assert seen == [("a",), ("b",)]
    assert (rebuilt.note, rebuilt.role, rebuilt.outs) == ("n", ir.BACKWARD, branch.outs)
    seen.clear()
    again = ir.map_blocks(loop, f)
    assert seen == [("t",), ("h2",)] and again == loop          # condition, then body
    n = _double("x", "y")
    assert ir.map_blocks(n, f) is n


def test_rename_reads_renames_what_a_statement_reads_itself():
    inner = _double("x", "a")
    branch = If(Var("c"), (inner,), (), (Var("r"),), (Var("a"),), (Var("x"),))
    renamed = ir.rename_reads(branch, {"x": Var("z"), "c": Const(True)})
    assert renamed.cond == Const(True) and renamed.else_values == (Var("z"),)
    assert renamed.then == (inner,)                        # nested blocks are left alone
    assert ir.rename_reads(inner, {"x": Var("z")}).args == (Var("z"),)
