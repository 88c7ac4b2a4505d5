"""Automatic differentiation on the IR: the chain rule, in both directions.

``reverse`` writes the backward pass (upstream gradient times local gradient, rules from
``symdiff.primitives``), with ``tape`` for the values loops overwrite, ``masks`` for the
branch ``np.where`` does not take and ``returns`` so that no gradient is a caller's array;
``forward`` writes tangents (forward mode); ``emit`` is the builder both use.
"""
