from django.apps import AppConfig


class RegistriesConfig(AppConfig):
    name = "dokreg.registries"
    label = "registries"
    verbose_name = "Registers"
