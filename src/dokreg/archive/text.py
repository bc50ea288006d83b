"""Text a register or a file hands us, made safe to store and to serve as XML.

Registers and extractors pass on whatever bytes they met: terminal escapes (``\\x1b``), backspaces,
NUL, lone surrogates. XML 1.0 cannot carry them, so one such character in a title would break every
Atom feed and sitemap that lists the document; PostgreSQL refuses NUL outright. They carry no
meaning, so they are dropped once when stored, and again on output for rows stored before.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

# C0 controls except tab, newline and carriage return; DEL; the non-characters U+FFFE/U+FFFF;
# UTF-16 surrogates, which a str holds only as lone halves from broken decoding.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (tab, newline and CR stay)."""
    if not isinstance(text, str) or _XML_INVALID.search(text) is None:
        return text
    return _XML_INVALID.sub("", text)


def xml_safe_all(value: Any) -> Any:
    """``value`` with ``xml_safe`` applied to every string in it: inside dataclasses (a new
    instance), tuples, lists and dicts (keys too). Anything else, bytes included, is kept as is."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, tuple):
        return tuple(xml_safe_all(v) for v in value)
    if isinstance(value, list):
        return [xml_safe_all(v) for v in value]
    if isinstance(value, dict):
        return {xml_safe_all(k): xml_safe_all(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: xml_safe_all(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value
