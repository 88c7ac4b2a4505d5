"""Back ends: optimized IR to Python source.

``codegen`` prints a function (``codegen_nodes`` one node, ``codegen_math`` a SymPy
expression, ``quoting`` user text as safe literals and comments); ``jit`` compiles the
result with Numba where it can.
"""
