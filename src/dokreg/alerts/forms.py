from django import forms
from django.utils.translation import gettext_lazy as _

from dokreg.alerts.models import Subscription


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("E-posti aadress"), max_length=254)
    frequency = forms.ChoiceField(
        label=_("Kui tihti"), choices=Subscription.Frequency.choices, initial=Subscription.Frequency.DAILY
    )
    # The results page's query string: the search to follow.
    query = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)
