"""Fresh test databases, made cheaply: Motivo's tables are built once per run and lent out.

Building the 32 tables with their indexes cost PostgreSQL about half a second of catalogue
work and dropping them again a third of one (on a busy two-core machine); SQLite's
``create_all`` took a tenth to a fifth. Paid by every database test on both databases, that
was a large share of the suite's time. So:

* on SQLite the tables are built once into a template file, which each test's database
  starts as a copy of;
* on PostgreSQL a schema whose tables are still exactly as ``create_all`` made them is not
  dropped after its test: its rows are deleted, its sequences restarted, and it is renamed
  and lent to the next test that needs the tables. A schema whose structure a test changed
  (a migration, a dropped table, an added index) is dropped as before.

Either way a test sees what it saw before: empty tables, ids from 1.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers tables)
from models.engine import make_engine

# Everything about a schema's structure that a test could change, without the schema's name
# (read with the schema on the search path, so that names are not qualified with it; index
# definitions always are, so the name is taken out of them).
_STRUCTURE = """
SELECT md5(coalesce(string_agg(replace(part, :schema || '.', ''), E'\\n' ORDER BY part), ''))
FROM (
  SELECT c.relname::text || ' ' || c.relkind::text || ' ' || coalesce(a.attname::text, '')
         || ' ' || coalesce(format_type(a.atttypid, a.atttypmod), '')
         || ' ' || coalesce(a.attnotnull::text, '')
         || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS part
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
  WHERE n.nspname = :schema
  UNION ALL
  SELECT con.conrelid::regclass::text || ' ' || con.conname::text || ' '
         || pg_get_constraintdef(con.oid)
  FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
  WHERE n.nspname = :schema
  UNION ALL
  SELECT pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = :schema
  UNION ALL
  SELECT 'sequence ' || c.relname::text || ' ' || s.seqstart || ' ' || s.seqincrement
         || ' ' || s.seqmin || ' ' || s.seqmax || ' ' || s.seqcycle::text
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = :schema
  UNION ALL
  SELECT 'trigger ' || t.tgname::text || ' ' || t.tgenabled::text
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  -- Foreign keys' own triggers are named by object id, so differ between equal schemas.
  WHERE n.nspname = :schema AND NOT t.tgisinternal
  UNION ALL
  SELECT 'function ' || p.proname::text
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = :schema
) parts
"""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteTemplate:
    """A SQLite file holding the empty tables, built on first use and copied per test."""

    def __init__(self, folder: Path):
        self.path = folder / "motivo-template.db"

    def copy_to(self, target: Path) -> None:
        if not self.path.exists():
            engine = make_engine(f"sqlite:///{self.path}")
            SQLModel.metadata.create_all(engine)
            engine.dispose()  # closing the last connection checkpoints the WAL into the file
        shutil.copyfile(self.path, target)


class PostgresSchemas:
    """Schemas for tests on one PostgreSQL database: fresh ones, and ones with the tables.

    ``fresh()`` makes an empty schema; ``give_tables(schema)`` puts the tables in it (an
    emptied schema from an earlier test, renamed, or ``create_all``); ``release(schema)``
    keeps a schema whose structure is untouched for the next test and drops any other.
    """

    def __init__(self, url: str):
        self.url = url
        self._admin: Engine | None = None
        self._spare: list[str] = []
        self._structure: str | None = None  # as create_all leaves a schema
        self._reset: str | None = None

    @property
    def admin(self) -> Engine:
        if self._admin is None:
            self._admin = make_engine(self.url)
        return self._admin

    def fresh(self) -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {_quoted(schema)}"))
        return schema

    def give_tables(self, schema: str, engine: Engine) -> None:
        """Put the empty tables into ``schema`` (which ``engine`` works in)."""
        if self._spare:
            spare = self._spare.pop()
            with self.admin.begin() as conn:
                # RESTRICT: a schema the test already put something in is not thrown away.
                conn.execute(text(f"DROP SCHEMA {_quoted(schema)} RESTRICT"))
                conn.execute(text(f"ALTER SCHEMA {_quoted(spare)} RENAME TO {_quoted(schema)}"))
            return
        SQLModel.metadata.create_all(engine)
        if self._structure is None:
            self._structure = self._structure_of(schema)
            with self.admin.begin() as conn:
                sequences = conn.execute(
                    text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s"),
                    {"s": schema},
                ).scalars()
                self._reset = ";\n".join(
                    [
                        f"DELETE FROM {_quoted(t.name)}"
                        for t in reversed(SQLModel.metadata.sorted_tables)
                    ]
                    + [f"ALTER SEQUENCE {_quoted(name)} RESTART" for name in sorted(sequences)]
                )

    def release(self, schema: str) -> None:
        """After a test: keep ``schema`` for the next one if only its rows changed."""
        if self._structure is not None and self._structure_of(schema) == self._structure:
            spare = f"t_{uuid.uuid4().hex[:12]}"
            with self.admin.begin() as conn:
                conn.execute(text(f"SET LOCAL search_path TO {_quoted(schema)}"))
                conn.exec_driver_sql(self._reset)
                conn.execute(text(f"ALTER SCHEMA {_quoted(schema)} RENAME TO {_quoted(spare)}"))
            self._spare.append(spare)
            return
        self.drop(schema)

    def drop(self, schema: str) -> None:
        with self.admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {_quoted(schema)} CASCADE"))

    def close(self) -> None:
        for spare in self._spare:
            self.drop(spare)
        self._spare.clear()
        if self._admin is not None:
            self._admin.dispose()

    def _structure_of(self, schema: str) -> str:
        with self.admin.begin() as conn:
            conn.execute(text(f"SET LOCAL search_path TO {_quoted(schema)}"))
            return conn.execute(text(_STRUCTURE), {"schema": schema}).scalar_one()
