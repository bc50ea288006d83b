"""A write aborted for a conflict with another writer runs again; anything else fails as it did."""

from __future__ import annotations

import psycopg.errors
import pytest
from django.db import OperationalError, transaction

from dokreg import transactions
from dokreg.registries.models import Registry
from dokreg.transactions import retried_atomic

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    monkeypatch.setattr(transactions, "PAUSE", 0)


def _aborted(cause: Exception) -> OperationalError:
    # As Django raises it: its own class, the driver's error (with the SQLSTATE) as the cause.
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


def _writer(failures: list[Exception]):
    """A service that stores a body, then is aborted with the next of ``failures`` while any are left."""
    calls = []

    @retried_atomic
    def body_store(slug: str) -> int:
        calls.append(slug)
        Registry.objects.create(slug=slug, name=slug, family="adr", base_url=f"http://127.0.0.1:1/{slug}/")
        if failures:
            raise failures.pop(0)
        return len(calls)

    return body_store, calls


def test_a_deadlock_and_a_serialization_failure_are_run_again_with_nothing_left_of_the_aborted_tries():
    body_store, calls = _writer(
        [_aborted(psycopg.errors.DeadlockDetected()), _aborted(psycopg.errors.SerializationFailure())]
    )
    assert body_store("t-som") == 3
    assert list(Registry.objects.filter(slug__startswith="t-").values_list("slug", flat=True)) == ["t-som"]


def test_a_conflict_that_keeps_coming_back_fails_after_the_last_attempt():
    failures = [_aborted(psycopg.errors.DeadlockDetected()) for _ in range(transactions.ATTEMPTS)]
    body_store, calls = _writer(failures)
    with pytest.raises(OperationalError) as raised:
        body_store("t-som")
    assert transactions.conflict(raised.value) == "deadlock detected"
    assert len(calls) == transactions.ATTEMPTS and not Registry.objects.filter(slug__startswith="t-").exists()


def test_other_database_errors_are_not_retried():
    body_store, calls = _writer([_aborted(psycopg.errors.DiskFull()), OperationalError("database is locked")])
    for _ in range(2):
        with pytest.raises(OperationalError):
            body_store("t-som")
    assert len(calls) == 2 and not Registry.objects.filter(slug__startswith="t-").exists()


def test_inside_a_callers_transaction_the_conflict_goes_up_to_the_caller():
    """The whole of the caller's transaction was aborted: retrying only this part would commit half."""
    body_store, calls = _writer([_aborted(psycopg.errors.DeadlockDetected())])
    with pytest.raises(OperationalError), transaction.atomic():
        Registry.objects.create(slug="t-rik", name="t-rik", family="adr", base_url="http://127.0.0.1:1/rik/")
        body_store("t-som")
    assert calls == ["t-som"] and not Registry.objects.filter(slug__startswith="t-").exists()
