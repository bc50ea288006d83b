from django.db import migrations


def load(apps, schema_editor):
    from dokreg.registries.catalogue import CATALOGUE

    Registry = apps.get_model("registries", "Registry")
    for entry in CATALOGUE:
        Registry.objects.get_or_create(
            slug=entry.slug,
            defaults={
                "family": entry.family,
                "base_url": entry.base_url,
                "name": entry.name or entry.slug,
                "name_certain": bool(entry.name),
                "state": "active" if entry.covered else "not_covered",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("registries", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
