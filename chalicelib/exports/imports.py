"""Member import: a CSV file checked row by row into typed rows, or every row's problems. Pure.

Columns (header row required, in any order; UTF-8, a BOM is fine):
- `phone` (required): a mainland mobile number, 11 digits starting 1[3-9]; unique in the file;
- `name` (required): 1-32 characters;
- `points` (optional, default 0): a whole number 0..10,000,000, the member's opening balance;
- `tier` (optional): one of the merchant's tier names (loyalty's programme).
Unknown columns are refused (a misspelt `point` must not import zero points silently).

Size: at most MAX_ROWS rows, so the whole file is written in one DynamoDB transaction (100 actions:
the rows plus nothing else) and a file is imported entirely or not at all; a larger list is split
into several files, each all-or-nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

MAX_ROWS = 100
MAX_BYTES = 64 * 1024
MAX_POINTS = 10_000_000
COLUMNS = ("phone", "name", "points", "tier")
REQUIRED = ("phone", "name")
PHONE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class ImportRow:
    phone: str
    name: str
    points: int
    tier: str | None


@dataclass(frozen=True)
class RowError:
    row: int  # 1 = the header, 2 = the first member
    field: str | None
    code: str
    message: str


def parse_members(raw: bytes, tiers: tuple[str, ...]) -> tuple[list[ImportRow], list[RowError]]:
    """(rows, []) when every row is valid, else ([], every problem found)."""
    if len(raw) > MAX_BYTES:
        return [], [RowError(0, None, "FILE_TOO_LARGE", f"The file is larger than {MAX_BYTES} bytes.")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(0, None, "NOT_UTF8", "The file is not UTF-8 text.")]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    errors = _header_errors(header)
    if errors:
        return [], errors
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    members = 0
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        members += 1
        if members > MAX_ROWS:
            return [], [RowError(line, None, "TOO_MANY_ROWS", f"A file holds at most {MAX_ROWS} members.")]
        if len(values) != len(header):
            errors.append(RowError(line, None, "COLUMN_COUNT", f"Expected {len(header)} values, got {len(values)}."))
            continue
        cells = {name: value.strip() for name, value in zip(header, values, strict=True)}
        row, problems = _row(line, cells, tiers)
        if row is not None and row.phone in seen:
            problems.append(RowError(line, "phone", "DUPLICATE", f"Same phone as row {seen[row.phone]}."))
        if problems:
            errors.extend(problems)
        elif row is not None:
            seen[row.phone] = line
            rows.append(row)
    if not rows and not errors:
        return [], [RowError(0, None, "EMPTY", "The file has no members.")]
    return ([], errors) if errors else (rows, [])


def _header_errors(header: list[str]) -> list[RowError]:
    errors = [
        RowError(1, name, "UNKNOWN_COLUMN", f"Unknown column '{name}'.") for name in header if name not in COLUMNS
    ]
    errors += [
        RowError(1, name, "MISSING_COLUMN", f"Column '{name}' is required.") for name in REQUIRED if name not in header
    ]
    repeated = sorted({h for h in header if header.count(h) > 1})
    errors += [RowError(1, name, "DUPLICATE_COLUMN", f"Column '{name}' appears twice.") for name in repeated]
    return errors


def _row(line: int, cells: dict[str, str], tiers: tuple[str, ...]) -> tuple[ImportRow | None, list[RowError]]:
    problems: list[RowError] = []
    phone = cells.get("phone", "").replace(" ", "").replace("-", "")
    if not phone:
        problems.append(RowError(line, "phone", "REQUIRED", "A phone number is required."))
    elif not PHONE.match(phone):
        problems.append(RowError(line, "phone", "INVALID", "Not a mainland mobile number (11 digits)."))
    name = cells.get("name", "")
    if not name:
        problems.append(RowError(line, "name", "REQUIRED", "A name is required."))
    elif len(name) > 32:
        problems.append(RowError(line, "name", "TOO_LONG", "A name has at most 32 characters."))
    points = 0
    text = cells.get("points", "")
    if text:
        if not text.isdigit() or int(text) > MAX_POINTS:
            problems.append(RowError(line, "points", "INVALID", f"Points are a whole number 0..{MAX_POINTS}."))
        else:
            points = int(text)
    tier = cells.get("tier") or None
    if tier is not None and tier not in tiers:
        problems.append(RowError(line, "tier", "UNKNOWN_TIER", f"Tier is one of {', '.join(tiers)}."))
    if problems:
        return None, problems
    return ImportRow(phone=phone, name=name, points=points, tier=tier), []
