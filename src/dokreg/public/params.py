"""The search parameters of the home and results pages, read from a query string.

Query strings come from anyone: every value is checked here, and a bad one becomes a
message for the page (never an exception escaping to a 500).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from dokreg.archive.models import Access

# Browsers send ISO dates from <input type="date">; people type the Estonian dd.mm.yyyy.
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
MAX_QUERY_CHARS = 500
MAX_PAGE = 100_000
MAX_VALUES = 20  # values of one repeatable filter (type=…&type=…)
MAX_VALUE_CHARS = 500
EXPIRED_AK = "expired_ak"  # AK whose restriction end date has passed (dokreg.search.EXPIRED_AK)
SORTS = (
    ("relevance", _("asjakohasus")),
    ("date", _("kuupäev (uuemad ees)")),
    ("oldest", _("kuupäev (vanemad ees)")),
    ("registry", _("asutus")),
)
# Orders that mean something without words too (relevance does not: an empty query lists newest first).
WORDLESS_SORTS = frozenset({"oldest", "registry"})
ACCESS_CHOICES = (
    (Access.PUBLIC.value, _("avalik")),
    (Access.ON_REQUEST.value, _("teabenõude korras")),
    (Access.AK.value, _("asutusesiseseks kasutamiseks (AK)")),
    (EXPIRED_AK, _("AK, mille tähtaeg on möödas")),
)
HAS_FILES_CHOICES = (("", _("pole oluline")), ("1", _("jah")), ("0", _("ei")))


@dataclass(frozen=True)
class SearchParams:
    """A checked search request: what the results page asks the index or the database for."""

    q: str = ""
    registries: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    doc_types: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    series: tuple[str, ...] = ()
    case_files: tuple[str, ...] = ()
    correspondents: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    restriction_bases: tuple[str, ...] = ()  # normalised: "AvTS § 35 lg 1 p 2"
    has_files: bool | None = None
    file_kinds: tuple[str, ...] = ()
    sort: str = "relevance"
    page: int = 1
    errors: tuple[str, ...] = field(default=())

    @property
    def effective_sort(self) -> str:
        # Without words there is nothing to rank by: newest first.
        return self.sort if self.q or self.sort in WORDLESS_SORTS else "date"

    @property
    def has_filters(self) -> bool:
        """Any filter besides the words: the filter form opens only then, so results stay near the top."""
        return any(getattr(self, name) for name in FILTER_FIELDS - {"q"})

    def filters_key(self) -> tuple[Any, ...]:
        """Everything that decides which documents match and in what order (not the page)."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name in FILTER_FIELDS) + (
            self.effective_sort,
        )


# SearchParams field → the query-string key that carries it (repeatable for tuples).
QUERY_KEYS = {
    "q": "q",
    "registries": "registry",
    "date_from": "date_from",
    "date_to": "date_to",
    "doc_types": "type",
    "access": "access",
    "functions": "function",
    "series": "series",
    "case_files": "case_file",
    "correspondents": "correspondent",
    "channels": "channel",
    "restriction_bases": "restriction",
    "has_files": "has_files",
    "file_kinds": "file_kind",
    "sort": "sort",
}
FILTER_FIELDS = frozenset(QUERY_KEYS) - {"sort"}


def params_query(params: SearchParams, **changes: Any) -> str:
    """The query string of ``params`` with ``changes`` applied, page left out (back to page 1).

    Facet links are built with it, so adding or removing one filter keeps every other one.
    """
    changed = replace(params, **changes)
    pairs: list[tuple[str, str]] = []
    for name, key in QUERY_KEYS.items():
        value = getattr(changed, name)
        if name == "sort" and value == "relevance":
            continue
        if isinstance(value, tuple):
            pairs.extend((key, v) for v in value)
        elif isinstance(value, bool):
            pairs.append((key, "1" if value else "0"))
        elif isinstance(value, date):
            pairs.append((key, value.isoformat()))
        elif value:
            pairs.append((key, str(value)))
    return urlencode(pairs)


def toggled(values: tuple[str, ...], value: str) -> tuple[str, ...]:
    """``values`` with ``value`` added, or removed when it is there (compared case-insensitively)."""
    key = _folded(value)
    kept = tuple(v for v in values if _folded(v) != key)
    return kept if len(kept) != len(values) else (*values, value)


def _folded(value: str) -> str:
    return " ".join(value.split()).lower()


_SECTION = re.compile(r"§\s*")
_BASIS = re.compile(
    r"^(?P<law>[^\s§]+)?\s*(?:§\s*(?P<section>\w+))?\s*(?:lg\.?\s*(?P<sub>\w+))?\s*(?:p\.?\s*(?P<point>[\w,-]+))?$",
    re.IGNORECASE,
)


def normalise_basis(text: str) -> str | None:
    """A typed citation in the archive's spelling ("avts §35 lg 1" → "AvTS § 35 lg 1"), or None."""
    match = _BASIS.match(" ".join(text.split()))
    if match is None or not (match["law"] or match["section"]):
        return None
    law = match["law"] or "AvTS"
    law = "AvTS" if law.lower() == "avts" else law
    parts = [law]
    parts += [f"§ {match['section']}"] if match["section"] else []
    parts += [f"lg {match['sub']}"] if match["sub"] else []
    parts += [f"p {match['point']}"] if match["point"] else []
    return " ".join(parts)


class _RepeatedInput(forms.Widget):
    """Reads every value of a repeated key (``type=a&type=b``), as a list."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        if hasattr(data, "getlist"):
            return list(data.getlist(name))
        value = data.get(name)
        return [value] if isinstance(value, str) else list(value or [])


class RepeatedTextField(forms.Field):
    """Free-text values, repeatable; blanks dropped, whitespace tidied, duplicates removed."""

    widget = _RepeatedInput

    def to_python(self, value: Any) -> tuple[str, ...]:
        values = [" ".join(str(v).split()) for v in (value or [])]
        values = [v for v in values if v]
        if len(values) > MAX_VALUES:
            raise forms.ValidationError(_("Liiga palju väärtusi (kuni %(n)s).") % {"n": MAX_VALUES})
        if any(len(v) > MAX_VALUE_CHARS for v in values):
            raise forms.ValidationError(_("Väärtus on liiga pikk."))
        return tuple(dict.fromkeys(values))


TEXT_FILTER_PLACEHOLDERS = {
    "type": _("nt Sissetulev kiri"),
    "function": "",
    "series": _("nt 1-1 Kirjavahetus"),
    "case_file": "",
    "correspondent": "",
    "channel": _("nt e-post"),
    "restriction": _("nt AvTS § 35 lg 1 p 12"),
    "file_kind": _("nt pdf"),
}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Otsingusõnad"), required=False, max_length=MAX_QUERY_CHARS)
    registry = forms.MultipleChoiceField(label=_("Asutus"), required=False)
    date_from = forms.DateField(label=_("Registreeritud alates"), required=False, input_formats=DATE_FORMATS)
    date_to = forms.DateField(label=_("Registreeritud kuni"), required=False, input_formats=DATE_FORMATS)
    type = RepeatedTextField(label=_("Dokumendi liik"), required=False)
    access = forms.MultipleChoiceField(label=_("Juurdepääs"), required=False, choices=ACCESS_CHOICES)
    function = RepeatedTextField(label=_("Funktsioon"), required=False)
    series = RepeatedTextField(label=_("Sari"), required=False)
    case_file = RepeatedTextField(label=_("Toimik"), required=False)
    correspondent = RepeatedTextField(label=_("Adressaat / saatja"), required=False)
    channel = RepeatedTextField(label=_("Saabumis- või saatmisviis"), required=False)
    restriction = RepeatedTextField(label=_("Juurdepääsupiirangu alus"), required=False)
    has_files = forms.ChoiceField(label=_("Avalikud failid"), required=False, choices=HAS_FILES_CHOICES)
    file_kind = RepeatedTextField(label=_("Faili liik"), required=False)
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

    def text_filters(self) -> list[dict[str, Any]]:
        """The repeatable text filters for the form: one input per chosen value and one empty."""
        out = []
        for name, placeholder in TEXT_FILTER_PLACEHOLDERS.items():
            bound = self[name]
            values = bound.value() if self.is_bound else []
            kept = [" ".join(str(v).split()) for v in values or [] if str(v).strip()]
            out.append({"name": name, "label": bound.label, "values": kept, "placeholder": placeholder})
        return out

    def clean_restriction(self) -> tuple[str, ...]:
        values = self.cleaned_data.get("restriction") or ()
        normalised = [normalise_basis(v) for v in values]
        if None in normalised:
            raise forms.ValidationError(_("Kirjutage alus kujul „AvTS § 35 lg 1 p 12“."))
        return tuple(dict.fromkeys(v for v in normalised if v))


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
    has_files = cleaned.get("has_files") or ""
    date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
    if "__all__" in form.errors:  # the range is reversed: neither end can be trusted
        date_from = date_to = None
    params = SearchParams(
        q=(cleaned.get("q") or "").strip(),
        registries=tuple(cleaned.get("registry") or ()),
        date_from=date_from,
        date_to=date_to,
        doc_types=tuple(cleaned.get("type") or ()),
        access=tuple(cleaned.get("access") or ()),
        functions=tuple(cleaned.get("function") or ()),
        series=tuple(cleaned.get("series") or ()),
        case_files=tuple(cleaned.get("case_file") or ()),
        correspondents=tuple(cleaned.get("correspondent") or ()),
        channels=tuple(cleaned.get("channel") or ()),
        restriction_bases=tuple(cleaned.get("restriction") or ()),
        has_files=None if has_files == "" else has_files == "1",
        file_kinds=tuple(v.lower() for v in cleaned.get("file_kind") or ()),
        sort=cleaned.get("sort") or "relevance",
        page=page,
        errors=tuple(errors),
    )
    return form, params


def _field_label(form: SearchForm, name: str) -> str:
    if name == "__all__":
        return str(_("Kuupäevad"))
    return str(form.fields[name].label)
