"""What a document version records: the fields whose change at the source is a new version.

Its own module so that reads (selectors, exports) and writes (services) both use it without importing
each other. The list itself comes from the field table (``dokreg.fields``, entries marked
``tracked``): adding a field there records its changes too.
"""

from __future__ import annotations

from dokreg.fields import TRACKED

# Fields whose change at the source is a new version of the document.
TRACKED_FIELDS: tuple[str, ...] = TRACKED
