"""Optimization of the IR: ``passes`` (the pass list ``optimize`` runs to a fixed point),
``fuse`` (elementwise chains into one SymPy expression) and ``invariance`` (reductions the
output does not depend on get no gradient).
"""
