"""The secrets in alert links: a random confirmation token (stored only as its hash) and a signed
unsubscribe token (the subscription's random key signed with the secret key, so every mail can carry
one without storing a secret that could be read back)."""

from __future__ import annotations

import hashlib
import secrets

from django.core import signing

CANCEL_SALT = "dokreg.alerts.cancel"


def new_key() -> str:
    return secrets.token_urlsafe(24)


def new_confirm_token() -> tuple[str, str]:
    """(the token for the link, the hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def cancel_token(key: str) -> str:
    return signing.Signer(salt=CANCEL_SALT).sign(key)


def cancel_key(token: str) -> str | None:
    """The subscription key a cancel token was signed for, or None when it is not one of ours."""
    try:
        return signing.Signer(salt=CANCEL_SALT).unsign(token)
    except signing.BadSignature:
        return None
