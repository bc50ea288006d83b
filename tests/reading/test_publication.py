"""The publication rule on the read layer itself: every entry point the public surfaces call, given an
archive with a document hidden in each way (withdrawn, taken down, never fetched), an AK document and a
stale index that still holds the hidden ones. Nothing hidden comes out; an AK document's metadata does,
its files, text and snippets do not. (The route walks in tests/leaks and tests/public test the same
through HTTP.)"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from django.utils import timezone
from tests.public.factories import index, make_document, make_file, make_registry

from dokreg.archive.models import Access, FetchState, Matter, Relation
from dokreg.archive.stats import body_months_rebuild
from dokreg.reading import body as body_stats
from dokreg.reading import browse, changes, documents, exports, overview, registries, result_export, sitemap
from dokreg.reading.params import SearchParams
from dokreg.reading.types import DocumentCard, ListedDocument

pytestmark = pytest.mark.django_db

TODAY = date(2024, 6, 1)


@pytest.fixture
def archive():
    body = make_registry(slug="reegel")
    matter = Matter.objects.create(registry=body, root="9-9/24")
    common = {
        "matter": matter,
        "series": "9-9 Hanked",
        "function": "9 Hanked",
        "registered": date(2024, 2, 29),
        "sender_reference": "1-1/24-1",
    }
    shown = make_document(body, reference="9-9/24-1", title="Hankeleping avalik", **common)
    ak = make_document(body, reference="9-9/24-2", title="Hankeleping piiratud", access=Access.AK, **common)
    hidden = [
        make_document(body, reference="9-9/24-3", title="Hankeleping tagasi", **common),
        make_document(body, reference="9-9/24-4", title="Hankeleping eemaldatud", **common),
        make_document(body, reference="9-9/24-5", title="Hankeleping loetelus", **common),
    ]
    # The same letter in another register, by its number: only the published one may be found.
    make_document(make_registry(slug="saatja"), reference="1-1/24-1", title="Saadetud kiri")
    files = {
        d.pk: make_file(d, name=f"{d.reference.replace('/', '-')}.txt", text="hankelepingu tekst")
        for d in [shown, ak, *hidden]
    }
    for target in (ak, *hidden):
        Relation.objects.create(
            document=shown, kind="seotud", reference=target.reference, title=target.title, target=target
        )
    # The index is written while all were public; then three are hidden: a stale index.
    index(shown, ak, *hidden, text={d.pk: "hankelepingu tekst" for d in [shown, ak, *hidden]})
    hidden[0].withdrawn_at = timezone.now()
    hidden[0].save()
    hidden[1].taken_down_at = timezone.now()
    hidden[1].save()
    hidden[2].fetch_state = FetchState.LISTED
    hidden[2].save()
    # Direct saves skip the per-body monthly counts the archive's own writes keep: count them afresh.
    body_months_rebuild()
    return {
        "body": registries.body("reegel"),
        "matter": matter,
        "shown": shown,
        "ak": ak,
        "hidden": hidden,
        "files": files,
    }


def card_ids(value, seen=None) -> set[int]:
    """Ids of every DocumentCard inside ``value``, however nested."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return set()
    seen.add(id(value))
    found: set[int] = set()
    if isinstance(value, DocumentCard | ListedDocument):
        found.add(value.pk)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            found |= card_ids(getattr(value, f.name), seen)
    elif isinstance(value, dict):
        for item in value.values():
            found |= card_ids(item, seen)
    elif isinstance(value, list | tuple):
        for item in value:
            found |= card_ids(item, seen)
    return found


def entry_points(a) -> dict[str, object]:
    body, matter = a["body"], a["matter"]
    return {
        "newest": documents.newest_documents(),
        "results without words": documents.results_page(SearchParams(), today=TODAY),
        "results from the stale index": documents.results_page(SearchParams(q="hankeleping"), today=TODAY),
        "filtered results": documents.results_page(SearchParams(series=("9-9 Hanked",)), today=TODAY),
        "oldest first": documents.results_page(SearchParams(sort="oldest"), today=TODAY),
        "by body, stale index": documents.results_page(
            SearchParams(q="hankeleping", sort="registry"), today=TODAY
        ),
        "result export": list(result_export.exported_documents(SearchParams(q="hankeleping"), today=TODAY)),
        "result export without words": list(result_export.exported_documents(SearchParams(), today=TODAY)),
        "api walk": documents.newest_after(SearchParams(), after=None, limit=50, today=TODAY),
        "document page": documents.document_page(a["shown"].pk),
        "body documents": body_stats.registry_documents(body, page=1, total=10),
        "month": browse.month_documents(body, 2024, 2, page=1),
        "series": browse.series_page(body, "9-9", page=1),
        "matter page": browse.matter_page(matter.pk, page=1),
        "matter documents": browse.matter_documents(matter.pk, limit=50),
        "body feed": browse.newest_arrivals(registry=body, limit=50),
        "matter feed": browse.newest_arrivals(matter_id=matter.pk, limit=50),
        "changes": changes.published_cards([a["shown"].pk, a["ak"].pk, *(d.pk for d in a["hidden"])]),
    }


def test_no_entry_point_of_the_read_layer_gives_out_a_hidden_document(archive):
    hidden = {d.pk for d in archive["hidden"]}
    for name, output in entry_points(archive).items():
        ids = card_ids(output)
        assert not ids & hidden, f"{name} gives out hidden documents {ids & hidden}"
        if name != "document page":  # the page itself is the public one; its lists are checked above
            assert archive["shown"].pk in ids, f"{name} lost the published document: the check proves nothing"


def test_counts_sitemaps_and_exports_count_only_published_documents(archive):
    body, hidden = archive["body"], archive["hidden"]
    assert documents.published_counts()[body.pk] == 2
    assert body_stats.registry_stats(body, today=TODAY).documents == 2
    assert [(y.year, y.documents) for y in browse.body_years(body)] == [(2024, 2)]
    assert sum(m.documents for m in browse.year_months(body, 2024)) == 2
    assert [f.documents for f in browse.series_tree(body)] == [2]
    assert [t.documents for t in body_stats.document_types(body)] == [2]
    [row] = [r for r in overview.national_overview(today=TODAY) if r.registry.pk == body.pk]
    assert (row.documents, row.ak) == (2, 1)
    assert {e.pk for e in sitemap.entries(body, 2024)} == {archive["shown"].pk, archive["ak"].pk}
    exported = {row["source_id"] for row in exports.export_documents(registry=body)}
    assert exported == {archive["shown"].source_id, archive["ak"].source_id}
    assert not {d.source_id for d in hidden} & exported


def test_a_hidden_document_has_no_page_and_its_files_no_download(archive):
    for doc in archive["hidden"]:
        assert documents.document_page(doc.pk) is None
        assert documents.published_document(doc.pk) is None
        assert documents.download(archive["files"][doc.pk].pk) is None


def test_ak_metadata_is_public_but_never_its_files_text_or_snippet(archive):
    ak = archive["ak"]
    page = documents.document_page(ak.pk)
    assert page.document.title == "Hankeleping piiratud"
    assert page.files == () and page.file_count == 1 and not page.files_public
    assert documents.download(archive["files"][ak.pk].pk) is None
    rows = documents.results_page(SearchParams(q="hankelepingu"), today=TODAY).rows
    assert {row.document.pk: bool(row.snippet) for row in rows} == {archive["shown"].pk: True, ak.pk: False}
    [row] = [r for r in exports.export_documents(registry=archive["body"]) if r["source_id"] == ak.source_id]
    assert row["files"] == []


def test_relations_to_hidden_documents_keep_their_titles_and_links_to_themselves(archive):
    page = documents.document_page(archive["shown"].pk)
    by_reference = {r.reference: r for r in page.relations}
    assert by_reference["9-9/24-2"].target_id == archive["ak"].pk
    for doc in archive["hidden"]:
        relation = by_reference[doc.reference]
        assert relation.target_id is None and relation.title == ""


@pytest.mark.django_db
def test_an_export_lists_relations_and_bases_in_the_registers_order_after_a_late_link():
    # Linking a relation to a document fetched after it is an UPDATE, which PostgreSQL writes
    # elsewhere on disk; read without an order, the export listed that relation last afterwards,
    # and two workers' archives differed from one worker's.
    from dokreg.archive.models import RestrictionBasis

    raw = make_registry()
    doc = make_document(raw)
    first = Relation.objects.create(document=doc, kind="vastus", target_source_id="later", reference="1-1/1")
    Relation.objects.create(document=doc, kind="seos", target_source_id="other", reference="1-1/2")
    for text in ("AvTS § 35 lg 1 p 12", "AvTS § 35 lg 1 p 3"):
        RestrictionBasis.objects.create(document=doc, text=text, law="AvTS", section="35")
    later = make_document(raw, source_id="later")
    Relation.objects.filter(pk=first.pk).update(target=later)  # the late link
    RestrictionBasis.objects.filter(document=doc, text__endswith="12").update(subsection="1")

    body = registries.body(raw.slug)
    [row] = [r for r in exports.export_documents(registry=body) if r["source_id"] == doc.source_id]
    assert [r["reference"] for r in row["relations"]] == ["1-1/1", "1-1/2"]
    assert [b["text"] for b in row["bases"]] == ["AvTS § 35 lg 1 p 12", "AvTS § 35 lg 1 p 3"]
