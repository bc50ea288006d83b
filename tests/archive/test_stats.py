"""Per-body monthly statistics (BodyMonth) follow every write that changes what the public may count:
new documents, edits of date or access, withdrawals, takedowns and their undoing; and the body page
reads them."""

from dataclasses import replace
from datetime import date

import pytest
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from dokreg.archive.models import BodyMonth, Document
from dokreg.archive.services import (
    document_listed,
    document_take_down,
    document_take_down_undo,
    document_upsert,
    document_withdrawn,
)
from dokreg.archive.stats import UNDATED, body_months_rebuild
from dokreg.registries.models import Registry
from dokreg.registries.types import ListedEntry, RegisterEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    return Registry.objects.create(
        slug="t-stats", name="Statistikaamet", family="adr", base_url="http://127.0.0.1:1/st/", state="active"
    )


def _entry(source_id: str, **changes) -> RegisterEntry:
    entry = RegisterEntry(
        source_id=source_id,
        url=f"http://127.0.0.1:1/st/dokument/{source_id}",
        reference=f"1-2/{source_id}",
        registered=date(2024, 3, 5),
        doc_type="Kiri",
        title="Pöördumine",
        access="Avalik",
        parser="adr/1",
    )
    return replace(entry, **changes)


def months(registry) -> dict[date, tuple[int, int]]:
    rows = BodyMonth.objects.filter(registry=registry).values_list("month", "documents", "ak")
    return {m: (n, ak) for m, n, ak in rows if n or ak}


def rebuilt(registry) -> dict[date, tuple[int, int]]:
    body_months_rebuild(registry=registry)
    return months(registry)


def test_new_documents_count_in_their_month_and_ak_among_them(registry):
    document_upsert(registry=registry, entry=_entry("1"))
    document_upsert(registry=registry, entry=_entry("2", access="AK"))
    document_upsert(registry=registry, entry=_entry("3", registered=date(2024, 4, 30)))
    document_upsert(registry=registry, entry=_entry("4", registered=None))

    expected = {date(2024, 3, 1): (2, 1), date(2024, 4, 1): (1, 0), UNDATED: (1, 0)}
    assert months(registry) == expected
    assert rebuilt(registry) == expected


def test_edits_of_date_and_access_move_the_count_and_repeats_do_not(registry):
    document_upsert(registry=registry, entry=_entry("1"))
    document_upsert(registry=registry, entry=_entry("1"))  # unchanged
    assert months(registry) == {date(2024, 3, 1): (1, 0)}

    document_upsert(registry=registry, entry=_entry("1", registered=date(2023, 12, 31), access="AK"))
    assert months(registry) == {date(2023, 12, 1): (1, 1)}

    document_upsert(registry=registry, entry=_entry("1", registered=date(2023, 12, 31)))  # restriction lifted
    assert months(registry) == {date(2023, 12, 1): (1, 0)} == rebuilt(registry)


def test_listed_only_documents_count_once_fetched(registry):
    listed = ListedEntry(source_id="9", reference="1-2/9", registered=date(2024, 3, 1), title="Loetelus")
    document_listed(registry=registry, listed=listed, seen_at=timezone.now())
    assert months(registry) == {}

    document_upsert(registry=registry, entry=_entry("9", registered=date(2024, 3, 1)))
    assert months(registry) == {date(2024, 3, 1): (1, 0)} == rebuilt(registry)


def test_withdrawal_takedown_and_undo_keep_the_counts_right(registry):
    kept = document_upsert(registry=registry, entry=_entry("1")).document
    gone = document_upsert(registry=registry, entry=_entry("2", access="AK")).document
    down = document_upsert(registry=registry, entry=_entry("3")).document

    document_withdrawn(document=gone)
    document_withdrawn(document=gone)  # seen missing again: counted once
    document_take_down(document=down, reason="isikuandmed")
    assert months(registry) == {date(2024, 3, 1): (1, 0)} == rebuilt(registry)

    document_take_down_undo(document=Document.objects.get(pk=down.pk))
    document_upsert(registry=registry, entry=_entry("2", access="AK"))  # back at the source
    assert months(registry) == {date(2024, 3, 1): (3, 1)} == rebuilt(registry)
    assert kept.pk


def test_body_page_counts_come_from_the_kept_statistics(client, registry):
    document_upsert(registry=registry, entry=_entry("1", registered=date(2023, 5, 2)))
    document_upsert(registry=registry, entry=_entry("2", registered=date(2024, 1, 2), access="AK"))
    down = document_upsert(registry=registry, entry=_entry("3", registered=date(2024, 1, 3))).document
    document_take_down(document=down, reason="isikuandmed")

    page = HTMLParser(client.get(f"/asutus/{registry.slug}/").content.decode())
    assert [a.text() for a in page.css("ul.years a")] == ["2024", "2023"]
    assert [s.text() for s in page.css("ul.years .count")] == ["(1)", "(1)"]
    year = HTMLParser(client.get(f"/asutus/{registry.slug}/2024/").content.decode())
    january = [c.text(strip=True) for c in year.css("table.months tbody tr")[0].css("th, td")]
    assert january == ["jaanuar 2024", "1", "1"]  # the taken-down document is not counted
