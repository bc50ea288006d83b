"""The search parameters of the results page, feeds and the API, read from a query string.

Query strings come from anyone: every value is checked here, and a bad one becomes a
message for the page (never an exception escaping to a 500). The filters, their keys, form fields
and labels come from the field table (``dokreg.fields``): a filter added there appears here.
"""

from __future__ import annotations

import re
from dataclasses import field, fields, make_dataclass
from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from dokreg.archive.models import Access
from dokreg.fields import FILTERS, Filter, FilterKind, filter_values

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


class _SearchParamsBase:
    """A checked search request: what the results page asks the index or the database for.

    Its fields: ``q``, one or two per filter of the field table (``registries``, ``date_from``,
    ``date_to``, ``doc_types``, …, ``has_files``, ``file_kinds``), then ``sort``, ``page``, ``errors``.
    """

    @property
    def effective_sort(self) -> str:
        # Without words there is nothing to rank by: newest first.
        return self.sort if self.q or self.sort in WORDLESS_SORTS else "date"  # type: ignore[attr-defined]

    @property
    def has_filters(self) -> bool:
        """Any filter besides the words: the filter form opens only then, so results stay near the top."""
        return any(getattr(self, name) for name in FILTER_FIELDS - {"q"})

    def filters_key(self) -> tuple[Any, ...]:
        """Everything that decides which documents match and in what order (not the page)."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name in FILTER_FIELDS) + (  # type: ignore[arg-type]
            self.effective_sort,
        )


SearchParams = make_dataclass(
    "SearchParams",
    [("q", str, field(default=""))]
    + [
        (attr, kind, field(default=default))
        for f in FILTERS
        for attr, _key, kind, default in filter_values(f)
    ]
    + [
        ("sort", str, field(default="relevance")),
        ("page", int, field(default=1)),
        ("errors", tuple[str, ...], field(default=())),
    ],
    bases=(_SearchParamsBase,),
    frozen=True,
)
SearchParams.__module__ = __name__
SearchParams.__doc__ = _SearchParamsBase.__doc__


# SearchParams field → the query-string key that carries it (repeatable for tuples).
QUERY_KEYS = {
    "q": "q",
    **{attr: key for f in FILTERS for attr, key, _, _ in filter_values(f)},
    "sort": "sort",
}
FILTER_FIELDS = frozenset(QUERY_KEYS) - {"sort"}
SEARCH_FIELDS = frozenset(f.name for f in fields(SearchParams))


def params_query(params: SearchParams, **changes: Any) -> str:
    """The query string of ``params`` with ``changes`` applied, page left out (back to page 1).

    Facet links are built with it, so adding or removing one filter keeps every other one.
    """
    return query_with(query_parts(params), **changes)


def query_parts(params: SearchParams) -> dict[str, str]:
    """``params`` encoded one query-string key at a time, for ``query_with``: a results page links
    about 130 facet values, each changing one key of the same parts."""
    return {name: _encoded(name, getattr(params, name)) for name in QUERY_KEYS}


def query_with(parts: dict[str, str], **changes: Any) -> str:
    """The query string of ``parts`` (``query_parts``) with ``changes`` applied, page left out."""
    if changes:
        parts = dict(parts)
        for name, value in changes.items():
            if name in QUERY_KEYS:
                parts[name] = _encoded(name, value)
            elif name not in SEARCH_FIELDS:
                raise TypeError(f"SearchParams has no field {name!r}")
    return "&".join(part for part in parts.values() if part)


def _encoded(name: str, value: Any) -> str:
    key = QUERY_KEYS[name]
    if name == "sort" and value == "relevance":
        return ""
    if isinstance(value, tuple):
        return urlencode([(key, v) for v in value])
    if isinstance(value, bool):
        return urlencode([(key, "1" if value else "0")])
    if isinstance(value, date):
        return urlencode([(key, value.isoformat())])
    return urlencode([(key, str(value))]) if value else ""


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
    f.param: f.placeholder for f in FILTERS if f.kind in (FilterKind.TEXT, FilterKind.BASIS)
}


def _form_fields(f: Filter) -> dict[str, forms.Field]:
    """The form field(s) of one filter of the field table."""
    if f.kind == FilterKind.DATES:
        return {
            f"{f.param}_from": forms.DateField(
                label=_("Registreeritud alates"), required=False, input_formats=DATE_FORMATS
            ),
            f"{f.param}_to": forms.DateField(
                label=_("Registreeritud kuni"), required=False, input_formats=DATE_FORMATS
            ),
        }
    if f.kind == FilterKind.CHOICE:
        # Access has fixed choices; the registry's come from the catalogue when the form is made.
        choices = ACCESS_CHOICES if f.attr == "access" else ()
        return {f.param: forms.MultipleChoiceField(label=f.label, required=False, choices=choices)}
    if f.kind == FilterKind.FLAG:
        return {f.param: forms.ChoiceField(label=f.label, required=False, choices=HAS_FILES_CHOICES)}
    return {f.param: RepeatedTextField(label=f.label, required=False)}


class _SearchFormBase(forms.Form):
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


# The form's fields in the page's order: the words, every filter of the field table, the order.
SearchForm = type(
    "SearchForm",
    (_SearchFormBase,),
    {
        "__module__": __name__,
        "q": forms.CharField(label=_("Otsingusõnad"), required=False, max_length=MAX_QUERY_CHARS),
        **{name: form_field for f in FILTERS for name, form_field in _form_fields(f).items()},
        "sort": forms.ChoiceField(label=_("Järjestus"), required=False, choices=SORTS),
    },
)


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
    date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
    if "__all__" in form.errors:  # the range is reversed: neither end can be trusted
        date_from = date_to = None
    values: dict[str, Any] = {"q": (cleaned.get("q") or "").strip()}
    for f in FILTERS:
        if f.kind == FilterKind.DATES:
            continue
        raw = cleaned.get(f.param)
        if f.kind == FilterKind.FLAG:
            values[f.attr] = None if not raw else raw == "1"
        else:
            values[f.attr] = tuple(v.lower() if f.lower else v for v in raw or ())
    params = SearchParams(
        **values,
        date_from=date_from,
        date_to=date_to,
        sort=cleaned.get("sort") or "relevance",
        page=page,
        errors=tuple(errors),
    )
    return form, params


def _field_label(form: SearchForm, name: str) -> str:
    if name == "__all__":
        return str(_("Kuupäevad"))
    return str(form.fields[name].label)
