"""The KPI dashboard (/dashboard/), its exports, and the beneficiary's confirmation link.

Views parse the filters, check who may read, call ``kpis.dashboard`` and render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from contactpoint.landing import organisations_area
from contactpoint.view_access import users_who
from stakeholders.models import Organisation

from . import access, exports, kpis, maps, services, statements, surveys
from .forms import (
    FIRST_YEAR,
    ConfirmDeliveryForm,
    DashboardFilterForm,
    TopicNeedForm,
    survey_form_class,
)

# Sign-in for visitors; a 403 page in the site's look for users who may not read it.
dashboard_reader_required = users_who(
    access.can_read_dashboard, forbidden_page="monitoring/forbidden.html"
)


def _board(request: HttpRequest) -> tuple[DashboardFilterForm, kpis.Dashboard]:
    """The filters from the query string (invalid ones are shown and ignored) and the data."""
    data = request.GET.copy()
    data.setdefault("year", str(timezone.localdate().year))
    form = DashboardFilterForm(data)
    if form.is_valid():
        area, municipio = form.cleaned_data["area"], form.cleaned_data["municipio"]
        filters = kpis.Filters(
            year=form.cleaned_data["year"],
            area_id=area.pk if area else None,
            municipio_id=municipio.pk if municipio else None,
        )
    else:
        filters = kpis.Filters(year=timezone.localdate().year)
    return form, kpis.dashboard(filters)


def _context(form: DashboardFilterForm, board: kpis.Dashboard) -> dict[str, Any]:
    funnel_labels = {
        "offers": _("Offers"),
        "matched": _("Matched"),
        "contacted": _("Contacted"),
        "agreed": _("Agreed"),
        "delivered": _("In delivery"),
        "completed": _("Completed"),
    }
    funnel = [(funnel_labels[step], count) for step, count in board.funnel]
    trend = board.trend
    charts = {
        "funnel": {
            "type": "bar",
            "labels": [label for label, _count in funnel],
            "datasets": [{"label": _("Offers"), "data": [count for _label, count in funnel]}],
        },
        "trend": {
            "type": "line",
            "labels": [row["year"] for row in trend],
            "datasets": [
                {"label": _("Offers"), "data": [row["offers"] for row in trend]},
                {"label": _("Collaborations started"), "data": [row["started"] for row in trend]},
                {
                    "label": _("Collaborations completed"),
                    "data": [row["completed"] for row in trend],
                },
            ],
        },
        "areas": {
            "type": "bar",
            "stacked": True,
            "labels": [row["label"] for row in board.by_area],
            "datasets": [
                {"label": _("Covered"), "data": [row["covered"] for row in board.by_area]},
                {"label": _("Open"), "data": [row["open"] for row in board.by_area]},
            ],
        },
    }
    filters = form.cleaned_data if form.is_valid() else {}
    query = "&".join(
        f"{key}={value}"
        for key, value in (
            ("year", board.filters.year),
            ("area", board.filters.area_id or ""),
            ("municipio", board.filters.municipio_id or ""),
        )
        if value
    )
    return {
        "form": form,
        "board": board,
        "filters": filters,
        "kpis": list(board.kpis.values()),
        "funnel": funnel,
        "charts": charts,
        "dots": maps.nil_dots(board.by_nil, municipio_id=board.filters.municipio_id),
        "map_width": maps.WIDTH,
        "map_height": maps.HEIGHT,
        "query": query,
    }


@require_safe
@never_cache
@dashboard_reader_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form, board = _board(request)
    context = _context(form, board)
    context["can_read_statements"] = access.can_read_statements(request.user)
    context["can_propose_topics"] = access.can_propose_topics(request.user)
    return render(request, "monitoring/dashboard.html", context)


# How each kind of file goes out; a CSV opens with a BOM so spreadsheet programs read UTF-8.
_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
}


def _download(content: str | bytes, filename: str) -> HttpResponse:
    """``content`` as an attachment named ``filename``, typed by its extension."""
    kind = filename.rsplit(".", 1)[-1]
    if kind == "csv":
        content = "\ufeff" + str(content)
    response = HttpResponse(content, content_type=_CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@never_cache
@dashboard_reader_required
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    _form, board = _board(request)
    return _download(exports.dashboard_csv(board), f"kpi-{board.filters.year}.csv")


@require_safe
@never_cache
@dashboard_reader_required
def dashboard_pdf(request: HttpRequest) -> HttpResponse:
    form, board = _board(request)
    pdf = exports.dashboard_pdf(board, _context(form, board))
    return _download(pdf, f"kpi-{board.filters.year}.pdf")


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def confirm_delivery(request: HttpRequest, token: str) -> HttpResponse:
    """The beneficiary (school, service) confirms delivery through a private single-use link.

    Unknown, used or replaced links all get the same answer, so the page tells nothing about
    which links exist.
    """
    form = ConfirmDeliveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_delivery(token=token, confirmed_by=form.cleaned_data["confirmed_by"])
        except services.ConfirmationLinkInvalid:
            return render(request, "monitoring/confirm_invalid.html", status=404)
        return render(request, "monitoring/confirm_done.html")
    if not services.confirmation_link_is_valid(token):
        return render(request, "monitoring/confirm_invalid.html", status=404)
    return render(request, "monitoring/confirm_delivery.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def survey_response(request: HttpRequest, token: str) -> HttpResponse:
    """The annual survey through a private single-use link; unknown, used and closed links
    all get the same 404 page."""
    try:
        invitation = surveys.invitation_for_token(token)
    except surveys.SurveyLinkInvalid:
        return render(request, "monitoring/survey_invalid.html", status=404)
    questions = surveys.questions_for(invitation)
    form = survey_form_class(questions)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.submit_response(token=token, raw=form.cleaned_data)
        except surveys.SurveyLinkInvalid:
            return render(request, "monitoring/survey_invalid.html", status=404)
        except ValidationError as errors:
            for field, messages in errors.message_dict.items():
                for message in messages:
                    form.add_error(field, message)
        else:
            return render(request, "monitoring/survey_thanks.html")
    return render(
        request,
        "monitoring/survey_form.html",
        {"form": form, "campaign": invitation.campaign},
        status=400 if form.errors else 200,
    )


# --- Company statement, annual report, showcase ---------------------------------------------


statement_reader_required = users_who(
    access.can_read_statements, forbidden_page="monitoring/forbidden.html"
)


def _statement(pk: int, year: int) -> statements.Statement:
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise Http404
    organisation = get_object_or_404(Organisation.objects.active(), pk=pk)
    return statements.build_statement(organisation=organisation, year=year)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@statement_reader_required
def statement_detail(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    statement = _statement(pk, year)
    if request.method == "POST":
        if not access.can_sign_off_statements(request.user):
            return render(request, "monitoring/forbidden.html", status=403)
        try:
            statements.sign_off(organisation=statement.organisation, year=year, actor=request.user)
        except statements.StatementError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The statement is signed off."))
        return redirect("monitoring:statement", pk=pk, year=year)
    return render(
        request,
        "monitoring/company_statement.html",
        {
            "statement": statement,
            "data": statement.data,
            "can_sign_off": access.can_sign_off_statements(request.user),
            "file_view": "monitoring:statement_file",
        },
    )


@require_safe
@never_cache
@statement_reader_required
def statement_file(request: HttpRequest, pk: int, year: int, fmt: str) -> HttpResponse:
    return _statement_file(_statement(pk, year), fmt)


@require_safe
@never_cache
@statement_reader_required
def statement_list(request: HttpRequest) -> HttpResponse:
    """Organisations with collaborations, per year, each year leading to its statement."""
    return render(
        request,
        "monitoring/statement_list.html",
        {"organisations": statements.statement_index(), "mine": False},
    )


def _my_statement(request: HttpRequest, pk: int, year: int) -> statements.Statement:
    """The statement of one of the user's own organisations; any other is a 404."""
    statement = _statement(pk, year)
    if not statements.is_member(user=request.user, organisation=statement.organisation):
        raise Http404
    return statement


@require_safe
@never_cache
@login_required
@organisations_area
def my_statements(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "monitoring/statement_list.html",
        {"organisations": statements.statement_index(member=request.user), "mine": True},
    )


@require_safe
@never_cache
@login_required
def my_statement(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    statement = _my_statement(request, pk, year)
    return render(
        request,
        "monitoring/company_statement.html",
        {
            "statement": statement,
            "data": statement.data,
            "can_sign_off": False,
            "file_view": "monitoring:my_statement_file",
        },
    )


@require_safe
@never_cache
@login_required
def my_statement_file(request: HttpRequest, pk: int, year: int, fmt: str) -> HttpResponse:
    return _statement_file(_my_statement(request, pk, year), fmt)


def _statement_file(statement: statements.Statement, fmt: str) -> HttpResponse:
    if fmt not in ("pdf", "csv", "json"):
        raise Http404
    pk, year = statement.organisation.pk, statement.year
    name = f"statement-{pk}-{year}.{fmt}"
    if fmt == "pdf":
        return _download(statements.statement_pdf(statement), name)
    if fmt == "csv":
        return _download(statements.statement_csv(statement), name)
    return _download(statement.annex_json, name)


@require_safe
@never_cache
@dashboard_reader_required
def annual_report_pdf(request: HttpRequest) -> HttpResponse:
    """The PDF for the annual public event: the year's completed collaborations, the
    organisations thanked (only those who allow it), KPIs against targets, priorities."""
    form, board = _board(request)
    year = board.filters.year
    context = {
        **_context(form, board),
        "collaborations": statements.showcase(year=year),
        "acknowledged": statements.acknowledged(year=year),
        "priorities": sorted(board.by_area, key=lambda row: -row["open"])[:5],
        "next_year": year + 1,
        "LANGUAGE_CODE": translation.get_language() or "it",
    }
    from contactpoint.pdf import html_to_pdf  # weasyprint loads slowly: on use

    pdf = html_to_pdf(render_to_string("monitoring/annual_report_pdf.html", context))
    return _download(pdf, f"annual-report-{year}.pdf")


@require_safe
def showcase(request: HttpRequest) -> HttpResponse:
    """Public: completed collaborations, naming only organisations that allow it."""
    page = Paginator(statements.showcase(), 24).get_page(request.GET.get("page"))
    return render(request, "monitoring/showcase.html", {"page": page})


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@dashboard_reader_required
def propose_topic(request: HttpRequest) -> HttpResponse:
    """A survey topic becomes a draft need of one of the user's departments."""
    if not access.can_propose_topics(request.user):
        return render(request, "monitoring/forbidden.html", status=403)
    from needs.services import departments_for

    data = request.POST if request.method == "POST" else None
    form = TopicNeedForm(data, initial=request.GET, departments=departments_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            need = surveys.propose_topic_as_need(actor=request.user, **form.cleaned_data)
        except ValidationError as errors:
            for field, field_messages in errors.message_dict.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request, _("The topic is now a draft need: complete it and publish it.")
            )
            return redirect("needs:workspace_edit", pk=need.pk)
    return render(
        request,
        "monitoring/topic_need_form.html",
        {"form": form, "topic": form["topic"].value()},
        status=400 if form.errors else 200,
    )
