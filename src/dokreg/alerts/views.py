"""Subscribe from the results page, confirm from the mail, unsubscribe in one click (or by the mail
client's List-Unsubscribe-Post). Thin: each calls one service."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from dokreg.alerts import services
from dokreg.alerts.errors import BadSubscription, TooMany
from dokreg.alerts.forms import SubscribeForm
from dokreg.ratelimit import window_allows


@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        errors = [
            f"{form.fields[n].label if n in form.fields else ''}: {' '.join(m)}"
            for n, m in form.errors.items()
        ]
        return _page(request, "alerts/subscribe_done.html", {"errors": errors}, status=400)
    if not window_allows("subscribe", request, services.subscribe_rate()):
        return _page(
            request,
            "alerts/subscribe_done.html",
            {"errors": [_("Liiga palju tellimusi: proovige hiljem uuesti.")]},
            status=429,
        )
    data = form.cleaned_data
    try:
        services.subscription_request(
            email=data["email"],
            query=data["query"],
            frequency=data["frequency"],
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except BadSubscription as exc:
        return _page(
            request,
            "alerts/subscribe_done.html",
            {"errors": [_("Otsingut ei saa salvestada: %(reason)s") % {"reason": exc}]},
            status=400,
        )
    except TooMany as exc:
        return _page(
            request,
            "alerts/subscribe_done.html",
            {"errors": [_("Liiga palju tellimusi: %(reason)s") % {"reason": exc}]},
            status=429,
        )
    except OSError:  # the mail server did not take the mail
        return _page(
            request,
            "alerts/subscribe_done.html",
            {"errors": [_("Kinnituskirja ei õnnestunud saata. Palun proovige hiljem uuesti.")]},
            status=503,
        )
    # The same answer whether or not the address already follows this search.
    return _page(request, "alerts/subscribe_done.html", {"email": data["email"]})


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only its POST confirms, so a mail scanner opening the link confirms nothing."""
    if request.method != "POST":
        return _page(request, "alerts/confirm.html", {"token": token})
    subscription = services.subscription_confirm(token=token)
    if subscription is None:
        return _page(request, "alerts/confirm.html", {"invalid": True}, status=404)
    return _page(request, "alerts/confirm.html", {"confirmed": True})


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs with no session; the signed token is the proof
@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "HEAD":  # a link checker's look changes nothing
        return _page(request, "alerts/cancel.html", {})
    if services.subscription_cancel(token=token) is None:
        return _page(request, "alerts/cancel.html", {"invalid": True}, status=404)
    return _page(request, "alerts/cancel.html", {"cancelled": True})


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response
