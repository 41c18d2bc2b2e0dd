"""Seed data: the default instrument, the reward catalogue and the demo organisation.

The data are TOML files you can read and diff; this package only loads them.
"""

from seed.demo_org import demo_people
from seed.loaders import (
    TableFileError,
    default_catalogue_path,
    default_instrument_path,
    is_blank_row,
    load_catalogue,
    load_default_instrument,
    load_seed_instrument,
    read_table_bytes,
    read_table_file,
    write_table_file,
)

__all__ = [
    "TableFileError",
    "default_catalogue_path",
    "default_instrument_path",
    "demo_people",
    "is_blank_row",
    "load_catalogue",
    "load_default_instrument",
    "load_seed_instrument",
    "read_table_bytes",
    "read_table_file",
    "write_table_file",
]
