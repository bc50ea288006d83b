"""The catalogue of bodies and their public document registers."""

from django.db import models


class Registry(models.Model):
    class Family(models.TextChoices):
        ADR = "adr", "ADR / Delta"
        RMK = "rmk", "RMK"
        RIIGIKANTSELEI = "riigikantselei", "Riigikantselei"
        RIIGIKOGU = "riigikogu", "Riigikogu"
        TALLINN = "tallinn", "Tallinn"
        OTHER = "other", "Other platform"

    class State(models.TextChoices):
        ACTIVE = "active", "active"
        PAUSED = "paused", "paused"  # robot check or operator: no requests until resumed
        NOT_COVERED = "not_covered", "not yet covered"

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=300)
    # False while the name is only the slug or a guess; the first sync replaces it with the page heading.
    name_certain = models.BooleanField(default=False)
    family = models.CharField(max_length=20, choices=Family.choices)
    base_url = models.URLField(max_length=500)
    state = models.CharField(max_length=20, choices=State.choices, default=State.ACTIVE)
    state_reason = models.TextField(blank=True)
    last_sync_started_at = models.DateTimeField(null=True, blank=True)
    last_sync_finished_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # Denormalised so home and status pages never count the documents table per request.
    document_count = models.PositiveIntegerField(default=0)
    newest_registered = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "registries"

    def __str__(self) -> str:
        return self.name

    @property
    def covered(self) -> bool:
        return self.state != self.State.NOT_COVERED


class HostTurn(models.Model):
    """When the next request to a register's host may start, shared by every process on the database.

    Each process keeps its own requests to a host DOKREG_REQUEST_INTERVAL apart; with several workers
    (on several machines) that alone would let a register see one request per worker per interval. A
    request first takes the next start from this row in one statement (``registries.turns``)."""

    host = models.CharField(max_length=255, primary_key=True)
    next_at = models.FloatField(help_text="Unix time at which the next request may start.")

    def __str__(self) -> str:
        return f"{self.host} next at {self.next_at:.3f}"
