"""What the ZIP-based office kinds (DOCX, XLSX, ODT, ODS) share: recognising them from a file's first
bytes, and parsing their XML parts without letting a hostile part reach the network or expand entities.

A DOCX, an XLSX, an ODT, an ASiC-E container and a plain ZIP all start with ``PK``. The head still
tells them apart: OpenDocument stores an uncompressed ``mimetype`` entry first, and Office Open XML
files name their parts (``word/…``, ``xl/…``) in local headers near the start. When the head says
nothing, the extension decides, scored below magic but above a plain ZIP.
"""

from __future__ import annotations

from lxml import etree

from dokreg.errors import Broken
from dokreg.extract.kinds.base import MAGIC, MAGIC_WEAK, extension_of
from dokreg.extract.zipguard import ZIP_MAGIC

# No DTDs, no entities, no network: office XML needs none of them, attackers need all of them.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)
_DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"


def zip_office_score(
    head: bytes, name: str, markers: tuple[bytes, ...], extensions: tuple[str, ...]
) -> int | None:
    """MAGIC when one of ``markers`` shows in a ZIP's head, MAGIC_WEAK for a ZIP with a telling name."""
    if not head.startswith(ZIP_MAGIC):
        return None
    if any(marker in head for marker in markers):
        return MAGIC
    # One above the weak score of other ZIP kinds: a .docx named so is a document, not an archive.
    return MAGIC_WEAK + 1 if extension_of(name) in extensions else None


def parse_xml(data: bytes, part: str, name: str) -> etree._Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as e:
        raise Broken(f"{name}: part {part} is not well-formed XML ({e})") from e


def localname(element: etree._Element) -> str:
    """The tag without its namespace; '' for comments and processing instructions.

    Matching local names lets one walker read both the transitional and the strict OOXML namespaces.
    """
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def core_properties(root: etree._Element) -> list[tuple[str, str]]:
    """Title, author and dates from an OOXML ``docProps/core.xml`` root."""
    found = dublin_core(root)
    keys = (("title", "title"), ("creator", "author"), ("created", "created"), ("modified", "modified"))
    return [(label, found[key]) for key, label in keys if found.get(key)]


def dublin_core(root: etree._Element) -> dict[str, str]:
    """Title, creator and the like from a core-properties or meta part, keyed by local name."""
    found: dict[str, str] = {}
    for element in root.iter():
        key = localname(element)
        text = (element.text or "").strip()
        if (
            text
            and key not in found
            and (
                element.tag.startswith("{" + _DUBLIN_CORE)
                or key in ("created", "modified", "creation-date", "initial-creator", "lastModifiedBy")
            )
        ):
            found[key] = text
    return found
