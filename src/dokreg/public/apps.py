from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "dokreg.public"
    label = "public"
    verbose_name = "Public archive"
