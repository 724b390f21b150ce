"""Public catalogue (/needs/) and the department workspace (/workspace/).

Views parse input, check permission, call one service and render. Needs are fetched
through scoped querysets only: the public sees published needs, a department user the
needs of their own departments; anything else is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from contactpoint.pagecache import anonymous_page
from contactpoint.view_access import users_who

from . import language, services
from .filters import NeedFilter
from .forms import CloseNeedForm, NeedForm
from .models import Municipio, Need

CATALOGUE_PAGE_SIZE = 20
WORKSPACE_PAGE_SIZE = 50


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def catalogue_queryset() -> QuerySet[Need]:
    """Published needs with everything a card shows, in one query."""
    return Need.objects.published().select_related(
        "department", "area", "neighbourhood", "neighbourhood__municipio"
    )


# --- Public catalogue -----------------------------------------------------------------------


@require_safe
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
@anonymous_page
def need_list(request: HtmxHttpRequest) -> HttpResponse:
    filterset = NeedFilter(request.GET, queryset=catalogue_queryset(), request=request)
    # An invalid filter (unknown area, too long text) is shown next to its field, and no
    # result pretends to honour it.
    valid = filterset.is_valid()
    needs = filterset.qs if valid else Need.objects.none()
    page = Paginator(needs, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    # A text that finds nothing (a typo?) shows the needs with similar title words instead,
    # and says for what.
    similar_to = suggestion = ""
    if valid and language.is_plain(filterset.text) and not page.paginator.count:
        similar = Paginator(filterset.similar(), CATALOGUE_PAGE_SIZE)
        if similar.count:
            page = similar.get_page(request.GET.get("page"))
            similar_to = filterset.text
            titles = [need.title for need in page]
            suggestion = " ".join(language.best_words(language.words(similar_to), titles))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "query": query.urlencode(),
        "filtered": any(value for key, value in request.GET.items() if key != "page"),
        "similar_to": similar_to,
        "suggestion": suggestion,
    }
    template = "needs/need_list.html"
    # htmx swaps the fragment into #needs-results; a history restore (back button after a
    # cache miss) and a boosted link need the whole page.
    htmx = request.htmx
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        template += "#results"
    return render(request, template, context)


@require_safe
@anonymous_page
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # A NIL may straddle two or three Municipi: the page names them all.
    need = get_object_or_404(
        catalogue_queryset().prefetch_related(
            Prefetch("neighbourhood__municipi", queryset=Municipio.objects.order_by("number"))
        ),
        pk=pk,
    )
    return render(request, "needs/need_detail.html", {"need": need})


# --- Department workspace -------------------------------------------------------------------


# Sign-in for visitors, 403 for users who do not keep needs.
department_required = users_who(
    services.is_department_user,
    refusal=gettext_lazy("Only department staff can use the workspace."),
)


def _editable_need(request: HttpRequest, pk: int) -> Need:
    """The need if the user may change it, else 404 (never reveal another's draft)."""
    return get_object_or_404(
        Need.objects.editable_by(request.user).select_related("department", "area"), pk=pk
    )


@require_safe
@department_required
def workspace(request: HttpRequest) -> HttpResponse:
    needs = (
        Need.objects.editable_by(request.user)
        .select_related("department", "area", "neighbourhood")
        .order_by("department__name", "status", "wanted_by", "-pk")
    )
    page = Paginator(needs, WORKSPACE_PAGE_SIZE).get_page(request.GET.get("page"))
    departments = services.departments_for(request.user)
    return render(
        request,
        "needs/need_workspace.html",
        {
            "page": page,
            "departments": departments,
            "has_departments": departments.exists(),
            "stale_count": needs.published().stale().count(),
            "stale_after_days": settings.NEED_STALE_AFTER_DAYS,
        },
    )


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    save: Callable[[dict[str, Any]], object],
    done: str,
    template: str,
    need: Need | None,
) -> HttpResponse:
    """A workspace form: a valid POST runs ``save(cleaned_data)`` (one service); a refusal
    lands on the form, success says ``done`` back on the workspace."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, done)
            return redirect("needs:workspace")
    return render(request, template, {"form": form, "need": need})


def _editable(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in services.EDITABLE_FIELDS}


@require_http_methods(["GET", "HEAD", "POST"])
@department_required
def workspace_create(request: HttpRequest) -> HttpResponse:
    publishing = "publish" in request.POST
    return _form_page(
        request,
        NeedForm(request.POST or None, user=request.user, publishing=publishing),
        save=lambda data: services.create_need(
            actor=request.user, publish=publishing, **_editable(data)
        ),
        done=_("The need is published in the catalogue.")
        if publishing
        else _("The need is saved as a draft: publish it when it is ready."),
        template="needs/need_form.html",
        need=None,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@department_required
def workspace_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need = _editable_need(request, pk)
    return _form_page(
        request,
        NeedForm(request.POST or None, instance=need, user=request.user),
        save=lambda data: services.update_need(need=need, actor=request.user, **_editable(data)),
        done=_("The need is saved."),
        template="needs/need_form.html",
        need=need,
    )


def _action(request: HttpRequest, pk: int, action: Callable[..., Need], done: str) -> HttpResponse:
    need = _editable_need(request, pk)
    try:
        action(need=need, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, f"{need.title}: {message}")
    else:
        messages.success(request, done)
    return redirect("needs:workspace")


@require_POST
@department_required
def workspace_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.publish_need, _("The need is published."))


@require_POST
@department_required
def workspace_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request, pk, services.review_need, _("Thank you: the need is marked as reviewed today.")
    )


@require_http_methods(["GET", "HEAD", "POST"])
@department_required
def workspace_close(request: HttpRequest, pk: int) -> HttpResponse:
    need = _editable_need(request, pk)
    return _form_page(
        request,
        CloseNeedForm(request.POST or None),
        save=lambda data: services.close_need(need=need, actor=request.user, reason=data["reason"]),
        done=_("The need is closed and no longer shown to the public."),
        template="needs/need_close.html",
        need=need,
    )
