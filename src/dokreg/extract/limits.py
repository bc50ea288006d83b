"""One frozen settings object with every hard limit the extraction runner enforces.

Registers publish whatever their clerks upload: a limit on each axis (size, expansion, depth,
children, pages, time, memory) keeps one hostile or merely enormous file from stalling the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from django.conf import settings

from dokreg.errors import BadInput

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * MiB  # one input file
    max_expanded_bytes: int = 500 * MiB  # all members of one archive, unpacked
    max_ratio: float = 200.0  # unpacked / packed, per member and overall
    max_depth: int = 5  # containers inside containers
    max_children: int = 1000  # members of one archive
    # Files in one whole tree (a document's files with everything nested in them): a nested-ZIP bomb of
    # five members per level six levels deep is 3,900 files, each harmless alone.
    max_tree_files: int = 2000
    max_pages: int = 2000  # pages read from one document
    seconds: float = 120.0  # wall time of one isolated extraction
    memory_bytes: int = 2048 * MiB  # address-space cap of the isolated child
    max_image_pixels: int = 120_000_000  # one decoded picture (a 600 dpi A3 scan is 70 million)
    # OCR costs seconds a page where a text layer costs milliseconds: it can be switched off for a
    # quick first pass and run later with a larger `seconds` (see kinds/pdf.py).
    ocr: bool = True
    max_ocr_pages: int = 50  # pages OCR'd in one document; the rest stay listed in needs_ocr
    ocr_seconds: float = 80.0  # OCR time in one extraction; kept under `seconds` so text survives


def limits_from_settings() -> Limits:
    """Defaults, overridden by ``settings.DOKREG_EXTRACT_LIMITS`` (a dict or a Limits) when set."""
    override: Any = getattr(settings, "DOKREG_EXTRACT_LIMITS", None)
    if override is None:
        return Limits()
    if isinstance(override, Limits):
        return override
    known = {f.name for f in fields(Limits)}
    unknown = set(override) - known
    if unknown:
        raise BadInput(f"DOKREG_EXTRACT_LIMITS: unknown limit(s) {', '.join(sorted(unknown))}")
    return replace(Limits(), **override)
