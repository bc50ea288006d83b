"""What every extractor is, and the scoring scale `sniff` answers on.

Content decides: a file's own magic bytes outweigh its name, because registers publish PDFs named
``.docx`` and letters named ``.pdf``. The extension only breaks ties among kinds whose magic is
absent or ambiguous.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from dokreg.extract.limits import Limits
from dokreg.extract.types import Extraction

MAGIC = 100  # the content itself says so
MAGIC_WEAK = 60  # a generic container format (ZIP) plus a telling name
TEXT = 20  # looks like text, nothing more specific
EXTENSION = 10  # only the name says so


class Extractor(Protocol):
    kind: ClassVar[str]
    version: ClassVar[int]
    mime_types: ClassVar[tuple[str, ...]]
    extensions: ClassVar[tuple[str, ...]]

    def sniff(self, head: bytes, name: str) -> int | None:
        """A score for how sure this kind is that it handles the file, or None when it does not."""
        ...

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction: ...


def extension_of(name: str) -> str:
    """The lower-case extension without the dot ('' when there is none)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""
