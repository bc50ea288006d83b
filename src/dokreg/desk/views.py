"""The public side of removal requests: the form, the code check and the tracking page (thin views)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_safe

from dokreg.desk import services
from dokreg.desk.forms import CodeForm, RemovalRequestForm
from dokreg.desk.models import RemovalRequest
from dokreg.privacy.personal_codes import mask_personal_codes
from dokreg.ratelimit import client_ip
from dokreg.reading.documents import published_document


def _retention() -> dict:
    return {"retention_days": services.retention_days(), "unconfirmed_days": services.UNCONFIRMED_KEEP.days}


@require_http_methods(["GET", "HEAD", "POST"])
def request_form(request: HttpRequest, pk: int) -> HttpResponse:
    # The page names the document as the read layer hands it out (masked); the request stores its id.
    document = published_document(pk)
    if document is None:
        raise Http404("no publishable document with this id")
    form = RemovalRequestForm(request.POST if request.method == "POST" else None)
    context = {
        "doc": document,
        "form": form,
        "error": "",
        "answer_days": services.ANSWER_DAYS,
        **_retention(),
    }
    if request.method != "POST":
        return render(request, "desk/request_form.html", context)
    if not form.is_valid():
        return render(request, "desk/request_form.html", context, status=400)
    try:
        removal = services.removal_request_submit(
            document=document.pk,
            client=client_ip(request),
            language=get_language() or "et",
            **form.cleaned_data,
        )
    except services.RequestLimited as exc:
        context["error"] = exc.message
        return render(request, "desk/request_form.html", context, status=429)
    except services.MailFailed as exc:
        context["error"] = exc.message
        return render(request, "desk/request_form.html", context, status=503)
    return redirect(reverse("desk:confirm", args=[removal.token]))


@require_http_methods(["GET", "HEAD", "POST"])
def request_confirm(request: HttpRequest, token: str) -> HttpResponse:
    removal = get_object_or_404(RemovalRequest, token=token)
    if removal.status != RemovalRequest.Status.UNCONFIRMED:
        return redirect(reverse("desk:track", args=[token]))
    form = CodeForm(request.POST if request.method == "POST" else None)
    context = {"removal": removal, "form": form, "error": ""}
    if request.method != "POST":
        return render(request, "desk/request_confirm.html", context)
    if not form.is_valid():
        return render(request, "desk/request_confirm.html", context, status=400)
    try:
        services.removal_request_confirm(removal=removal, code=form.cleaned_data["code"])
    except services.CodeRejected as exc:
        context["error"] = exc.message
        return render(request, "desk/request_confirm.html", context, status=400)
    return redirect(reverse("desk:track", args=[token]))


@require_safe
def request_track(request: HttpRequest, token: str) -> HttpResponse:
    """Status and decision only: the requester's name, address and explanation are for staff."""
    removal = get_object_or_404(RemovalRequest.objects.select_related("document"), token=token)
    # The document is named only while the public may see it (a granted request takes it down).
    document = published_document(removal.document_id) if removal.document_id else None
    overdue = (
        removal.status == RemovalRequest.Status.PENDING and removal.due_at and removal.due_at < timezone.now()
    )
    return render(
        request,
        "desk/request_track.html",
        {
            "removal": removal,
            # The operator's answer is public on this page: masked like every archive text.
            "answer": mask_personal_codes(removal.answer),
            "doc": document,
            "overdue": overdue,
            **_retention(),
        },
    )
