"""Search tests that hold for any layout of the index run on one shard and on two (``shards``)."""

import pytest


@pytest.fixture(params=[1, 2], ids=["1-shard", "2-shards"])
def index_shards(request, settings) -> int:
    """The number of shards every index the test writes is in (DOKREG_INDEX_SHARDS)."""
    settings.INDEX_SHARDS = request.param
    return request.param
