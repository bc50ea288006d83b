"""`dokreg demo` syncs a register of every platform family through its own connector."""

import pytest
from django.test import Client

from dokreg.archive.models import Document
from dokreg.pipeline.demo import demo_run
from dokreg.registries.models import Registry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_demo_fills_the_archive_from_every_family(settings):
    settings.DOKREG_OCR_INLINE = False  # OCR has its own tests; the demo's scans stay marked for it
    assert demo_run(port=0, bodies=1, days=1, docs_per_day=6, serve=False) == 0
    demo = Registry.objects.filter(slug__startswith="demo-")
    assert set(demo.values_list("family", flat=True)) == {
        "adr",
        "rmk",
        "riigikantselei",
        "riigikogu",
        "tallinn",
    }
    for registry in demo:
        assert Document.objects.filter(registry=registry, fetch_state="ok").exists(), registry.slug
    page = Client().get("/").content.decode()
    assert "Riigikogu (simulatsioon)" in page
