"""After a redaction: is any form of a redacted name still public? Where?

Read the way the public reads: the document's page and API record rendered through the whole request
stack (middleware included), its export row, what the index is given for it, and a phrase search for
each name in the index. Every leftover is named by where it was found, so a rolled-back redaction says
what is left.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import unquote

from django.conf import settings
from django.urls import reverse

from dokreg.archive.models import Document
from dokreg.review.models import Redaction
from dokreg.review.names import Replacer


def leftovers(redaction: Redaction) -> list[str]:
    replacer = Replacer(tuple(redaction.persons))
    document = Document.objects.select_related("registry").get(pk=redaction.document_id)
    found: list[str] = []

    def check(where: str, text: str) -> None:
        forms = replacer.find(text) + replacer.find(unquote(text))
        if forms:
            found.append(f"{where}: {', '.join(sorted(set(forms)))}")

    for where, body in _routes(document):
        if body is None:
            found.append(f"{where}: could not be read, so not verified")
        else:
            check(where, body)
    for where, text in _export_row(document):
        check(where, text)
    for where, text in _index_fields(document):
        check(where, text)
    found += _index_search(document, redaction)
    return found


def _client():
    # The test client runs the real request stack in-process, in this transaction; it is the one way
    # to read a page exactly as a reader gets it without a server.
    from django.test import Client

    hosts = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")]
    return Client(SERVER_NAME=hosts[0] if hosts else "localhost", raise_request_exception=False)


def _routes(document: Document) -> list[tuple[str, str | None]]:
    client = _client()
    out = []
    for url in (
        reverse("public:document", args=[document.pk]),
        reverse("api-v1:document_detail", args=[document.pk]),
    ):
        # As a reader behind the TLS proxy: otherwise DOKREG_SSL_REDIRECT answers every read with a redirect.
        response = client.get(url, secure=True, headers={"X-Forwarded-Proto": "https"})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code == 404:
            continue  # not public at all (restricted to nothing, withdrawn): nothing to leak there
        if response.status_code != 200:
            out.append((f"{url} (status {response.status_code})", None))
            continue
        out.append((url, body.decode("utf-8", errors="replace")))
    return out


def _export_row(document: Document) -> list[tuple[str, str]]:
    import json

    from dokreg.reading.exports import export_documents
    from dokreg.reading.registries import registry_view

    year = document.registered.year if document.registered else None
    for row in export_documents(registry=registry_view(document.registry), year=year):
        if row.get("source_id") == document.source_id:
            return [("export", json.dumps(row, ensure_ascii=False))]
    return []


def _index_fields(document: Document) -> list[tuple[str, str]]:
    from dokreg.pipeline.indexing import _index_docs
    from dokreg.reading.rule import publishable_documents

    visible = list(publishable_documents().filter(pk=document.pk).select_related("registry"))
    out = []
    for doc in _index_docs(visible):
        for field in dataclasses.fields(doc):
            value = getattr(doc, field.name)
            if isinstance(value, str):
                out.append((f"index.{field.name}", value))
            elif isinstance(value, tuple):
                out.append((f"index.{field.name}", repr(value)))
    return out


def _index_search(document: Document, redaction: Redaction) -> list[str]:
    from dokreg.errors import DokregError
    from dokreg.search import search

    found = []
    for person in redaction.persons:
        phrase = f'"{person["given"]} {person["surname"]}"' if person["given"] else person["surname"]
        try:
            result = search(phrase, limit=50)
        except DokregError as error:
            found.append(f"index search {phrase}: could not be checked ({error.code})")
            continue
        hits = [hit for hit in result.hits if hit.doc_id == document.pk]
        if any(
            hit.snippet and Replacer((person,)).find(hit.snippet.replace("<mark>", "").replace("</mark>", ""))
            for hit in hits
        ):
            found.append(f"index search {phrase}: the document's snippet still names the person")
    return found
