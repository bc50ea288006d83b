"""dokreg: an open archive of Estonian public document registers."""

__version__ = "0.1.0"
