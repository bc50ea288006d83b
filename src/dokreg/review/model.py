"""Optional: an OpenAI-compatible model endpoint may suggest more private persons' names.

Off unless ``DOKREG_REDACTION_MODEL_URL`` is set (the base URL, e.g. ``http://127.0.0.1:8080/v1``;
``DOKREG_REDACTION_MODEL`` names the model, ``DOKREG_REDACTION_MODEL_KEY`` is sent as a bearer token).
A model invents: every string it returns is checked verbatim against the document's own text and
metadata, and only what is really there is shown — as a suggestion, never applied.
"""

from __future__ import annotations

import json
import os
import re

import httpx
from django.conf import settings

from dokreg.archive.models import Document, File
from dokreg.errors import DokregError

MAX_TEXT_CHARS = 20_000
TIMEOUT_SECONDS = 30
PROMPT = (
    "Sa aitad avalikus dokumendiregistris eraisikute nimesid leida. Loetle dokumendis nimetatud eraisikud "
    "(mitte asutuste ametnikud, kes tegutsevad ametikohal). Vasta ainult JSON-massiiviga nimedest täpselt "
    'nii, nagu need tekstis kirjas on, näiteks ["Mari Maasikas"].'
)


class ModelUnavailable(DokregError):
    code = "model_unavailable"


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, "")).strip()


def model_enabled() -> bool:
    return bool(_setting("DOKREG_REDACTION_MODEL_URL"))


def document_text(document: Document) -> str:
    parts = [document.title, document.correspondent, document.responsible]
    parts += [
        f"{name}\n{text}" for name, text in File.objects.filter(document=document).values_list("name", "text")
    ]
    return "\n".join(p for p in parts if p)


def model_names(document: Document) -> list[str]:
    """Names the model finds that occur verbatim in the document; [] when no model is configured."""
    base = _setting("DOKREG_REDACTION_MODEL_URL")
    if not base:
        return []
    text = document_text(document)
    payload = {
        "model": _setting("DOKREG_REDACTION_MODEL") or "default",
        "temperature": 0,
        "messages": [
            {"role": "system", "content": PROMPT},
            {"role": "user", "content": text[:MAX_TEXT_CHARS]},
        ],
    }
    headers = {}
    if key := _setting("DOKREG_REDACTION_MODEL_KEY"):
        headers["Authorization"] = f"Bearer {key}"
    url = base.rstrip("/") + "/chat/completions"
    try:
        response = httpx.post(url, json=payload, headers=headers, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
    except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as error:
        raise ModelUnavailable(f"model endpoint {url}: no usable answer ({type(error).__name__})") from error
    return verbatim(_names(content), text)


def _names(content: object) -> list[object]:
    if not isinstance(content, str):
        return []
    match = re.search(r"\[.*\]", content, re.DOTALL)
    if not match:
        return []
    try:
        names = json.loads(match.group())
    except ValueError:
        return []
    return names if isinstance(names, list) else []


def verbatim(names: list[object], text: str) -> list[str]:
    """Only strings that really are in the text, each once: whatever the model made up is dropped."""
    kept: list[str] = []
    for name in names:
        if isinstance(name, str) and 3 <= len(name.strip()) <= 200 and name.strip() in text:
            if name.strip() not in kept:
                kept.append(name.strip())
    return kept
