"""PDFs whose structure loops back on itself end in a result or a named error within the time limit."""

from __future__ import annotations

import time

import pytest

from dokreg.errors import DokregError
from dokreg.extract.limits import Limits
from dokreg.extract.runner import extract_bytes


def pdf(objects: dict[int, str], *, trailer_extra: str = "", prev: int | None = None) -> bytes:
    """A PDF written by hand: numbered objects, a correct cross-reference table, a trailer."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n{objects[number]}\nendobj\n".encode()
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for number in range(1, size):
        out += f"{offsets.get(number, 0):010d} 00000 n \n".encode()
    previous = f" /Prev {prev if prev is not None else xref}" if prev is not None or trailer_extra else ""
    out += f"trailer\n<< /Size {size} /Root 1 0 R{previous}{trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


PAGE = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>"
CONTENT = "<< /Length 38 >>\nstream\nBT /F1 12 Tf 10 100 Td (Tsükkel) Tj ET\nendstream"

LOOPS = {
    # The page tree lists itself among its own kids.
    "kids-cycle": pdf(
        {
            1: "<< /Type /Catalog /Pages 2 0 R >>",
            2: "<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
            3: PAGE,
            4: CONTENT,
        }
    ),
    # Two page-tree nodes that are each other's child.
    "two-node-cycle": pdf(
        {
            1: "<< /Type /Catalog /Pages 2 0 R >>",
            2: "<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
            5: "<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 1 >>",
            3: PAGE,
            4: CONTENT,
        }
    ),
    # The cross-reference table's /Prev points back at itself.
    "xref-prev-cycle": pdf(
        {
            1: "<< /Type /Catalog /Pages 2 0 R >>",
            2: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: PAGE,
            4: CONTENT,
        },
        trailer_extra=" ",
    ),
    # A content stream that draws a form XObject that draws itself.
    "xobject-recursion": pdf(
        {
            1: "<< /Type /Catalog /Pages 2 0 R >>",
            2: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R"
            " /Resources << /XObject << /X 6 0 R >> >> >>",
            4: "<< /Length 6 >>\nstream\n/X Do\nendstream",
            6: "<< /Type /XObject /Subtype /Form /BBox [0 0 200 200] /Resources << /XObject << /X 6 0 R >> >>"
            " /Length 6 >>\nstream\n/X Do\nendstream",
        }
    ),
}


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_looping_pdf_ends_in_a_result_or_a_named_error(name):
    started = time.monotonic()
    try:
        result = extract_bytes(LOOPS[name], f"{name}.pdf", limits=Limits(seconds=10, ocr=False))
    except DokregError as error:
        assert error.code in {"broken", "timed_out", "too_large"} and f"{name}.pdf" in error.message
    else:
        assert result.kind == "pdf"
    assert time.monotonic() - started < 15


def test_a_page_lost_in_a_loop_costs_only_that_page():
    result = extract_bytes(LOOPS["kids-cycle"], "kids-cycle.pdf", limits=Limits(seconds=10, ocr=False))
    assert [p.number for p in result.pages] == [1] and "kkel" in result.pages[0].text
    assert any("page 2 cannot be loaded" in w for w in result.warnings)
