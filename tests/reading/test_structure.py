"""The read layer is the only way from the archive to public output: checked on the import graph and
on what the public pages actually hand their templates."""

from __future__ import annotations

import ast
import dataclasses
from datetime import date
from pathlib import Path

import pytest
from django.db.models import Model
from django.utils import timezone
from tests.public.factories import make_document, make_file, make_registry, make_signature

from dokreg.archive.models import Access, DocumentVersion, Matter, Relation
from dokreg.desk.models import RemovalRequest
from dokreg.reading import types

SRC = Path(__file__).resolve().parents[2] / "src" / "dokreg"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def sources(package: str, *, skip: tuple[str, ...] = ()) -> list[Path]:
    return [p for p in sorted((SRC / package).rglob("*.py")) if p.name not in skip]


def test_the_api_reads_only_through_the_read_layer():
    for path in sources("api"):
        bad = {m for m in imported_modules(path) if m.startswith(("dokreg.public", "dokreg.archive"))}
        assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}: read through dokreg.reading"


# The operator's status pages are for staff only; the boundary and locale middlewares read no rows.
STAFF_ONLY = ("status.py", "status_views.py")


def test_public_pages_feeds_and_sitemaps_import_no_archive_model_nor_the_rule():
    """Enumerations (``Access``) may be imported for labels; model classes and the rule may not."""
    for path in sources("public", skip=STAFF_ONLY):
        names = imported_modules(path)
        bad = {m for m in names if m.startswith(("dokreg.archive.selectors", "dokreg.archive.services"))}
        bad |= {m for m in names if m.startswith("dokreg.archive.models.") and _is_model(m)}
        bad |= {
            m for m in names if m == "dokreg.archive.models" and not any(n.startswith(m + ".") for n in names)
        }
        bad |= {m for m in names if m.startswith("dokreg.registries.models.Registry")}
        assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}: read through dokreg.reading"


# Public pages and mails outside dokreg.public: the removal desk's pages and the saved-search mails.
OTHER_SURFACES = ("desk/views.py", "alerts/views.py", "alerts/services.py", "alerts/sending.py")


def test_the_desk_and_the_alert_mails_read_through_the_read_layer():
    for name in OTHER_SURFACES:
        path = SRC / name
        bad = {
            m
            for m in imported_modules(path)
            if m.startswith(("dokreg.public", "dokreg.archive.selectors", "dokreg.archive.exports"))
        }
        assert not bad, f"{name} imports {sorted(bad)}: read through dokreg.reading"


def _is_model(dotted: str) -> bool:
    from dokreg.archive import models

    value = getattr(models, dotted.rsplit(".", 1)[1], None)
    return isinstance(value, type) and issubclass(value, Model)


# Calls that read rows for output: only the read layer makes them.
RULE_CALLS = {"publishable_documents", "publishable_files"}


def test_no_public_surface_queries_documents_itself():
    """Only the read layer (and the pipeline's index writer, which feeds it) queries documents for output."""
    for package in ("public", "api"):
        for path in sources(package, skip=STAFF_ONLY):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Name) and node.id in RULE_CALLS:
                    pytest.fail(f"{path.relative_to(SRC)}:{node.lineno} calls {node.id}")
                if isinstance(node, ast.Attribute) and node.attr == "objects":
                    owner = node.value.id if isinstance(node.value, ast.Name) else "?"
                    pytest.fail(f"{path.relative_to(SRC)}:{node.lineno} reads {owner}.objects")


def test_every_output_type_is_frozen():
    for value in vars(types).values():
        if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == types.__name__:
            assert value.__dataclass_params__.frozen, (
                f"{value.__name__} can be changed after the read layer made it"
            )


# --- what the templates get ------------------------------------------------------------------


def models_in(value, path: str = "", seen: set[int] | None = None, depth: int = 0) -> list[str]:
    """Paths to every model instance inside ``value`` (dataclasses, mappings and sequences walked)."""
    seen = set() if seen is None else seen
    if id(value) in seen or depth > 12:
        return []
    seen.add(id(value))
    if isinstance(value, Model):
        return [f"{path}: {type(value).__name__}"]
    found: list[str] = []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            found += models_in(getattr(value, f.name), f"{path}.{f.name}", seen, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            found += models_in(item, f"{path}[{key!r}]", seen, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for i, item in enumerate(value):
            found += models_in(item, f"{path}[{i}]", seen, depth + 1)
    return found


# Context processors' own values (the signed-in user, request, messages) are not page data.
FRAMEWORK_KEYS = {"request", "user", "perms", "csrf_token", "messages", "DEFAULT_MESSAGE_LEVELS", "view"}
# The removal desk's pages show the requester their own request (its status, dates and token): a desk
# row, not archive data, and the only model a public page may hold; the document it names comes from
# the read layer like on every other page.
DESK_OWN = {"removal": RemovalRequest}


@pytest.mark.django_db
def test_public_pages_hand_their_templates_output_types_not_models(client):
    body = make_registry(slug="lugemine")
    matter = Matter.objects.create(registry=body, root="5-4/24")
    doc = make_document(
        body,
        reference="5-4/24-1",
        sender_reference="7-1/24-3",
        matter=matter,
        function="5 Välissuhted",
        series="5-4 Kirjavahetus",
        case_file="5-4/2024",
        registered=date(2024, 2, 29),
    )
    other = make_document(body, reference="5-4/24-2", matter=matter, access=Access.AK)
    Relation.objects.create(document=doc, kind="vastus", reference=other.reference, target=other)
    letter = make_file(doc, name="kiri.pdf", text="Tere")
    make_file(doc, name="lisa.txt", text="Lisa", parent=letter)
    make_signature(letter)
    DocumentVersion.objects.create(
        document=doc,
        kind=DocumentVersion.Kind.CHANGED,
        changes={"title": ["Vana", "Uus"]},
        seen_at=timezone.now(),
    )
    make_document(make_registry(slug="teine"), reference="7-1/24-3")
    removal = RemovalRequest.objects.create(
        token="struktuur-token", document=doc, document_label="x", basis="gdpr_17", email="a@example.ee"
    )

    pages = [
        "/",
        "/otsi/",
        f"/otsi/?series={doc.series}",
        f"/dokument/{doc.pk}/",
        f"/dokument/{other.pk}/",
        f"/asutus/{body.slug}/",
        f"/asutus/{body.slug}/sarjad/",
        f"/asutus/{body.slug}/sari/5-4/",
        f"/asutus/{body.slug}/2024/",
        f"/asutus/{body.slug}/2024/2/",
        f"/asi/{matter.pk}/",
        "/registrid/",
        "/ulevaade/",
        "/otsi/?sort=oldest",
        f"/otsi/?sort=registry&registry={body.slug}",
        f"/dokument/{doc.pk}/taotlus/",
        f"/taotlus/{removal.token}/",
        f"/taotlus/{removal.token}/kinnita/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        for context in response.context:
            for key, value in context.flatten().items():
                if key in FRAMEWORK_KEYS or (key in DESK_OWN and type(value) is DESK_OWN[key]):
                    continue
                assert not models_in(value, key), f"{url} hands its template {models_in(value, key)}"
    # The walk did see the document's parts, as output types.
    page = client.get(f"/dokument/{doc.pk}/").context["page"]
    assert isinstance(page.document, types.DocumentDetail)
    assert isinstance(page.files[0], types.FileView) and page.files[0].children
    assert isinstance(page.relations[0], types.RelationView)
    assert isinstance(page.history[0], types.HistoryEntry)
    assert isinstance(page.same_correspondence[0], types.DocumentCard)
    assert page.document.case_file == "5-4/2024"  # a table field, read as the template reads it
    assert isinstance(client.get(f"/dokument/{doc.pk}/taotlus/").context["doc"], types.DocumentDetail)
    [row] = [r for r in client.get("/ulevaade/").context["rows"] if r.registry.slug == body.slug]
    assert isinstance(row.registry, types.RegistryView)
