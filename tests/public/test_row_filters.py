"""The filters every row of a list runs through write what Django's own filters wrote before them.

They replaced ``title|default:_("(pealkirjata)")|truncatechars:N``, ``date:"d.m.Y"`` and a badge
that translated all four access labels per row; a reader must not see a byte of difference.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format

from dokreg.archive.models import Access
from dokreg.public.charts import month_label

LONG = "Taotlus " + "väga pikk pealkiri " * 20
TITLES = [
    "Kiri",
    "",
    None,
    "  ",
    LONG,
    LONG[:200],
    LONG[:201],
    LONG[:300] + "ü",
    "Õ" * 199 + "ü",
    "Ja\u0303a\u0308 kombineeritud märgid " * 12,  # õ/ä typed as a letter and a combining mark
    "Ja\u0303a\u0308 lühike",
    'Pealkiri <b>märgistusega</b> & "jutumärkidega"',
]
DATES = [
    date(2025, 12, 23),
    date(2024, 1, 5),
    date(999, 3, 4),
    None,
    "",
    datetime(2025, 12, 31, 22, 30, tzinfo=UTC),  # already 1 January in Tallinn
    datetime(2025, 6, 1, 12, 0),
]


def rendered(source: str, **context) -> str:
    return Template("{% load i18n public_tags %}" + source).render(Context(context))


@pytest.mark.parametrize("language", ["et", "en"])
@pytest.mark.parametrize("chars", [200, 300])
def test_a_row_title_reads_as_the_filters_it_replaced(language, chars):
    with translation.override(language):
        for title in TITLES:
            before = rendered(f'{{{{ t|default:_("(pealkirjata)")|truncatechars:{chars} }}}}', t=title)
            assert rendered(f"{{{{ t|row_title:{chars} }}}}", t=title) == before, title
            if chars == 200:
                assert rendered("{{ t|row_title }}", t=title) == before, title


def test_a_row_date_reads_as_the_date_filter_it_replaced(settings):
    settings.TIME_ZONE = "Europe/Tallinn"
    for value in DATES:
        assert rendered("{{ d|dmy }}", d=value) == rendered('{{ d|date:"d.m.Y" }}', d=value), value
    assert rendered("{{ d|dmy }}", d=DATES[5]) == "01.01.2026"


def test_a_row_moment_reads_as_the_date_filter_it_replaced(settings):
    settings.TIME_ZONE = "Europe/Tallinn"
    moments = [
        datetime(2025, 12, 31, 22, 30, tzinfo=UTC),  # 00:30 on 1 January in Tallinn
        datetime(2025, 3, 30, 0, 59, tzinfo=UTC),  # the hour summer time starts
        datetime(2025, 10, 26, 0, 30, tzinfo=UTC),  # and the hour it ends
        datetime(2025, 6, 1, 9, 5),
        None,
        "",
    ]
    for value in moments:
        assert rendered("{{ d|dmy_hm }}", d=value) == rendered('{{ d|date:"d.m.Y H:i" }}', d=value), value
    assert rendered("{{ d|dmy_hm }}", d=moments[0]) == "01.01.2026 00:30"


@pytest.mark.parametrize("language", ["et", "en"])
def test_the_access_badge_is_translated_as_before(language):
    labels = {
        Access.PUBLIC: ("Avalik", "Public"),
        Access.ON_REQUEST: ("Teabenõude korras", "On information request"),
        Access.AK: ("AK", "AK"),
        "unknown": ("Teadmata", "Unknown"),
    }
    with translation.override(language):
        for access, (et, en) in labels.items():
            assert rendered("{{ a|access_short }}", a=access) == (et if language == "et" else en)


def test_month_labels_read_as_the_date_filter_in_each_language():
    months = [date(2025, m, 1) for m in range(1, 13)]
    seen = {}
    for language in ("et", "en", "et"):
        with translation.override(language):
            for month in months:
                assert rendered("{{ m|month_year }}", m=month) == rendered('{{ m|date:"F Y" }}', m=month)
                assert month_label(month, "m/y") == date_format(month, "m/y")
            seen[language] = rendered("{{ m|month_year }}", m=months[11])
    assert seen == {"et": "detsember 2025", "en": "December 2025"}  # kept per language


FACET_ROW_BEFORE = (
    '{% for row in rows %}<li><a href="?{{ row.query }}#tulemused"{% if row.selected %} aria-current="true"'
    ' class="selected"{% endif %}>{% if row.selected %}<span class="visually-hidden">'
    '{% translate "eemalda filter:" %} </span>✓ {% endif %}{{ row.label }}</a>'
    ' <span class="count">({{ row.count }})</span></li>{% endfor %}'
)


@pytest.mark.parametrize("language", ["et", "en"])
def test_facet_rows_read_as_the_template_loop_they_replaced(language):
    from dokreg.reading.facets import FacetRow

    rows = [
        FacetRow("Leping", "Leping", 1234567, False, "q=hange&type=Leping"),
        FacetRow("ak", "AK <b>&</b> \"'", 0, True, "type=Kiri+%26+vastus&access=ak"),
        FacetRow("2024", "2024", 7, True, ""),
    ]
    with translation.override(language):
        before = rendered(FACET_ROW_BEFORE, rows=rows)
        assert rendered("{{ rows|facet_items }}", rows=rows).replace("\n", "") == before
    assert "&amp;type=Leping" in before and "&lt;b&gt;" in before


OPTIONS_BEFORE = {
    "multiple": (
        '{% for value, label in choices %}<option value="{{ value }}"{% if value in chosen %} selected'
        "{% endif %}>{{ label }}</option>{% endfor %}"
    ),
    "single": (
        '{% for value, label in choices %}<option value="{{ value }}"{% if value == chosen %} selected'
        "{% endif %}>{{ label }}</option>{% endfor %}"
    ),
}


@pytest.mark.parametrize(
    ("kind", "chosen"),
    [
        ("multiple", ["som", "r&k"]),
        ("multiple", []),
        ("multiple", None),
        ("single", None),
        ("single", ""),
        ("single", "1"),
        ("single", "0"),
    ],
)
def test_select_options_read_as_the_template_loop_they_replaced(kind, chosen):
    from django.utils.translation import gettext_lazy

    choices = [("", gettext_lazy("pole oluline")), ("1", "jah"), ("0", "ei")]
    if kind == "multiple":
        choices = [("som", "Sotsiaalministeerium"), ("r&k", 'Riigi<b> "Kantselei"'), ("somx", "som's")]
    before = rendered(OPTIONS_BEFORE[kind], choices=choices, chosen=chosen)
    assert (
        rendered("{% options choices chosen %}", choices=choices, chosen=chosen).replace("\n", "") == before
    )
    assert before.count(" selected") == (len(chosen) if isinstance(chosen, list) else chosen is not None)


RESULT_ROWS_BEFORE = """{% for row in result.rows %}{% with doc=row.document %}
    <li>
      <h3><a href="{% row_url 'public:document' doc.pk %}">{{ doc.title|row_title:300 }}</a></h3>
      <p class="meta">
        <span class="ref">{{ doc.reference }}</span> ·
        <a href="{% row_url 'public:registry' doc.registry.slug %}">{{ doc.registry.name }}</a> ·
        <span class="date">{{ doc.registered|dmy }}</span> ·
        {{ doc.doc_type }}
        <span class="badge access-{{ doc.access }}">{{ doc.access|access_short }}</span>
      </p>
      {% if row.snippet %}<p class="snippet">{{ row.snippet }}</p>{% endif %}
      {% if row.file_name %}<p class="matched-file">{% if row.file_url %}<a href="{{ row.file_url }}">{% endif %}{% if row.page %}{% blocktranslate with name=row.file_name page=row.page %}failis {{ name }}, lk {{ page }}{% endblocktranslate %}{% else %}{% blocktranslate with name=row.file_name %}failis {{ name }}{% endblocktranslate %}{% endif %}{% if row.file_url %}</a>{% endif %}</p>{% endif %}
    </li>
  {% endwith %}{% endfor %}"""  # noqa: E501 - the template as it was


def tags_only(html: str) -> str:
    """HTML with whitespace between tags dropped and runs of it made one space: what a browser shows."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize("language", ["et", "en"])
def test_result_rows_read_as_the_template_loop_they_replaced(language):
    from django.utils.safestring import mark_safe

    from dokreg.reading.documents import ResultRow
    from dokreg.reading.types import DocumentCard, RegistryRef

    def card(pk, access, **values):
        defaults = {
            "registry": RegistryRef(slug="som", name="Sotsiaal<b>ministeerium</b> & Co"),
            "reference": "1-2/24-3",
            "registered": date(2024, 2, 29),
            "doc_type": "Kiri",
            "title": "Taotlus",
            "source_url": "",
            "first_seen_at": None,
            "last_changed_at": None,
        }
        return DocumentCard(pk=pk, access=access, **{**defaults, **values})

    rows = [
        ResultRow(document=card(1, Access.PUBLIC)),
        ResultRow(
            document=card(2, Access.AK, title=None, reference="<1&2>", doc_type="", registered=None),
            snippet=mark_safe("leping <mark>hanke</mark> &amp; muu"),
            file_name='kiri "A" & <B>.pdf',
            page=12,
            file_url="/fail/7/kiri.pdf#page=12",
        ),
        ResultRow(document=card(3, Access.ON_REQUEST, title=LONG), snippet=mark_safe("x"), file_name="a.pdf"),
        ResultRow(document=card(4, "unknown", title="Õ" * 299 + "ü"), file_name="b.pdf", page=3),
    ]
    with translation.override(language):
        before = rendered(RESULT_ROWS_BEFORE, result={"rows": rows})
        after = rendered("{{ rows|result_items }}", rows=rows)
    assert tags_only(after) == tags_only(before)
    assert "&lt;1&amp;2&gt;" in after and "<mark>hanke</mark> &amp; muu" in after
