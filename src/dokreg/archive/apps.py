from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "dokreg.archive"
    label = "archive"
    verbose_name = "Archive"
