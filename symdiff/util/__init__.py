"""Infrastructure every stage shares: ``deep`` (deep programs without ``RecursionError``)
and ``output`` (atomic writes of files).
"""
