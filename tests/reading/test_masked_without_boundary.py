"""The route walker's hostile archive, walked with the last-line boundary middleware switched off: the
read layer alone must mask every personal code on every page, feed, sitemap, API answer and export.
(The boundary stays on in production as defence in depth; here it would hide a read-layer gap.)"""

from __future__ import annotations

import pytest
from tests.leaks.test_route_walker import (  # noqa: F401 - the fixture is used by name
    api_routes,
    archive,
    assert_nothing_leaks,
    public_routes,
    read,
)

pytestmark = pytest.mark.django_db

BOUNDARY = "dokreg.public.boundary.PersonalCodeBoundaryMiddleware"
# Not the read layer's: the operator's pages (staff only) and the language switch.
OUTSIDE = ("/olek/",)


@pytest.fixture
def without_boundary(settings):
    assert BOUNDARY in settings.MIDDLEWARE
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != BOUNDARY]


def test_the_read_layer_masks_every_route_on_its_own(client, archive, without_boundary):  # noqa: F811
    urls = public_routes(archive) + api_routes(client, archive)
    urls += ["/otsi/?q=Taotlus", "/otsi/atom/?q=Taotlus", "/api/v1/documents?q=Taotlus"]
    for url in urls:
        if url.startswith(OUTSIDE):
            continue
        assert_nothing_leaks(url, *read(client, url))
