"""The status page: freshness per register for everyone, problem details only for staff."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from tests.public.factories import make_document, make_registry

from dokreg.archive.models import Problem, SyncDay
from dokreg.public.status import public_text
from dokreg.registries.models import Registry

pytestmark = pytest.mark.django_db

SECRET_SUBJECT = "https://adr.example.test/body/dokument/777 Salajane leping"


@pytest.fixture
def registers():
    today = timezone.localdate()
    fresh = make_registry(
        name="Värske amet",
        slug="varske",
        document_count=1520,
        newest_registered=today - timedelta(days=2),
        last_sync_finished_at=timezone.make_aware(datetime(2024, 3, 25, 10, 15)),
        last_error="SourceUnavailable: https://adr.example.test/varske/dokument/777?x=1 answered 503",
    )
    paused = make_registry(
        name="Peatatud amet", slug="peatatud", state=Registry.State.PAUSED, state_reason="robotikontroll"
    )
    make_registry(name="Katmata amet", slug="katmata", state=Registry.State.NOT_COVERED)
    doc = make_document(fresh, title="Salajane leping", taken_down_at=timezone.now())
    for stage, code in (("fetch", "source_unavailable"), ("extract", "encrypted")):
        Problem.objects.create(
            registry=fresh,
            document=doc,
            stage=stage,
            code=code,
            message=f"{code} at {SECRET_SUBJECT}",
            subject=SECRET_SUBJECT,
            seen_at=timezone.now(),
        )
    Problem.objects.create(
        registry=fresh, stage="list", code="x", message="fixed", subject="2024-01-01",
        seen_at=timezone.now(), resolved_at=timezone.now(),
    )  # fmt: skip
    SyncDay.objects.create(
        registry=fresh, day=date(2024, 3, 4), reported_total=12, listed=10, checked_at=timezone.now()
    )
    SyncDay.objects.create(registry=fresh, day=date(2024, 3, 5), complete=True, checked_at=timezone.now())
    return fresh, paused


def test_status_page_shows_freshness_per_covered_register_to_everyone(client, registers):
    response = client.get("/olek/")

    assert response.status_code == 200
    html = response.content.decode()
    rows = [
        [c.text(strip=True) for c in tr.css("th, td")] for tr in HTMLParser(html).css("table.status tbody tr")
    ]
    ours = [r for r in rows if r[0] in ("Peatatud amet", "Värske amet")]
    assert ours == [
        ["Peatatud amet", "—", "—", "—", "0", "0", "0", "peatatudrobotikontroll", "—"],
        [
            "Värske amet",
            "25.03.2024 10:15",
            (timezone.localdate() - timedelta(days=2)).strftime("%d.%m.%Y"),
            "2",
            "1520",
            "2",
            "1",
            "töös",
            "SourceUnavailable: https://adr.example.test/… answered 503",
        ],
    ]
    assert "Katmata amet" not in html
    names = [r[0] for r in rows]
    assert names == sorted(names)


def test_status_page_never_shows_problem_details(client, registers):
    html = client.get("/olek/").content.decode()

    assert "Salajane" not in html
    assert "777" not in html
    assert "/olek/varske/" not in html  # the detail link is for staff


def test_staff_detail_requires_a_staff_login(client, registers):
    anonymous = client.get("/olek/varske/")
    user = get_user_model().objects.create_user("lugeja", password="x")
    client.force_login(user)
    not_staff = client.get("/olek/varske/")

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")
    assert not_staff.status_code == 302
    assert "Salajane" not in not_staff.content.decode()


def test_staff_detail_lists_open_problems_and_incomplete_days(client, registers):
    staff = get_user_model().objects.create_user("haldur", password="x", is_staff=True)
    client.force_login(staff)

    response = client.get("/olek/varske/")

    assert response.status_code == 200
    page = HTMLParser(response.content.decode())
    problems = [[c.text(strip=True) for c in tr.css("td")] for tr in page.css("table.problems tbody tr")]
    assert sorted(p[1:3] for p in problems) == [
        ["extracting a file", "encrypted"],
        ["fetching", "source_unavailable"],
    ]
    assert {p[4] for p in problems} == {SECRET_SUBJECT}
    days = [[c.text(strip=True) for c in tr.css("td")][:4] for tr in page.css("table.days tbody tr")]
    assert days == [["04.03.2024", "12", "10", "0"]]
    assert "https://adr.example.test/varske/dokument/777?x=1" in response.content.decode()
    assert '/olek/varske/"' in client.get("/olek/").content.decode()


def test_staff_detail_of_an_unknown_register_is_not_found(client):
    client.force_login(get_user_model().objects.create_user("haldur", password="x", is_staff=True))

    assert client.get("/olek/no-such/").status_code == 404


def test_public_text_keeps_only_the_host_of_urls():
    assert (
        public_text("failed: http://a.ee/x/1?q=2, then https://b.ee/")
        == "failed: http://a.ee/… then https://b.ee/…"
    )
    assert public_text("") == ""
