"""Small helpers the public templates share."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dokreg.archive.models import Access
from dokreg.public.charts import month_label
from dokreg.public.links import link, linker
from dokreg.reading.documents import ResultRow
from dokreg.reading.documents import download_name as _download_name
from dokreg.reading.facets import FacetRow
from dokreg.reading.types import RegistryView

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, page: int) -> str:
    """The current query string with another page number (filters and sort kept)."""
    query = context["request"].GET.copy()
    query["page"] = str(page)
    return "?" + query.urlencode()


@register.simple_tag
def row_url(name: str, *args: int | str) -> str:
    """``{% url name arg … %}`` for the links of every row of a list (``public.links``)."""
    return link(name, *args)


# The filters below run once per row of every list: each did several translation lookups or parsed
# its format anew per row (the body page's 20 rows took a quarter of its rendering).
_ACCESS_SHORT = {
    Access.PUBLIC: gettext_noop("Avalik"),
    Access.ON_REQUEST: gettext_noop("Teabenõude korras"),
    Access.AK: gettext_noop("AK"),
}


@register.filter
def access_short(access: str) -> str:
    return _(_ACCESS_SHORT.get(access, gettext_noop("Teadmata")))


@register.filter
def row_title(title: str | None, chars: int = 200) -> str:
    """``title|default:_("(pealkirjata)")|truncatechars:chars`` in one step: a title that fits (nearly
    all) is not walked character by character."""
    if not title:
        return _("(pealkirjata)")
    if len(title) <= chars and unicodedata.is_normalized("NFC", title):
        return title
    return Truncator(title).chars(chars)


@register.filter
def month_year(month: date) -> str:
    """``date:"F Y"`` of the first of a month ("detsember 2025"), as the charts write it."""
    return month_label(month, "F Y")


@register.filter(expects_localtime=True)
def dmy(value: date | None) -> str:
    """``date:"d.m.Y"`` (the day as Estonians write it, in both languages) without parsing the format."""
    if not isinstance(value, date):
        return ""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


@register.filter(expects_localtime=True)
def dmy_hm(value: datetime | None) -> str:
    """``date:"d.m.Y H:i"`` (a moment, in Tallinn's time) without parsing the format."""
    if not isinstance(value, datetime):
        return ""
    return f"{dmy(value)} {value.hour:02d}:{value.minute:02d}"


@register.filter
def facet_items(rows: Iterable[FacetRow]) -> SafeString:
    """A facet group's rows as list items: a link that adds the value to the search (or removes it,
    marked so for screen readers) and its count.

    Written here, not in a template loop: a results page has about 130 of them, and the loop's five
    lookups and escapes per row were a quarter of the page's rendering."""
    remove = _escaped(_("eemalda filter:"))
    items = []
    for row in rows:
        query, label = _escaped(row.query), _escaped(row.label)
        if row.selected:
            link = f'<a href="?{query}#tulemused" aria-current="true" class="selected">'
            link += f'<span class="visually-hidden">{remove} </span>✓ {label}</a>'
        else:
            link = f'<a href="?{query}#tulemused">{label}</a>'
        items.append(f'<li>{link} <span class="count">({row.count:d})</span></li>')
    return mark_safe("\n".join(items))


@register.filter
def result_items(rows: Iterable[ResultRow]) -> SafeString:
    """Results as the results page lists them: title, reference, body, date, type and access, then
    the snippet and the file (and page) it quotes.

    Written here, not in the template: twelve lookups, two links and their escapes per result were a
    fifth of the page's rendering. Every value is escaped but the snippet, which is safe HTML
    (``dokreg.search`` escapes the text itself and adds only <mark>)."""
    document_link, body_link = linker("public:document"), linker("public:registry")
    badges: dict[str, str] = {}
    items = []
    for row in rows:
        doc = row.document
        if doc.access not in badges:
            badges[doc.access] = _escaped(access_short(doc.access))
        parts = [
            f'<li>\n<h3><a href="{_escaped(document_link(doc.pk))}">{_escaped(row_title(doc.title, 300))}</a></h3>',
            f'<p class="meta"><span class="ref">{_escaped(doc.reference)}</span> · '
            f'<a href="{_escaped(body_link(doc.registry.slug))}">{_escaped(doc.registry.name)}</a> · '
            f'<span class="date">{dmy(doc.registered)}</span> · {_escaped(doc.doc_type)} '
            f'<span class="badge access-{_escaped(doc.access)}">{badges[doc.access]}</span></p>',
        ]
        if row.snippet:
            parts.append(f'<p class="snippet">{_escaped(row.snippet)}</p>')
        if row.file_name:
            parts.append(f'<p class="matched-file">{_matched_file(row)}</p>')
        items.append("\n".join(parts) + "\n</li>")
    return mark_safe("\n".join(items))


def _matched_file(row: ResultRow) -> str:
    values = {"name": _escaped(row.file_name), "page": _escaped(row.page)}
    said = _("failis %(name)s, lk %(page)s") % values if row.page else _("failis %(name)s") % values
    return f'<a href="{_escaped(row.file_url)}">{said}</a>' if row.file_url else said


def _escaped(value: object) -> str:
    """As the template escapes a value (``conditional_escape``), without its check for lazy
    arguments on every call: safe HTML as it is, anything else escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


@register.simple_tag
def options(choices: Iterable[tuple[object, object]], chosen: object) -> SafeString:
    """A select's ``<option>`` elements, those whose value is ``chosen`` (a value, or a list of
    values for a multiple select) selected: one call for the search form's fifty-odd bodies."""
    if chosen is None:
        picked = set()
    else:
        picked = {str(v) for v in chosen} if isinstance(chosen, list | tuple) else {str(chosen)}
    items = []
    for value, label in choices:
        selected = " selected" if str(value) in picked else ""
        items.append(f'<option value="{_escaped(value)}"{selected}>{_escaped(label)}</option>')
    return mark_safe("\n".join(items))


@register.filter
def registry_state(body: RegistryView) -> str:
    # Registry.State values (the view carries the value, not the enumeration).
    return {
        "active": _("kaetud"),
        "paused": _("peatatud"),
        "not_covered": _("ei ole veel kaetud"),
    }.get(body.state, body.state)


@register.filter
def extract_state(state: str) -> str:
    return {
        "ok": _("tekst eraldatud"),
        "failed": _("teksti eraldamine ebaõnnestus"),
    }.get(state, _("teksti ei ole veel eraldatud"))


@register.filter
def value_check(valid: bool | None) -> str:
    if valid is None:
        return _("allkirja väärtust ei saanud kontrollida")
    return _("allkirja väärtus kontrollitud") if valid else _("allkirja väärtus EI VASTA sertifikaadile")


@register.filter
def digests_check(valid: bool | None) -> str:
    if valid is None:
        return _("andmefailide räsisid ei saanud kontrollida")
    return _("andmefailide räsid kehtivad") if valid else _("andmefailide räsid EI KEHTI (fail on muutunud)")


@register.filter
def http_url(url: str) -> str:
    """The URL only if it is http(s): a source could hand us ``javascript:`` in a link."""
    return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else ""


@register.filter
def download_name(name: str) -> str:
    return _download_name(name)
