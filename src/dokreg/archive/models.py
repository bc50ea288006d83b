"""What the archive keeps: documents as their registers describe them, their files and history.

A document is keyed by (registry, source id). The source's own labels and values are kept next
to the normalised fields (``source_fields``), and every change seen at the source is a
``DocumentVersion``.
"""

from django.db import models
from django.db.models import Q

from dokreg.registries.models import Registry


class Access(models.TextChoices):
    PUBLIC = "public", "Avalik"
    ON_REQUEST = "on_request", "Avalik, väljastatakse teabenõude korras"
    AK = "ak", "Asutusesiseseks kasutamiseks"
    UNKNOWN = "unknown", "Teadmata"


class FetchState(models.TextChoices):
    LISTED = "listed", "listed, not fetched yet"
    OK = "ok", "fetched"
    FAILED = "failed", "fetch or parse failed"
    GONE = "gone", "gone at the source"


class Matter(models.Model):
    """Documents of one register that share a reference root (``5.1-2/3233`` of ``5.1-2/3233-1``)."""

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="matters")
    root = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registry", "root"], name="matter_unique_root")]

    def __str__(self) -> str:
        return self.root


class Capture(models.Model):
    """The raw bytes of the last response a document page came from (zlib-compressed)."""

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="+")
    source_id = models.CharField(max_length=200)
    url = models.URLField(max_length=1000)
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=200, blank=True)
    body = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    fetched_at = models.DateTimeField()
    # The source's validators, sent back on the next re-visit so an unchanged page costs a 304.
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registry", "source_id"], name="capture_unique_doc")]


class Document(models.Model):
    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="documents")
    source_id = models.CharField(max_length=200)
    url = models.URLField(max_length=1000, blank=True)
    fetch_state = models.CharField(max_length=10, choices=FetchState.choices, default=FetchState.LISTED)

    reference = models.CharField(max_length=200, blank=True, db_index=True)
    registered = models.DateField(null=True, blank=True)
    doc_type = models.CharField(max_length=300, blank=True)
    title = models.TextField(blank=True)
    function = models.CharField(max_length=500, blank=True)
    series = models.CharField(max_length=500, blank=True)
    case_file = models.CharField(max_length=300, blank=True)

    access = models.CharField(max_length=20, choices=Access.choices, default=Access.UNKNOWN)
    access_text = models.CharField(max_length=300, blank=True)
    restriction_basis = models.TextField(blank=True)
    restriction_change_basis = models.TextField(blank=True)
    restriction_begins = models.DateField(null=True, blank=True)
    restriction_ends = models.DateField(null=True, blank=True)

    sender_reference = models.CharField(max_length=300, blank=True, db_index=True)
    correspondent = models.TextField(blank=True)
    channel = models.CharField(max_length=200, blank=True)
    responsible = models.TextField(blank=True)
    due_date = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    matter = models.ForeignKey(
        Matter, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    source_fields = models.JSONField(default=list, blank=True)
    parser = models.CharField(max_length=40, blank=True)

    first_seen_at = models.DateTimeField(db_index=True)  # "Sünkroonitud"
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_changed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    taken_down_at = models.DateTimeField(null=True, blank=True)
    takedown_reason = models.TextField(blank=True)

    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set by every write that changes what the index should hold; cleared by the indexer when it
    # reads the document, which sets ``index_inflight`` until the commit that holds it. A write
    # between that read and the commit sets ``index_dirty`` again, so the change is not lost.
    index_dirty = models.BooleanField(default=True)
    index_inflight = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registry", "source_id"], name="document_unique_source_id"),
        ]
        indexes = [
            models.Index(fields=["registry", "-registered"], name="doc_registry_registered"),
            models.Index(fields=["-registered", "-id"], name="doc_registered"),
            # A body's feed: its newest arrivals (sorting the body's documents took 0.1 s at 1M).
            models.Index(fields=["registry", "-first_seen_at", "-id"], name="doc_registry_first_seen"),
            # Partial: only the few rows still to fetch or failed, so the planner never prefers it for
            # "all fetched documents of a body" (that is what (registry, registered) is for).
            models.Index(fields=["fetch_state"], name="doc_fetch_state_open", condition=~Q(fetch_state="ok")),
            # Partial, both: a handful of rows between syncs (a whole-column index on a flag is never
            # used for Django's ``WHERE "index_dirty"``, so "is anything dirty?" read every document).
            models.Index(fields=["id"], name="doc_index_dirty", condition=Q(index_dirty=True)),
            models.Index(fields=["id"], name="doc_index_inflight", condition=Q(index_inflight=True)),
            # The API's change stream walks takedowns in time order (a scan of every document before).
            models.Index(
                fields=["taken_down_at", "id"],
                name="doc_taken_down",
                condition=Q(taken_down_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference or self.source_id} {self.title}"[:120]


class RestrictionBasis(models.Model):
    """A legal basis of an access restriction, normalised to (law, §, lg, p) beside the original text."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="bases")
    text = models.TextField()
    law = models.CharField(max_length=40, blank=True)
    section = models.CharField(max_length=20, blank=True)
    subsection = models.CharField(max_length=20, blank=True)
    point = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["id"]  # as the register lists them (see Relation)


class DocumentVersion(models.Model):
    """A change seen at the source: which fields changed, from what to what, and when we saw it."""

    class Kind(models.TextChoices):
        CREATED = "created", "first seen"
        CHANGED = "changed", "metadata changed"
        RESTRICTED = "restricted", "restriction added"
        OPENED = "opened", "restriction lifted"
        FILES = "files", "files changed"
        WITHDRAWN = "withdrawn", "gone at the source"
        RETURNED = "returned", "back at the source"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    seen_at = models.DateTimeField()
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["seen_at", "id"]


class Relation(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="relations")
    kind = models.CharField(max_length=200, blank=True)
    target_source_id = models.CharField(max_length=200, blank=True)
    target = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reference = models.CharField(max_length=200, blank=True)
    title = models.TextField(blank=True)
    doc_type = models.CharField(max_length=300, blank=True)

    class Meta:
        # In the register's order. Without an order PostgreSQL returns rows as they lie on disk, and
        # linking a relation to a document fetched after it (an UPDATE) moves it: the export, and a
        # re-visit's check of whether the relations changed, read another order after such a link.
        ordering = ["id"]
        indexes = [
            # A new document links the relations fetched before it that point at it: without this
            # every new document scanned the whole relation table (the sync slowed as the archive grew).
            # Partial: only the unresolved ones, a small share.
            models.Index(
                fields=["target_source_id"], name="relation_unresolved", condition=Q(target__isnull=True)
            ),
        ]


class Blob(models.Model):
    """Bytes in the content-addressed store: the same bytes are stored (and extracted) once."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class File(models.Model):
    class Download(models.TextChoices):
        PENDING = "pending", "waiting for download"
        OK = "ok", "downloaded"
        FAILED = "failed", "download failed"
        WITHHELD = "withheld", "not public: not downloaded"
        PURGED = "purged", "removed after a restriction"

    class Extract(models.TextChoices):
        PENDING = "pending", "waiting for extraction"
        OK = "ok", "extracted"
        FAILED = "failed", "extraction failed"
        UNSUPPORTED = "unsupported", "not extracted yet"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="files")
    # Files found inside another file (container data files, attachments) point at it.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    ordinal = models.PositiveIntegerField()
    name = models.CharField(max_length=500)
    url = models.URLField(max_length=1000, blank=True)
    source_file_id = models.CharField(max_length=200, blank=True)
    access = models.CharField(max_length=300, blank=True)
    relation = models.CharField(max_length=200, blank=True)
    blob = models.ForeignKey(Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="files")
    size = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=40, blank=True)
    download_state = models.CharField(max_length=10, choices=Download.choices, default=Download.PENDING)
    extract_state = models.CharField(max_length=12, choices=Extract.choices, default=Extract.PENDING)
    extractor = models.CharField(max_length=40, blank=True)
    extractor_version = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    pages = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    extracted_at = models.DateTimeField(null=True, blank=True)
    # Pages without a text layer wait for the OCR pass, so scans never hold up text-layer documents.
    ocr_pending = models.BooleanField(default=False)

    class Meta:
        ordering = ["ordinal", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "parent", "ordinal"], name="file_unique_ordinal", nulls_distinct=False
            ),
        ]
        indexes = [
            # The API's change stream walks extractions in time order.
            models.Index(fields=["extracted_at", "id"], name="file_extracted"),
            # Partial: the few files waiting for OCR (a whole-column index on the flag is never used
            # for Django's ``WHERE "ocr_pending"``).
            models.Index(fields=["id"], name="file_ocr_pending", condition=Q(ocr_pending=True)),
        ]

    def __str__(self) -> str:
        return self.name


class Signature(models.Model):
    file = models.ForeignKey(File, on_delete=models.CASCADE, related_name="signatures")
    signer_name = models.CharField(max_length=300)
    # Operator only: never rendered on a public route, never indexed.
    personal_code = models.CharField(max_length=20, blank=True)
    role = models.CharField(max_length=300, blank=True)
    country = models.CharField(max_length=10, blank=True)
    issuer = models.CharField(max_length=300, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    profile = models.CharField(max_length=40, blank=True)
    value_valid = models.BooleanField(null=True)
    digests_valid = models.BooleanField(null=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]  # as the container holds them (see Relation)


class SyncDay(models.Model):
    """One registration day of one register: complete only when the listing added up to the source's total."""

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    complete = models.BooleanField(default=False)
    reported_total = models.PositiveIntegerField(default=0)
    listed = models.PositiveIntegerField(default=0)
    fetched = models.PositiveIntegerField(default=0)
    slices = models.JSONField(default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)
    checked_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registry", "day"], name="syncday_unique")]


class SyncRange(models.Model):
    """An id range of a sequential source: complete when every id answered (a document or a clear "no such id")."""

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="ranges")
    first = models.BigIntegerField()
    last = models.BigIntegerField()
    found = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)  # ids the source does not know: gaps, not errors
    failed = models.PositiveIntegerField(default=0)
    complete = models.BooleanField(default=False)
    checked_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registry", "first", "last"], name="syncrange_unique")]


class Problem(models.Model):
    """A failure an operator can see and retry: which thing, which stage, why."""

    class Stage(models.TextChoices):
        LIST = "list", "listing"
        FETCH = "fetch", "fetching"
        PARSE = "parse", "parsing"
        DOWNLOAD = "download", "downloading a file"
        EXTRACT = "extract", "extracting a file"
        INDEX = "index", "indexing"

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="problems")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    file = models.ForeignKey(File, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    subject = models.CharField(max_length=1000, help_text="The URL, day or file the problem is about.")
    code = models.CharField(max_length=40)
    message = models.TextField()
    seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-seen_at"]
        indexes = [models.Index(fields=["registry", "resolved_at"], name="problem_open")]


class BodyMonth(models.Model):
    """Publishable documents of one body registered in one month, kept up to date on every write.

    The body page, its year pages and per-body charts read these few hundred rows instead of
    counting a body's documents per request (``archive.stats`` keeps them; ``body_months_rebuild``
    recomputes them from the documents). Undated documents count under ``UNDATED``.
    """

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month of registration.")
    documents = models.IntegerField(default=0)
    ak = models.IntegerField(default=0, help_text="Of ``documents``, those restricted (AK).")
    # Raised by every move into or out of the row: the body's sum never repeats.
    changes = models.BigIntegerField(default=0)
    # Raised by every move out of the row (a takedown, a withdrawal, a restriction, a new date) and
    # by an operator's redaction of one of the body's documents: pages keep their aggregates keyed
    # by the body's sum, so whatever hides something starts them afresh at once, while a new
    # document (a sync adds many) shows when they expire (``reading.kept``).
    removed = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registry", "month"], name="bodymonth_unique")]

    def __str__(self) -> str:
        return f"{self.registry_id} {self.month:%Y-%m}: {self.documents} ({self.ak} AK)"


class KeptEntry(models.Model):
    """A page's kept aggregate (``reading.kept``), in the table Django's database cache writes.

    Without Redis, ``CACHES["kept"]`` lives here rather than in each process, so what one process or
    worker computed serves every web process and host and outlasts a restart. A model, not
    ``createcachetable``, so that migrations make it wherever the schema is made or brought up to date.
    Only counts, labels and sitemap pages, never a document's text; the cache's own code writes it.
    """

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "dokreg_kept"

    def __str__(self) -> str:
        return self.cache_key
