"""The intermediate representation: a computational graph, one operation per node.

Glossary (one word per concept, used across the package):
    node                one operation, ``out = op(args...)``, with its source location.
    primitive           an operation the rule table knows (``ew``, ``matmul``, ``sum``...).
    ew                  an elementwise operation given as a SymPy expression over its
                        arguments ``_0, _1, ...``; ``q = x + y`` is ``ew[_0 + _1](x, y)``.
    upstream gradient   the gradient flowing into a node from its output (``g`` in rules).
    local derivative    d out / d arg for one node, from the rule table.
    gradient            d result / d v for a user variable ``v``: ``dv`` in generated code.
    active              a value that depends on a differentiated argument.
    role                what a statement is for: forward, backward, tangent or tape
                        (``Node.role``); decisions read fields, only the printer reads
                        ``note``, the comment beside a line.

A ``Function`` is a list of nodes in program order; every name is bound once (SSA),
so user variables that are reassigned get fresh names (``h``, ``h_1``...). Control flow
will enter as structured regions beside nodes, never flattened.

    >>> print(fn)                       # whiteboard view
    def f(x, y, z):
        q = x + y                       # f.py:2
        f = q * z                       # f.py:3
        return f

The package's modules: ``stmts`` (the statements and their fields), ``exprs``
(elementwise expressions), ``names`` (fresh names), ``build`` (the builder lowering
writes into), ``walk`` (traversal and ``map_blocks``), ``index`` (index specs),
``printing``, ``verify``, and ``shapes`` (static shapes).
"""
from __future__ import annotations

from dataclasses import field, replace

from .build import Builder
from .index import shift_index
from .exprs import ew_normalize, ew_symbols, free_symbols, substitute
from .names import TMP, NameSupply, Temporary
from .stmts import (BACKWARD, DERIVED, FORWARD, ROLES, TANGENT, TAPE, Const, Function, If,
                    Loop, Node, Stmt, Value, Var, node)
from .printing import format_block, format_function, format_node
from .verify import IRError, verify
from .walk import (blocks, bound_here, bound_inside, flatten, map_blocks, nodes, reads_all,
                   reads_here, rename_reads, uses, walk)

__all__ = ["Temporary", "TMP", "Var", "Const", "Value", "Node", "If", "Loop", "Stmt", "Function",
           "node", "Builder", "ew_symbols", "ew_normalize", "NameSupply", "walk", "nodes",
           "blocks", "bound_here", "bound_inside", "reads_here", "reads_all", "map_blocks",
           "rename_reads", "format_node", "format_block", "format_function", "verify", "uses",
           "flatten", "IRError", "field", "replace", "substitute", "free_symbols",
           "shift_index", "FORWARD", "BACKWARD", "TANGENT", "TAPE", "ROLES", "DERIVED"]
