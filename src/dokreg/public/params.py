"""The search parameters of the home and results pages, read from a query string.

Query strings come from anyone: every value is checked here, and a bad one becomes a
message for the page (never an exception escaping to a 500).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from dokreg.archive.models import Access

# Browsers send ISO dates from <input type="date">; people type the Estonian dd.mm.yyyy.
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
MAX_QUERY_CHARS = 500
MAX_PAGE = 100_000
SORTS = (("relevance", _("asjakohasus")), ("date", _("kuupäev (uuemad ees)")))
ACCESS_CHOICES = (
    (Access.PUBLIC.value, _("avalik")),
    (Access.ON_REQUEST.value, _("teabenõude korras")),
    (Access.AK.value, _("asutusesiseseks kasutamiseks (AK)")),
)


@dataclass(frozen=True)
class SearchParams:
    """A checked search request: what the results page asks the index or the database for."""

    q: str = ""
    registries: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    doc_types: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    sort: str = "relevance"
    page: int = 1
    errors: tuple[str, ...] = field(default=())

    @property
    def effective_sort(self) -> str:
        # Without words there is nothing to rank by: newest first.
        return self.sort if self.q else "date"


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Otsingusõnad"), required=False, max_length=MAX_QUERY_CHARS)
    registry = forms.MultipleChoiceField(label=_("Asutus"), required=False)
    date_from = forms.DateField(label=_("Registreeritud alates"), required=False, input_formats=DATE_FORMATS)
    date_to = forms.DateField(label=_("Registreeritud kuni"), required=False, input_formats=DATE_FORMATS)
    type = forms.CharField(label=_("Dokumendi liik"), required=False, max_length=300)
    access = forms.MultipleChoiceField(label=_("Juurdepääs"), required=False, choices=ACCESS_CHOICES)
    sort = forms.ChoiceField(label=_("Järjestus"), required=False, choices=SORTS)

    def __init__(self, data: QueryDict | None, *, registry_choices: list[tuple[str, str]]) -> None:
        super().__init__(data)
        self.fields["registry"].choices = registry_choices

    def clean(self) -> dict:
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError(_("Alguskuupäev on hilisem kui lõppkuupäev."))
        return cleaned


def parse_page(raw: str | None) -> tuple[int, str | None]:
    """The page number, or page 1 and a message when it is not a positive whole number."""
    if raw is None or raw == "":
        return 1, None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        return 1, str(_("Lehekülje number peab olema positiivne täisarv."))
    return int(raw), None


def parse_search(
    data: QueryDict, *, registry_choices: list[tuple[str, str]]
) -> tuple[SearchForm, SearchParams]:
    """Check the query string; a bad field is left out of the search and named in ``errors``."""
    form = SearchForm(data, registry_choices=registry_choices)
    form.is_valid()
    errors = [f"{_field_label(form, name)}: {' '.join(msgs)}" for name, msgs in form.errors.items()]
    cleaned = form.cleaned_data
    page, page_error = parse_page(data.get("page"))
    if page_error:
        errors.append(page_error)
    doc_type = (cleaned.get("type") or "").strip()
    date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
    if "__all__" in form.errors:  # the range is reversed: neither end can be trusted
        date_from = date_to = None
    params = SearchParams(
        q=(cleaned.get("q") or "").strip(),
        registries=tuple(cleaned.get("registry") or ()),
        date_from=date_from,
        date_to=date_to,
        doc_types=(doc_type,) if doc_type else (),
        access=tuple(cleaned.get("access") or ()),
        sort=cleaned.get("sort") or "relevance",
        page=page,
        errors=tuple(errors),
    )
    return form, params


def _field_label(form: SearchForm, name: str) -> str:
    if name == "__all__":
        return str(_("Kuupäevad"))
    return str(form.fields[name].label)
