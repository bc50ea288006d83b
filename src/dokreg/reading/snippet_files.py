"""The file a snippet quotes, as a link: "failis X.pdf, lk 3" opens that file at that page.

The index names the file; the link is made only for a file ``publishable_files()`` still holds (a
hit is re-checked, its files too). A PDF viewer honours ``#page=N``.
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Q
from django.urls import reverse

from dokreg.reading.documents import ResultPage, download_name
from dokreg.reading.rule import publishable_files


def with_file_urls(result: ResultPage) -> ResultPage:
    wanted = {(row.document.pk, row.file_name) for row in result.rows if row.file_name}
    if not wanted:
        return result
    match = Q()
    for doc_id, name in wanted:
        match |= Q(document_id=doc_id, name=name)
    found: dict[tuple[int, str], int] = {}
    for pk, doc_id, name in (
        publishable_files().filter(match).order_by("id").values_list("pk", "document_id", "name")
    ):
        found.setdefault((doc_id, name), pk)
    rows = []
    for row in result.rows:
        pk = found.get((row.document.pk, row.file_name)) if row.file_name else None
        if pk is None:
            rows.append(row)
            continue
        url = reverse("public:file", args=[pk, download_name(row.file_name)])
        rows.append(replace(row, file_url=url + (f"#page={row.page}" if row.page else "")))
    return replace(result, rows=tuple(rows))
