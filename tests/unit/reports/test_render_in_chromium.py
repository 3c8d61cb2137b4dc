"""A report rendered from known data, opened in headless Chromium (what a person reads): every chart
image loads, and the figures on the page are the data's.

The email references charts by `cid:`; here they are rewritten to file URLs, as a mail client
resolves them to the message's inline parts. `make test` installs Debian's chromium when missing."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from chalicelib.reports import charts, render
from chalicelib.reports.domain import ReportKind, period_containing
from tests.fakes.reports import known_figures

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# After load, each image writes what it loaded into the DOM, which --dump-dom then shows.
PROBE = (
    "<script>window.addEventListener('load',function(){document.querySelectorAll('img').forEach(function(i){"
    "i.setAttribute('data-loaded',i.complete&&i.naturalWidth>0?i.naturalWidth+'x'+i.naturalHeight:'broken');});});"
    "</script>"
)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
    return found


def _run_chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    command = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return result.stdout


class _Cells(HTMLParser):
    """Text of every element carrying one of the attributes the report marks its figures with."""

    def __init__(self) -> None:
        super().__init__()
        self.images: dict[str, str] = {}
        self.rows: dict[str, list[str]] = {}
        self.bookings: dict[str, str] = {}
        self.tables: dict[str, list[str]] = {}
        self._row: str | None = None
        self._booking: str | None = None
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images[str(a.get("id"))] = str(a.get("data-loaded"))
        elif tag == "table":
            self._table = a.get("id")
            self.tables[str(self._table)] = []
        elif tag == "tr" and a.get("data-figure"):
            self._row = a["data-figure"]
            self.rows[str(self._row)] = []
        elif tag == "td":
            self._booking = a.get("data-bookings")
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            text = "".join(self._cell).strip()
            if self._row:
                self.rows[self._row].append(text)
            if self._booking:
                self.bookings[self._booking] = text
            if self._table:
                self.tables[self._table].append(text)
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = None


def _colour_pixels(image: Image.Image, hex_colour: str) -> int:
    target = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    colours = image.convert("RGB").getcolors(maxcolors=1 << 24) or []
    return sum(
        n for n, c in colours if isinstance(c, tuple) and all(abs(x - t) <= 8 for x, t in zip(c, target, strict=True))
    )


def test_report_opens_in_chromium_with_its_charts_and_figures(tmp_path: Path) -> None:
    period = period_containing(ReportKind.WEEKLY, date(2026, 11, 30))
    figures = known_figures(period)
    sources = {}
    for name, png in charts.render_all(figures).items():
        path = tmp_path / f"{name}.png"
        path.write_bytes(png)
        sources[name] = path.as_uri()
    page = render.html(figures, "Tea House 茶馆", period, "https://api.example.com/unsubscribe?token=t", sources)
    assert page.count("<img") == len(render.CHARTS)
    report = tmp_path / "report.html"
    report.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")

    dom = _run_chromium(tmp_path, "--dump-dom", report.as_uri())
    cells = _Cells()
    cells.feed(dom)
    assert cells.images == {"chart-revenue-by-day": "640x280", "chart-traffic-by-hour": "640x280"}
    assert cells.rows["revenue"] == ["Revenue", "¥12,345.67", "¥10,000.00", "+23.5%"]
    assert cells.rows["orders"] == ["Orders", "89", "100", "-11.0%"]
    assert cells.rows["average-order"] == ["Average order", "¥138.71", "¥100.00", "+38.7%"]
    assert cells.rows["new-customers"] == ["New customers", "12", "0", "new"]
    assert cells.rows["customers"] == ["Customers", "61", "61", "+0.0%"]
    assert cells.rows["bookings"] == ["Bookings", "20", "16", "+25.0%"]
    assert cells.rows["no-shows"] == ["No-shows", "3", "1", "+200.0%"]
    assert cells.bookings == {"made": "20", "completed": "15", "no-shows": "3", "cancelled": "2"}
    assert cells.tables["top-products"] == [
        "珍珠奶茶 Pearl milk tea", "42", "¥756.00", "Matcha <latte>", "17", "¥374.00"
    ]  # fmt: skip
    assert cells.tables["low-stock"] == ["Jing'an store", "Oat milk 1L", "3", "1.5"]
    assert re.search(r"Weekly report for\s*<b>2026-11-30 – 2026-12-06</b>", dom)

    shot = tmp_path / "report.png"
    _run_chromium(tmp_path, f"--screenshot={shot}", "--window-size=800,2200", "--hide-scrollbars", report.as_uri())
    image = Image.open(shot)
    # Each chart's bars have their own colour: they are on the screen only if its image loaded.
    assert _colour_pixels(image, charts.BAR) > 2000
    assert _colour_pixels(image, charts.LINE) > 2000


def test_a_missing_chart_is_seen_as_broken(tmp_path: Path) -> None:
    """The probe above can fail: an image that does not load is reported broken, and its colour is absent."""
    period = period_containing(ReportKind.DAILY, date(2026, 12, 4))
    figures = known_figures(period)
    missing = {name: (tmp_path / f"{name}-missing.png").as_uri() for name in render.CHARTS}
    report = tmp_path / "report.html"
    report.write_text(render.html(figures, "T", period, "u", missing).replace("</body>", PROBE + "</body>"))
    cells = _Cells()
    cells.feed(_run_chromium(tmp_path, "--dump-dom", report.as_uri()))
    assert set(cells.images.values()) == {"broken"}
