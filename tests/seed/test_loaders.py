"""The shared CSV reader and the catalogue loader."""

from __future__ import annotations

import json

import pytest

from recommender.catalogue import CSV_COLUMNS, CatalogueError, reward_to_dict, reward_to_row
from seed.loaders import (
    TableFileError,
    default_catalogue_path,
    is_blank_row,
    load_catalogue,
    read_table_bytes,
    read_table_file,
    sniff_delimiter,
    write_table_file,
)

BOM = b"\xef\xbb\xbf"


def test_reads_utf8_with_a_bom_and_semicolons(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(BOM + "email;name\r\nase@x.no;Åse Ødegård\r\n".encode())
    assert read_table_file(path) == [{"email": "ase@x.no", "name": "Åse Ødegård"}]


def test_reads_utf8_without_a_bom_and_commas():
    data = b"email,name\nkari@x.no,Kari Nordmann\n"
    assert read_table_bytes(data) == [{"email": "kari@x.no", "name": "Kari Nordmann"}]


def test_reads_tabs():
    assert read_table_bytes(b"a\tb\n1\t2\n") == [{"a": "1", "b": "2"}]


def test_header_names_and_values_are_stripped():
    data = b" email ; name \n  kari@x.no ;Kari \n"
    assert read_table_bytes(data) == [{"email": "kari@x.no", "name": "Kari"}]


def test_header_names_keep_their_case():
    assert read_table_bytes(b"Aut1,aut2\n4,5\n") == [{"Aut1": "4", "aut2": "5"}]


def test_quoted_separators_and_line_breaks_stay_in_their_cell():
    data = b'id;text\n1;"one; two"\n2;"line\nbreak"\n'
    assert read_table_bytes(data) == [
        {"id": "1", "text": "one; two"},
        {"id": "2", "text": "line\nbreak"},
    ]


def test_the_separator_is_sniffed_from_the_header_only():
    # The data row has more commas than semicolons; the header decides.
    data = b"id;note\n1;a, b, c and d\n"
    assert read_table_bytes(data) == [{"id": "1", "note": "a, b, c and d"}]


@pytest.mark.parametrize(
    ("line", "expected"),
    [("a,b,c", ","), ("a;b;c", ";"), ("a\tb", "\t"), ("single", ","), ('"a;b",c', ",")],
)
def test_sniff_delimiter(line, expected):
    assert sniff_delimiter(line) == expected


def test_trailing_blank_rows_and_separators_are_dropped():
    data = b"id;name;\n1;Kari;\n;;\n\n"
    assert read_table_bytes(data) == [{"id": "1", "name": "Kari"}]


def test_a_blank_row_inside_the_table_keeps_the_numbering():
    records = read_table_bytes(b"id\n1\n\n3\n")
    assert records == [{"id": "1"}, {"id": ""}, {"id": "3"}]
    assert [is_blank_row(r) for r in records] == [False, True, False]


def test_short_rows_are_padded():
    assert read_table_bytes(b"a,b,c\n1\n") == [{"a": "1", "b": "", "c": ""}]


def test_header_only_gives_no_records():
    assert read_table_bytes(b"id,name\n") == []


def test_rejects_non_utf8_with_the_row_number():
    data = b"id;name\n1;Kari\n2;" + "Åse".encode("cp1252") + b"\n"
    with pytest.raises(ValueError, match=r"^row 3: not valid UTF-8") as info:
        read_table_bytes(data)
    assert info.value.row == 3


def test_non_utf8_after_a_multi_line_cell_counts_spreadsheet_rows():
    data = b'id,text\n1,"a\nb\nc"\n2,\xf8\n'
    with pytest.raises(TableFileError, match=r"^row 3: not valid UTF-8"):
        read_table_bytes(data)


def test_non_utf8_in_the_header_is_row_1(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("id;bel\xf8p\n".encode("latin-1"))
    with pytest.raises(TableFileError, match=r"^row 1: not valid UTF-8.*bad\.csv"):
        read_table_file(path)


def test_utf16_is_named():
    data = "id,name\n1,Kari\n".encode("utf-16")
    with pytest.raises(TableFileError, match=r"^row 1: not valid UTF-8: .* UTF-16"):
        read_table_bytes(data)


@pytest.mark.parametrize("data", [b"", BOM, b"  \n\n", BOM + b"\r\n"])
def test_rejects_an_empty_file(data):
    with pytest.raises(TableFileError, match="is empty"):
        read_table_bytes(data)


@pytest.mark.parametrize("data", [b"\nid,name\n1,2\n", b";;\n1;2;3\n"])
def test_rejects_a_file_without_a_header(data):
    with pytest.raises(TableFileError, match=r"^row 1: no header"):
        read_table_bytes(data)


def test_rejects_a_repeated_column_name():
    with pytest.raises(TableFileError, match=r"^row 1: column 'id' appears more than once"):
        read_table_bytes(b"id,id\n1,2\n")


def test_rejects_values_in_an_unnamed_column():
    with pytest.raises(TableFileError, match=r"^row 1: column 2 has values but no name"):
        read_table_bytes(b"id,\n1,x\n")


def test_rejects_a_row_with_more_values_than_columns():
    with pytest.raises(TableFileError, match=r"^row 3: 3 values but the header has 2 columns"):
        read_table_bytes(b"id,name\n1,Kari\n2,Ola,Nordmann\n")


def test_rejects_an_unclosed_quote():
    with pytest.raises(TableFileError, match=r"^row 3: a quoted value is never closed"):
        read_table_bytes(b'id,name\n1,Kari\n2,"Ola\n3,Per\n')


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_catalogue_round_trips_through_a_csv_file(tmp_path, delimiter):
    rewards = load_catalogue()
    path = tmp_path / "rewards.csv"
    write_table_file(path, [reward_to_row(r) for r in rewards], CSV_COLUMNS, delimiter=delimiter)
    assert path.read_bytes().startswith(BOM)
    assert load_catalogue(path) == rewards


def test_catalogue_round_trips_through_json(tmp_path):
    rewards = load_catalogue()
    path = tmp_path / "rewards.json"
    path.write_text(
        json.dumps({"rewards": [reward_to_dict(r) for r in rewards]}, ensure_ascii=False),
        encoding="utf-8",
    )
    assert load_catalogue(path) == rewards


def test_catalogue_csv_problems_use_spreadsheet_rows(tmp_path):
    path = tmp_path / "rewards.csv"
    rows = [reward_to_row(r) for r in load_catalogue()[:3]]
    rows[2]["cost_band"] = "9"
    write_table_file(path, rows, CSV_COLUMNS, delimiter=";")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    assert info.value.problems == [
        "row 4, column cost_band: expected a whole number from 1 to 4, got 9"
    ]


def test_catalogue_toml_problems_count_records_from_1(tmp_path):
    path = tmp_path / "rewards.toml"
    text = default_catalogue_path().read_text(encoding="utf-8")
    path.write_text(text.replace('category = "recognition"', 'category = "cash"', 1), "utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    assert info.value.problems == [
        "row 1, column category: unknown category 'cash' (expected one of: recognition, "
        "development, experience, wellness, exclusive, personal, time)"
    ]


def test_catalogue_files_that_cannot_be_read_are_reported(tmp_path):
    broken = tmp_path / "rewards.toml"
    broken.write_text("[[rewards]\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="rewards.toml: cannot be read"):
        load_catalogue(broken)
    other = tmp_path / "rewards.xlsx"
    other.write_bytes(b"")
    with pytest.raises(CatalogueError, match="expected a .toml, .json or .csv file"):
        load_catalogue(other)
    wrong = tmp_path / "rewards.json"
    wrong.write_text('{"items": []}', encoding="utf-8")
    with pytest.raises(CatalogueError, match="expected a list of rewards"):
        load_catalogue(wrong)
