"""Member import rows: every problem reported per row and field; a valid file parsed whole."""

from __future__ import annotations

from chalicelib.exports import imports
from chalicelib.exports.imports import ImportRow, RowError, parse_members
from chalicelib.loyalty.api import MAX_IMPORT

TIERS = ("normal", "silver", "gold")


def test_valid_file() -> None:
    raw = "\ufeffname,phone,points,tier\n张三,13800138000,120,silver\n李四,139-0013-9000,,\n".encode()
    rows, errors = parse_members(raw, TIERS)
    assert errors == []
    assert rows == [ImportRow("13800138000", "张三", 120, "silver"), ImportRow("13900139000", "李四", 0, None)]


def test_every_row_error_is_reported_and_nothing_parsed() -> None:
    raw = (
        "phone,name,points,tier\n13800138000,张三,10,gold\n12345,,x,diamond\n13800138000,王五,1,\n13700137000,赵六\n"
    ).encode()
    rows, errors = parse_members(raw, TIERS)
    assert rows == []
    assert [(e.row, e.field, e.code) for e in errors] == [
        (3, "phone", "INVALID"),
        (3, "name", "REQUIRED"),
        (3, "points", "INVALID"),
        (3, "tier", "UNKNOWN_TIER"),
        (4, "phone", "DUPLICATE"),
        (5, None, "COLUMN_COUNT"),
    ]


def test_header_problems() -> None:
    _, errors = parse_members(b"phone,point\n13800138000,1\n", TIERS)
    assert {(e.field, e.code) for e in errors} == {("point", "UNKNOWN_COLUMN"), ("name", "MISSING_COLUMN")}


def test_bounds() -> None:
    too_many = "phone,name\n" + "".join(f"138{i:08d},n{i}\n" for i in range(imports.MAX_ROWS + 1))
    assert parse_members(too_many.encode(), TIERS)[1][0].code == "TOO_MANY_ROWS"
    assert parse_members(b"phone,name\n", TIERS)[1] == [RowError(0, None, "EMPTY", "The file has no members.")]
    assert parse_members(b"\xff\xfe", TIERS)[1][0].code == "NOT_UTF8"
    assert parse_members(b"x" * (imports.MAX_BYTES + 1), TIERS)[1][0].code == "FILE_TOO_LARGE"
    # One file is one DynamoDB transaction in loyalty: the bounds agree.
    assert imports.MAX_ROWS == MAX_IMPORT
