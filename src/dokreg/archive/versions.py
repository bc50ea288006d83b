"""What a document version records: the fields whose change at the source is a new version.

Its own module so that reads (selectors, exports) and writes (services) both use it without importing
each other.
"""

from __future__ import annotations

# Fields whose change at the source is a new version of the document.
TRACKED_FIELDS = (
    "reference",
    "registered",
    "doc_type",
    "title",
    "function",
    "series",
    "case_file",
    "access",
    "access_text",
    "restriction_basis",
    "restriction_change_basis",
    "restriction_begins",
    "restriction_ends",
    "sender_reference",
    "correspondent",
    "channel",
    "responsible",
    "due_date",
    "sent_at",
)
