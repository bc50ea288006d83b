"""Removal and objection requests (GDPR art. 17 / 21): submit, confirm by code, decide, answer, purge.

A request starts "unconfirmed" and a 6-digit code goes to the given address; only the code's keyed hash
is stored, it expires after CODE_TTL and allows MAX_ATTEMPTS tries. Confirmed, it is "pending" with a
deadline ANSWER_DAYS away. Staff decide (granted: the document is taken down; partly granted: a
redaction made in the review queue is referenced; refused), and the reasoned answer is mailed. Every
decision is written to the audit trail in the same transaction.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from dokreg.archive.models import Document
from dokreg.desk import audit, mails
from dokreg.desk.models import RemovalRequest
from dokreg.errors import DokregError
from dokreg.ratelimit import current_rate, subject_allows

log = logging.getLogger(__name__)

CODE_TTL = timedelta(hours=24)
MAX_ATTEMPTS = 5
ANSWER_DAYS = 30
# Never-confirmed requests are deleted outright after this: nobody proved the address was theirs.
UNCONFIRMED_KEEP = timedelta(days=7)
Status = RemovalRequest.Status


class RequestError(DokregError):
    """A request cannot take this step; the message says why, in the reader's words."""

    code = "request_error"


class RequestLimited(RequestError):
    code = "rate_limited"


class CodeRejected(RequestError):
    code = "code_rejected"


class MailFailed(RequestError):
    code = "mail_failed"


def retention_days() -> int:
    return int(getattr(settings, "DOKREG_REQUEST_RETENTION_DAYS", 365))


def _code_hash(token: str, code: str) -> str:
    # Keyed with SECRET_KEY and the request's token: a leaked table row gives no way to test codes offline.
    return salted_hmac("dokreg.desk.removal-code", f"{token}:{code}", algorithm="sha256").hexdigest()


def _email_key(email: str) -> str:
    # The rate-limit cache holds a hash, not the address.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def removal_request_submit(
    *,
    document: Document | int,
    name: str,
    email: str,
    basis: str,
    explanation: str,
    client: str,
    language: str = "et",
) -> RemovalRequest:
    """Store an unconfirmed request and mail its code. Raises RequestLimited or MailFailed.

    ``document`` is the row or its id (the public form holds only the read layer's masked view)."""
    from django.utils.translation import gettext as _

    if not isinstance(document, Document):
        document = Document.objects.select_related("registry").get(pk=document)

    if not subject_allows("removal-ip", client, current_rate("DOKREG_REMOVAL_RATE_IP")):
        raise RequestLimited(
            _("Sellelt aadressilt on täna esitatud liiga palju taotlusi. Palun proovige homme uuesti.")
        )
    if not subject_allows("removal-email", _email_key(email), current_rate("DOKREG_REMOVAL_RATE_EMAIL")):
        raise RequestLimited(
            _("Sellele e-posti aadressile on täna saadetud liiga palju koode. Palun proovige homme uuesti.")
        )
    code = f"{secrets.randbelow(10**6):06d}"
    token = secrets.token_urlsafe(24)
    removal = RemovalRequest.objects.create(
        token=token,
        document=document,
        document_label=f"{document.registry.name}: {document.reference or document.source_id}"[:300],
        basis=basis,
        name=name.strip()[:200],
        email=email.strip(),
        explanation=explanation.strip(),
        language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
        code_hash=_code_hash(token, code),
        code_sent_at=timezone.now(),
    )
    try:
        mails.code_mail(removal, code).send()
    except (OSError, smtplib.SMTPException) as exc:
        # A request whose code never arrived cannot be confirmed: keep nothing of it.
        log.warning("removal request code mail failed: %s", exc)
        removal.delete()
        raise MailFailed(_("Kinnituskoodi ei õnnestunud saata. Palun proovige hiljem uuesti.")) from None
    return removal


def removal_request_confirm(
    *, removal: RemovalRequest, code: str, now: datetime | None = None
) -> RemovalRequest:
    """Check the code; right → pending with a deadline. Raises CodeRejected saying why."""
    from django.utils.translation import gettext as _

    now = now or timezone.now()
    code = "".join(code.split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise CodeRejected(_("Kood on kuuekohaline number, nagu e-kirjas."))
    with transaction.atomic():
        row = RemovalRequest.objects.select_for_update().get(pk=removal.pk)
        if row.status != Status.UNCONFIRMED:
            return row  # confirmed already (a second click): nothing to do
        if row.code_sent_at is None or now - row.code_sent_at > CODE_TTL:
            refusal = _("Kood on aegunud. Palun esitage taotlus uuesti.")
        elif row.code_attempts >= MAX_ATTEMPTS:
            refusal = _("Koodi on sisestatud liiga palju kordi valesti. Palun esitage taotlus uuesti.")
        else:
            row.code_attempts += 1
            if constant_time_compare(_code_hash(row.token, code), row.code_hash):
                row.status = Status.PENDING
                row.confirmed_at = now
                row.due_at = now + timedelta(days=ANSWER_DAYS)
                row.code_hash = ""
                row.save(update_fields=["status", "confirmed_at", "due_at", "code_hash", "code_attempts"])
                return row
            row.save(update_fields=["code_attempts"])  # committed: the wrong try counts
            left = MAX_ATTEMPTS - row.code_attempts
            refusal = _("Kood ei ole õige. Katseid jäänud: %(n)s.") % {"n": left}
    raise CodeRejected(refusal)


@transaction.atomic
def removal_request_decide(
    *, removal: RemovalRequest, status: str, answer: str, actor, redaction_ref: str = ""
) -> RemovalRequest:
    """A staff decision on a pending request, audited; granted takes the document down at once.

    The answer mail is sent by ``removal_request_answer_send`` after this commits, so a mail server
    that is down cannot undo a decision (staff can send the answer again from the admin)."""
    from dokreg.archive.services import document_take_down

    row = RemovalRequest.objects.select_for_update().get(pk=removal.pk)
    if row.status != Status.PENDING:
        raise RequestError(
            f"request #{row.pk} is {row.get_status_display()}: only a pending request is decided"
        )
    if status not in RemovalRequest.DECISIONS:
        raise RequestError(f"{status!r} is not a decision (granted, partly_granted or refused)")
    answer = answer.strip()
    if not answer:
        raise RequestError("a decision needs a reasoned answer to the requester")
    document = row.document
    if status == Status.GRANTED and document is not None and document.taken_down_at is None:
        document_take_down(document=document, reason=f"removal request #{row.pk} granted", actor=actor)
        transaction.on_commit(lambda: _reindex(document.pk))
    row.status = status
    row.answer = answer
    row.redaction_ref = redaction_ref.strip()[:300]
    row.decided_at = timezone.now()
    row.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    row.save(update_fields=["status", "answer", "redaction_ref", "decided_at", "decided_by"])
    audit.record(
        actor,
        "decision",
        row,
        f"removal request #{row.pk} ({row.document_label}): {status}",
        status=status,
        document_id=document.pk if document else None,
        redaction_ref=row.redaction_ref,
        basis=row.basis,
    )
    return row


def _reindex(document_id: int) -> None:
    from dokreg.pipeline.indexing import index_documents_now

    index_documents_now(doc_ids=[document_id])  # off the search index now, not at the next sync


def removal_request_answer_send(*, removal: RemovalRequest, actor=None) -> bool:
    """Mail the decision to the requester; False (logged, left unsent) when the mail server fails."""
    if not removal.decided or not removal.email:
        return False
    try:
        mails.answer_mail(removal).send()
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("removal request #%s: answer mail failed: %s", removal.pk, exc)
        return False
    removal.answer_sent_at = timezone.now()
    removal.save(update_fields=["answer_sent_at"])
    audit.record(actor, "answer_sent", removal, f"answer to removal request #{removal.pk} mailed")
    return True


@dataclass(frozen=True)
class PurgeReport:
    anonymised: int
    deleted: int


@transaction.atomic
def removal_requests_purge(*, now: datetime | None = None, actor="cli:requests") -> PurgeReport:
    """Erase requesters' personal data past the retention period, keeping the anonymised decision;
    delete requests never confirmed within UNCONFIRMED_KEEP."""
    now = now or timezone.now()
    expired = RemovalRequest.objects.filter(
        status__in=RemovalRequest.DECISIONS,
        decided_at__lt=now - timedelta(days=retention_days()),
        purged_at__isnull=True,
    )
    anonymised = expired.update(name="", email="", explanation="", answer="", code_hash="", purged_at=now)
    deleted, _ = RemovalRequest.objects.filter(
        status=Status.UNCONFIRMED, created_at__lt=now - UNCONFIRMED_KEEP
    ).delete()
    if anonymised or deleted:
        audit.record(
            actor,
            "purge",
            ("desk.removalrequest", "*"),
            f"requests past retention: {anonymised} anonymised, {deleted} unconfirmed deleted",
            anonymised=anonymised,
            deleted=deleted,
            retention_days=retention_days(),
        )
    return PurgeReport(anonymised=anonymised, deleted=deleted)
