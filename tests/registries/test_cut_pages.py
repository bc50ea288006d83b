"""Every HTML family refuses a page cut short in transfer: stored, it would blank fields the register never blanked."""

from pathlib import Path

import pytest

from dokreg.errors import SourceChanged
from dokreg.registries.connectors import adr, riigikogu, tallinn
from dokreg.registries.types import RawCapture

PARSERS = {
    "som_document_": adr.parse_document,
    "tallinn_document_5": tallinn.parse_document,
    "riigikogu_document_": riigikogu.parse_document,
}


def recorded(fixtures_dir: Path) -> list[tuple[Path, object]]:
    pages = [
        (path, parse)
        for prefix, parse in PARSERS.items()
        for path in sorted(fixtures_dir.glob(f"{prefix}*.html"))
    ]
    assert {parse for _, parse in pages} == set(PARSERS.values())  # every family has a recorded page
    return pages


def capture(path: Path, body: bytes) -> RawCapture:
    return RawCapture(
        url=f"https://register.example/{path.name}",
        status=200,
        body=body,
        content_type="text/html; charset=utf-8",
    )


def test_whole_recorded_pages_parse(fixtures_dir):
    for path, parse in recorded(fixtures_dir):
        assert parse(capture(path, path.read_bytes())).title, path.name


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_recorded_pages_cut_short_are_refused(fixtures_dir, keep):
    for path, parse in recorded(fixtures_dir):
        body = path.read_bytes()
        with pytest.raises(SourceChanged, match="cut short"):
            parse(capture(path, body[: int(len(body) * keep)]))


def test_a_riigikogu_list_page_cut_short_is_refused(fixtures_dir):
    html = (fixtures_dir / "riigikogu_list_2026-05-14_page1.html").read_text()
    assert riigikogu.parse_list_page(html, "https://www.riigikogu.ee/").rows
    with pytest.raises(SourceChanged, match="cut short"):
        riigikogu.parse_list_page(html[: len(html) // 2], "https://www.riigikogu.ee/")
