from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "dokreg.public"
    label = "public"
    verbose_name = "Public archive"

    def ready(self) -> None:
        # Its sitemap pages are warmed with each body's figures (reading.figures), also in workers,
        # which never load the URL conf that would import it.
        from dokreg.public import sitemaps  # noqa: F401
