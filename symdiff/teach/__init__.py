"""Teaching: backprop worked out for people.

``explain`` (node-by-node tables, ``tables`` prints them), ``trace`` (the values and
gradients of one run), ``graph`` and ``graph_layout`` (the circuit picture), ``annotate``
(gate-pattern comments in generated code) and ``optimize_trace`` (what each optimizer pass
changes). Nothing here is imported until teaching output is asked for.
"""
