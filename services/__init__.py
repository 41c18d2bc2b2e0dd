"""Use cases as plain functions with a keyword-only ``session``.

Only services commit, and only services decide who may see what, so the CLI, the pages and
the JSON API share one set of rules.
"""
