from django import template

from dokreg.desk import services

register = template.Library()


@register.simple_tag
def removal_retention_days() -> int:
    """The stated retention period, from the setting the purge uses (so page and purge agree)."""
    return services.retention_days()
