"""The body page's SVG bars written in Python draw what the template loop drew, every text escaped."""

from __future__ import annotations

from datetime import date

from django.template import engines

from dokreg.public.charts import MonthValue, stacked_month_chart

# The chart template as it was when it drew each bar with template tags (before 2026-12-07).
TEMPLATE_LOOP = """{% load i18n l10n %}{% localize off %}<svg>
  {% for bar in chart.bars %}{% if bar.href %}<a href="{{ bar.href }}">{% endif %}<g>
    <title>{{ bar.title }}</title>
    {% for y, h, cls in bar.parts %}<rect x="{{ bar.x }}" y="{{ y }}" width="{{ bar.width }}" height="{{ h }}" class="{{ cls }}"/>{% endfor %}
    {% if bar.value_label %}<text x="{{ bar.center }}" y="{{ bar.value_y }}" text-anchor="middle" class="value">{{ bar.value_label }}</text>{% endif %}
    <text x="{{ bar.center }}" y="{{ chart.height|add:-8 }}" text-anchor="middle" class="tick">{{ bar.label }}</text>
  </g>{% if bar.href %}</a>{% endif %}{% endfor %}
</svg>{% endlocalize %}"""
WRITTEN = """{% load l10n %}{% localize off %}<svg>
  {{ chart.bars_svg }}
</svg>{% endlocalize %}"""


def test_bars_written_in_python_equal_the_template_loop_escapes_included():
    values = [
        MonthValue(month=date(2025, 1, 1), total=120, part=30, href="/otsi/?a=1&b=<x>"),
        MonthValue(month=date(2025, 2, 1), total=0, part=0),
        MonthValue(month=date(2025, 3, 1), total=7, part=7, href='/x/"quoted"/'),
        MonthValue(month=date(2025, 4, 1), total=33, part=0, href="/asutus/som/2025/4/"),
    ]
    chart = stacked_month_chart(
        values,
        title_of=lambda v: f"{v.month:%m}: {v.total} <b>\"dokumenti\"</b> & 'AK' {v.part}",
        value_of=lambda v: f"{v.total}<" if v.total else "",
    )
    engine = engines["django"]
    loop = engine.from_string(TEMPLATE_LOOP).render({"chart": chart})
    written = engine.from_string(WRITTEN).render({"chart": chart})

    assert written == loop
    assert "<b>" not in written and "&amp;b=&lt;x&gt;" in written and "&#x27;AK&#x27;" in written
