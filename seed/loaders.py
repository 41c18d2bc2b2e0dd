"""Small loaders for the seed data, and the CSV reader every import shares.

Rows are numbered as a spreadsheet shows them: the header is row 1 and the first record is
row 2, so ``records[i]`` from :func:`read_table_file` is row ``i + 2`` in every message.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recommender.catalogue import CatalogueError, Reward, parse_catalogue

if TYPE_CHECKING:
    from recommender.instrument import Instrument

SEED_DIR = Path(__file__).resolve().parent
DEFAULT_INSTRUMENT = "motivation"
DELIMITERS = (",", ";", "\t")

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
_SAVE_AS_UTF8 = "save it as UTF-8 (in Excel: 'CSV UTF-8') and try again"


class TableFileError(ValueError):
    """A file that cannot be read as a table; ``row`` is where, when that is known."""

    def __init__(self, message: str, *, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


CURRENT_INSTRUMENT_VERSION = 2
"""The version of the default instrument new waves use; older versions stay loadable."""


def default_instrument_path() -> Path:
    """Return the path of the default instrument's version 1, ``seed/instruments/motivation.toml``.

    Version 1 keeps the file name it always had (and its history); later versions are
    ``motivation-v<N>.toml`` beside it.
    """
    return SEED_DIR / "instruments" / f"{DEFAULT_INSTRUMENT}.toml"


def seed_instrument_path(version: int) -> Path:
    """Return the file of one version of the default instrument."""
    if version == 1:
        return default_instrument_path()
    return SEED_DIR / "instruments" / f"{DEFAULT_INSTRUMENT}-v{version}.toml"


def load_default_instrument() -> Instrument:
    """Read and validate version 1 of the default instrument (the one most tests pin)."""
    return load_seed_instrument(1)


def load_seed_instrument(version: int | None = None) -> Instrument:
    """Read and validate one version of the default instrument (default: the current one)."""
    from recommender.instrument import load_instrument

    return load_instrument(seed_instrument_path(version or CURRENT_INSTRUMENT_VERSION))


def default_catalogue_path() -> Path:
    """Return the path of the default reward catalogue, ``seed/rewards.toml``."""
    return SEED_DIR / "rewards.toml"


def load_catalogue(path: str | Path | None = None) -> list[Reward]:
    """Read and validate a reward catalogue from a ``.toml``, ``.json`` or ``.csv`` file.

    TOML files hold a ``[[rewards]]`` array; JSON files a list of rewards or an object with a
    ``rewards`` list; CSV files the columns of ``recommender.catalogue.CSV_COLUMNS``.
    Defaults to the seed catalogue. Raises ``CatalogueError`` listing every problem.
    """
    path = default_catalogue_path() if path is None else Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return parse_catalogue(read_table_file(path))
    if suffix not in (".toml", ".json"):
        raise CatalogueError([f"{path.name}: expected a .toml, .json or .csv file"])
    try:
        with path.open("rb") as handle:
            data: Any = tomllib.load(handle) if suffix == ".toml" else json.load(handle)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CatalogueError([f"{path.name}: cannot be read: {exc}"]) from exc
    if isinstance(data, Mapping):
        data = data.get("rewards")
    if not isinstance(data, list):
        raise CatalogueError([f"{path.name}: expected a list of rewards under 'rewards'"])
    return parse_catalogue(data)


def read_table_file(path: str | Path) -> list[dict[str, str]]:
    """Read a CSV file into one dict per row, keyed by the header's column names.

    See :func:`read_table_bytes` for what is accepted and what is refused.
    """
    path = Path(path)
    return read_table_bytes(path.read_bytes(), source=path.name)


def parse_table(data: bytes, *, source: str = "the file") -> tuple[list[str], list[dict[str, str]]]:
    """Parse CSV bytes, as uploaded or read from disk, into the header and one dict per row.

    Accepts UTF-8 with or without a byte-order mark, separated by commas, semicolons or tabs
    (whichever the header line uses most; Excel in a Norwegian locale writes semicolons).
    Header names and values are stripped of surrounding whitespace. Trailing blank rows are
    dropped; a blank row inside the table is kept as empty strings, so that ``records[i]``
    is always spreadsheet row ``i + 2`` (see :func:`is_blank_row`).

    Raises
    ------
    TableFileError
        A ``ValueError`` naming the row, for an empty file, a file that is not UTF-8
        (``"row N: not valid UTF-8 ..."``), a missing or empty header row, a header with a
        repeated or missing column name, a row with more values than the header has columns,
        or an unterminated quote.
    """
    text = _decode(data, source)
    if not text.strip():
        raise TableFileError(f"{source} is empty: expected a header row and data rows")
    first_line = text.splitlines()[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    try:
        for cells in reader:
            rows.append([cell.strip() for cell in cells])
    except csv.Error as exc:
        row = len(rows) + 1
        reason = "a quoted value is never closed" if "end of data" in str(exc) else str(exc)
        raise TableFileError(
            f"row {row}: {reason}; check the quotes in this row of {source}", row=row
        ) from exc
    header, keep = _header(rows[0] if rows else [], rows[1:], source)
    while len(rows) > 1 and not any(rows[-1]):
        rows.pop()
    records: list[dict[str, str]] = []
    width = len(rows[0])
    for number, cells in enumerate(rows[1:], start=2):
        if len(cells) > width and any(cells[width:]):
            raise TableFileError(
                f"row {number}: {len(cells)} values but the header has {width} columns"
                f" (is there a stray {_delimiter_name(delimiter)} in a value?)",
                row=number,
            )
        cells = cells[:width] + [""] * (width - len(cells))
        records.append({name: cells[index] for index, name in zip(keep, header, strict=True)})
    return header, records


def read_table_bytes(data: bytes, *, source: str = "the file") -> list[dict[str, str]]:
    """Parse CSV bytes into one dict per row (see :func:`parse_table`)."""
    return parse_table(data, source=source)[1]


def is_blank_row(record: Mapping[str, Any]) -> bool:
    """Return whether every value of a record is empty, as in a blank spreadsheet row."""
    return all(value is None or not str(value).strip() for value in record.values())


def sniff_delimiter(header_line: str) -> str:
    """Return the separator (comma, semicolon or tab) that a header line uses most.

    Separators inside double quotes do not count; a single-column header gives a comma.
    """
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties keep the earlier, the comma
    return best if counts[best] else ","


def write_table_file(
    path: str | Path,
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    delimiter: str = ",",
) -> None:
    """Write rows as CSV that :func:`read_table_file` and spreadsheets read back unchanged.

    The file is UTF-8 with a byte-order mark, which Excel needs to show æ, ø and å.
    """
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), delimiter=delimiter)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in columns})


def _decode(data: bytes, source: str) -> str:
    if data.startswith(_UTF16_BOMS):
        raise TableFileError(
            f"row 1: not valid UTF-8: {source} is saved as UTF-16; {_SAVE_AS_UTF8}", row=1
        )
    body = data[len(_UTF8_BOM) :] if data.startswith(_UTF8_BOM) else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = _row_at(body[: exc.start].decode("utf-8"))
        raise TableFileError(
            f"row {row}: not valid UTF-8 (byte 0x{body[exc.start]:02x}); "
            f"{source} looks like it was saved in another encoding; {_SAVE_AS_UTF8}",
            row=row,
        ) from exc


def _row_at(prefix: str) -> int:
    # A line break inside a quoted cell stays in the same spreadsheet row.
    text = prefix.replace("\r\n", "\n").replace("\r", "\n")
    row, quoted = 1, False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char == "\n" and not quoted:
            row += 1
    return row


def _header(
    cells: list[str], data_rows: list[list[str]], source: str
) -> tuple[list[str], list[int]]:
    """Return the column names and the cell positions they come from."""
    if not any(cells):
        raise TableFileError(
            f"row 1: no header in {source}: the first row must hold the column names", row=1
        )
    names: list[str] = []
    keep: list[int] = []
    seen: set[str] = set()
    for index, name in enumerate(cells):
        if not name:
            # Spreadsheets often save a trailing separator; an unnamed column with data is an
            # error, an empty one is noise.
            if any(index < len(row) and row[index] for row in data_rows):
                raise TableFileError(
                    f"row 1: column {index + 1} has values but no name in the header", row=1
                )
            continue
        # Columns are matched without regard to case or surrounding spaces, so "Value" beside
        # "value" is the same column twice, not a second one whose last cell would win.
        if name.strip().lower() in seen:
            raise TableFileError(f"row 1: column '{name}' appears more than once", row=1)
        seen.add(name.strip().lower())
        names.append(name)
        keep.append(index)
    return names, keep


def _delimiter_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab"}[delimiter]
