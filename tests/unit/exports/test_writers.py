"""The streaming writers: parts of at least S3's minimum (but the last), the rows intact."""

from __future__ import annotations

import csv
import io

import openpyxl

from chalicelib.exports import writers


def test_csv_parts_and_content() -> None:
    parts: list[bytes] = []
    progress: list[int] = []
    text = "价格,含逗号的一段较长的说明文字"  # quoted, 3-byte characters: ~50 bytes a row
    rows = ({"n": i, "text": text if i else None} for i in range(200_000))
    count = writers.write_csv(("n", "text"), rows, parts.append, progress.append, 50_000)
    assert count == 200_000 and progress == [50_000, 100_000, 150_000, 200_000]
    assert len(parts) > 1 and all(len(p) >= writers.PART_BYTES for p in parts[:-1])
    read = list(csv.DictReader(io.StringIO(b"".join(parts).decode("utf-8-sig"))))
    assert len(read) == 200_000 and read[1] == {"n": "1", "text": text} and read[0]["text"] == ""


def test_empty_csv_is_a_header() -> None:
    parts: list[bytes] = []
    assert writers.write_csv(("a",), [], parts.append, lambda n: None, 10) == 0
    assert b"".join(parts).decode("utf-8-sig") == "a\r\n"


def test_xlsx_rows() -> None:
    parts: list[bytes] = []
    rows = [{"n": i, "name": f"会员{i}"} for i in range(1000)]
    assert writers.write_xlsx(("n", "name"), rows, parts.append, lambda n: None, 100) == 1000
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(parts)), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("n", "name") and values[1000] == (999, "会员999") and len(values) == 1001
