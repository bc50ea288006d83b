"""The route walker's hostile archive, walked with the last-line boundary middleware switched off: the
read layer alone must mask every personal code on every page, feed, sitemap, API answer and export.
(The boundary stays on in production as defence in depth; here it would hide a read-layer gap.)"""

from __future__ import annotations

import pytest
from tests.leaks.test_route_walker import (  # noqa: F401 - the fixture is used by name
    api_parameter_values,
    archive,
    assert_nothing_leaks,
    parameter_values,
)
from tests.leaks.walker import walk

pytestmark = pytest.mark.django_db

BOUNDARY = "dokreg.public.boundary.PersonalCodeBoundaryMiddleware"
# Not the read layer's: the operator's pages (staff only).
OUTSIDE = ("/olek/",)


@pytest.fixture
def without_boundary(settings):
    assert BOUNDARY in settings.MIDDLEWARE
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != BOUNDARY]


def test_the_read_layer_masks_every_route_on_its_own(client, archive, without_boundary):  # noqa: F811
    def check(url: str, status: int, content_type: str, body: str) -> None:
        if not url.startswith(OUTSIDE):
            assert_nothing_leaks(url, status, content_type, body)

    walked = walk(
        client,
        values=parameter_values(archive),
        api_values=api_parameter_values(archive),
        extra=[
            "/otsi/?q=Taotlus",
            "/otsi/?q=Taotlus&sort=registry",
            "/otsi/?sort=oldest",
            # No words, listed by the index (ids from its fast field), then re-checked as card rows.
            "/otsi/?access=public&access=ak&access=on_request",
            "/otsi/eksport.csv?q=Taotlus&sep=semicolon",
            "/otsi/eksport.ndjson?q=Taotlus",
            "/otsi/eksport.csv",
            "/otsi/atom/?q=Taotlus",
            "/api/v1/documents?q=Taotlus",
        ],
        check=check,
    )
    assert len(walked) > 40  # the walk really went through the archive
