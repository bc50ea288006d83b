"""A nested-archive bomb cannot fill a document with thousands of stored files."""

import pytest
from tests.public.factories import make_document, make_file, make_registry

from dokreg.archive.models import File
from dokreg.extract.types import ChildFile, Extraction
from dokreg.pipeline.files import extraction_store

pytestmark = pytest.mark.django_db


def test_children_beyond_the_tree_budget_are_not_stored(settings):
    settings.DOKREG_EXTRACT_LIMITS = {"max_tree_files": 10}
    document = make_document(make_registry())
    archive = make_file(document, name="pomm.zip", data=b"PK\x03\x04...")
    children = tuple(ChildFile(name=f"osa{i}.zip", data=f"osa {i}".encode()) for i in range(50))
    extraction_store(file=archive, extraction=Extraction(kind="zip", version=1, children=children))
    assert File.objects.filter(document=document).count() == 10
    archive.refresh_from_db()
    assert any("41 nested files not stored" in w for w in archive.warnings)
