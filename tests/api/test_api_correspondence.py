"""The API shows the same letter as other registers recorded it, through the publication rule."""

import pytest
from django.test import Client
from tests.public.factories import make_document, make_registry

from dokreg.archive.models import FetchState

pytestmark = pytest.mark.django_db


def test_detail_lists_the_same_correspondence_in_other_registers():
    ministry, board, hidden = (
        make_registry(slug="min"),
        make_registry(slug="amet"),
        make_registry(slug="teine"),
    )
    out = make_document(ministry, reference="1-6/3316-1", title="Väljaminev kiri")
    received = make_document(
        board, reference="7.2-1/24/5", sender_reference="1-6/3316-1", title="Sissetulev kiri"
    )
    make_document(
        hidden,
        reference="9/1",
        sender_reference="1-6/3316-1",
        title="Ei ole avaldatud",
        fetch_state=FetchState.LISTED,
    )
    data = Client().get(f"/api/v1/documents/{out.pk}").json()
    assert [d["id"] for d in data["same_correspondence"]] == [received.pk]
    back = Client().get(f"/api/v1/documents/{received.pk}").json()
    assert [d["id"] for d in back["same_correspondence"]] == [out.pk]
