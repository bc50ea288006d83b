"""The desk's e-mails: the confirmation code and the decision to a requester (in the language they used),
the digest and the immediate alerts to operators. All go through Django's configured e-mail backend
(``DOKREG_EMAIL_URL``); links use ``DOKREG_PUBLIC_BASE_URL``, never the request's Host header."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from dokreg.desk.models import RemovalRequest


def public_url(path: str) -> str:
    return settings.DOKREG_PUBLIC_BASE_URL.rstrip("/") + path


def tracking_url(removal: RemovalRequest) -> str:
    return public_url(reverse("desk:track", args=[removal.token]))


def confirm_url(removal: RemovalRequest) -> str:
    return public_url(reverse("desk:confirm", args=[removal.token]))


def _message(template: str, subject: str, context: dict, to: list[str]) -> EmailMessage:
    body = render_to_string(template, context)
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)


def code_mail(removal: RemovalRequest, code: str) -> EmailMessage:
    from django.utils.translation import gettext as _

    with translation.override(removal.language):
        return _message(
            "desk/mail/code.txt",
            _("Eemaldamise taotluse kinnituskood: %(code)s") % {"code": code},
            {
                "removal": removal,
                "code": code,
                "confirm_url": confirm_url(removal),
                "tracking_url": tracking_url(removal),
                "hours": 24,
            },
            [removal.email],
        )


def answer_mail(removal: RemovalRequest) -> EmailMessage:
    from django.utils.translation import gettext as _

    with translation.override(removal.language):
        return _message(
            "desk/mail/answer.txt",
            _("Otsus teie eemaldamise taotlusele: %(status)s") % {"status": removal.get_status_display()},
            {"removal": removal, "tracking_url": tracking_url(removal)},
            [removal.email],
        )


def operator_recipients() -> list[str]:
    """DOKREG_OPERATOR_EMAILS, or else every active staff user's own address."""
    if settings.DOKREG_OPERATOR_EMAILS:
        return list(settings.DOKREG_OPERATOR_EMAILS)
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def operator_mail(template: str, subject: str, context: dict) -> EmailMessage | None:
    """A mail to the operators, in Estonian (the operators' language); None when nobody is configured."""
    to = operator_recipients()
    if not to:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        return _message(template, subject, {**context, "base_url": public_url("")}, to)
