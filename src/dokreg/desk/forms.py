"""The public request form and the code form; the staff decision form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dokreg.desk.models import RemovalRequest


class RemovalRequestForm(forms.Form):
    name = forms.CharField(label=_("Nimi"), max_length=200)
    email = forms.EmailField(
        label=_("E-post"),
        max_length=254,
        help_text=_("Saadame sellele aadressile kinnituskoodi ja hiljem otsuse."),
    )
    basis = forms.ChoiceField(label=_("Alus"), choices=RemovalRequest.Basis.choices, widget=forms.RadioSelect)
    explanation = forms.CharField(
        label=_("Selgitus"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Millised andmed ja miks? Kuni 5000 märki."),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Kinnituskood"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class DecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Otsus"),
        choices=[(s.value, s.label) for s in RemovalRequest.DECISIONS],
        widget=forms.RadioSelect,
        help_text=_("Rahuldatud: dokument võetakse kohe kõigilt avalikelt lehtedelt maha."),
    )
    answer = forms.CharField(
        label=_("Põhjendatud vastus taotlejale"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
    )
    redaction_ref = forms.CharField(
        label=_("Varjamise viide (osaliselt rahuldatud)"),
        max_length=300,
        required=False,
        help_text=_("Ülevaatuse järjekorras tehtud varjamise number või aadress."),
    )
