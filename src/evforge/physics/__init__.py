"""Physics as small pure functions on floats or float arrays, in SI units.

Each function works on Python floats, NumPy arrays and inside numba-compiled code (the
simulation kernel compiles these same functions, so the formula a test checks is the formula
the kernel runs).
"""
