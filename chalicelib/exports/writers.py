"""Rows -> file bytes in parts of bounded size, so memory stays flat however many rows there are.

CSV is encoded as it goes (UTF-8 with a BOM, so Excel opens Chinese text correctly) and handed out
in parts of PART_BYTES, S3's multipart minimum. XLSX is written by xlsxwriter in constant_memory mode
(one row in memory at a time) to a temporary file, then handed out in the same parts; a zip cannot be
produced as a stream of parts any other way. No AWS here: the caller passes where parts go.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from typing import Any

PART_BYTES = 5 * 1024 * 1024
BOM = "\ufeff"

PartSink = Callable[[bytes], None]
Progress = Callable[[int], None]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_csv(
    columns: tuple[str, ...], rows: Iterable[Mapping[str, Any]], sink: PartSink, progress: Progress, every: int
) -> int:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    text.write(BOM)
    writer.writerow(columns)
    buffer = bytearray()
    count = 0
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
        count += 1
        if text.tell() >= 64 * 1024:
            buffer += text.getvalue().encode()
            text.seek(0)
            text.truncate()
            if len(buffer) >= PART_BYTES:
                sink(bytes(buffer))
                buffer.clear()
        if count % every == 0:
            progress(count)
    buffer += text.getvalue().encode()
    sink(bytes(buffer))  # the last part (S3 takes a last part under the minimum, even an empty file)
    return count


def write_xlsx(
    columns: tuple[str, ...], rows: Iterable[Mapping[str, Any]], sink: PartSink, progress: Progress, every: int
) -> int:
    import xlsxwriter

    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
        sheet = workbook.add_worksheet("export")
        sheet.write_row(0, 0, columns)
        count = 0
        for row in rows:
            count += 1
            sheet.write_row(count, 0, [_cell(row.get(c)) for c in columns])
            if count % every == 0:
                progress(count)
        workbook.close()
        with open(path, "rb") as file:
            while True:
                part = file.read(PART_BYTES)
                if not part:
                    break
                sink(part)
            if file.tell() == 0:
                sink(b"")
        return count
    finally:
        os.unlink(path)
