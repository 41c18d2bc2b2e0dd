"""Pure modelling code: scoring, reliability, profiles, ranking and evaluation.

Arrays and plain dataclasses in, arrays out. Nothing here imports Flask, SQLModel or
``services``, so every function can be tested and benchmarked without a database.
"""
