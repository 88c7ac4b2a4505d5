"""The front end: Python source to IR.

``parse`` reads a function's source (files, encodings, decorators, module constants);
``fence`` refuses what symdiff does not differentiate, with located errors; ``desugar``
rewrites Python's shorthands into the few forms lowering knows; ``lower`` turns the AST
into the IR graph, with the memory model of NumPy (``alias``, ``alias_flow``,
``lower_memory``) and the meaning of each call (``lower_calls``, ``lower_arrays``).
"""
