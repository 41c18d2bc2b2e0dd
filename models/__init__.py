"""Persistence: SQLModel tables, the engine factory, migrations and small query helpers.

Import the submodule you need (``models.tables``, ``models.engine``, ...). Nothing is
re-exported here on purpose: building the table classes costs a few hundred milliseconds, and
a command that only reads the roster (``models.roster``) should not pay it.
"""
