"""The operator's admin pages open for staff and stay closed to everyone else."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from tests.public.factories import make_document, make_registry

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/archive/document/",
    "/admin/archive/problem/",
    "/admin/archive/syncday/",
    "/admin/archive/syncrange/",
    "/admin/archive/file/",
    "/admin/registries/registry/",
]


def test_admin_lists_open_for_staff_only():
    document = make_document(make_registry(), title="Haldusleht")
    anonymous = Client()
    for page in PAGES:
        assert anonymous.get(page).status_code == 302  # to the login page
    staff = Client()
    staff.force_login(User.objects.create_superuser("operaator", "op@example.invalid", "x"))
    for page in PAGES:
        assert staff.get(page).status_code == 200, page
    assert "Haldusleht" in staff.get(f"/admin/archive/document/{document.pk}/change/").content.decode()
