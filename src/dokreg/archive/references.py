"""Reference numbers (viit): the part before the final ``-N`` names the matter.

``5.1-2/3233-1`` and ``5.1-2/3233-2`` are documents of matter ``5.1-2/3233``; a reply may carry
the bare number (``2-1/2801``). Numbers without a slash (``95``, a directive's running number)
belong to no matter.
"""

from __future__ import annotations

import re

_SUFFIX = re.compile(r"-\d+$")


def reference_root(reference: str) -> str:
    reference = reference.strip()
    if "/" not in reference:
        return ""
    head, _, tail = reference.rpartition("/")
    tail = _SUFFIX.sub("", tail) if "-" in tail else tail
    return f"{head}/{tail}" if tail else ""
