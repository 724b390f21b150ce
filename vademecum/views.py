"""Pages of the vademecum: the public templates and guide, the legal office's workspace,
agreements for matches and the stakeholder's list of agreements.

Views parse input, check who may act, call one service and render. Objects come from
scoped lookups: an agreement another user may not read is a 404, whatever its token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from contactpoint.landing import organisations_area
from contactpoint.view_access import users_who
from matching.models import Match, Stage

from . import diff, guide, loading, pdf, placeholders, services
from .forms import AgreementForm, DraftForm, GuideForm, SignForm
from .models import Agreement, AgreementStatus, Template, TemplateVersion, VersionStatus, pick


def _language() -> str:
    return (get_language() or "it")[:2]


# Sign-in for visitors, 403 for users outside the legal office.
legal_required = users_who(
    services.is_legal, refusal=gettext_lazy("Only the legal office can use this workspace.")
)


def _refusal(request: HttpRequest, exc: services.VademecumError) -> None:
    if isinstance(exc, services.NotPermitted):
        raise PermissionDenied(str(exc.message))
    messages.error(request, str(exc.message))


def _refusal_on_form(form: Any, exc: services.VademecumError) -> None:
    """Like :func:`_refusal`, but the error lands on its field of the form (or above it)."""
    if isinstance(exc, services.NotPermitted):
        raise PermissionDenied(str(exc.message)) from exc
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


# --- Public pages ---------------------------------------------------------------------------


def _published_versions() -> list[TemplateVersion]:
    versions = list(
        TemplateVersion.objects.published()
        .select_related("template")
        .order_by("template__position", "template__slug")
    )
    for version in versions:
        version.summary = pick(version.guidance.get("summary"), _language())  # type: ignore[attr-defined]
    return versions


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    language = _language()
    return render(
        request,
        "vademecum/template_list.html",
        {
            "versions": _published_versions(),
            "notice": pick(guide.guide()["notice"], language),
        },
    )


@require_safe
def guide_page(request: HttpRequest) -> HttpResponse:
    """The question flow: a recommendation with its reasons once every question is answered."""
    language = _language()
    form = GuideForm(request.GET or None, language=language)
    result = None
    recommended: list[Template] = []
    if form.is_bound and form.is_valid():
        result = guide.recommend(form.cleaned_data)
        if result is not None:
            by_slug = Template.objects.in_bulk(result.slugs, field_name="slug")
            recommended = [by_slug[slug] for slug in result.slugs if slug in by_slug]
    return render(
        request,
        "vademecum/guide.html",
        {
            "form": form,
            "result": result,
            "because": pick(result.rule["because"], language) if result else "",
            "warnings": [pick(w["text"], language) for w in result.warnings] if result else [],
            "recommended": recommended,
            "notice": pick(guide.guide()["notice"], language),
        },
    )


@require_safe
def companies(request: HttpRequest) -> HttpResponse:
    """The private-sector edition: what a company prepares, per instrument."""
    language = _language()
    editions = [
        {
            "version": version,
            "summary": pick(version.guidance.get("summary"), language),
            "documents": [
                pick(d, language) for d in version.guidance.get("documents_required", [])
            ],
            "timing": pick(version.guidance.get("typical_timing"), language),
            "communication": pick(version.guidance.get("communication_plan"), language),
        }
        for version in _published_versions()
    ]
    return render(
        request,
        "vademecum/companies.html",
        {"editions": editions, "notice": pick(guide.guide()["notice"], language)},
    )


def _guidance(version: TemplateVersion, language: str) -> dict[str, Any]:
    data = version.guidance
    lists = ("city_checks", "obligations_city", "obligations_partner", "documents_required")
    return {
        **{key: pick(data.get(key), language) for key in loading.GUIDANCE_KEYS},
        **{key: [pick(item, language) for item in data.get(key, [])] for key in lists},
        "legal_basis": [
            {"text": pick(item, language), "verified": item.get("verified")}
            for item in data.get("legal_basis", [])
        ],
    }


def _clauses(version: TemplateVersion, language: str) -> list[dict[str, Any]]:
    return [
        {
            "key": clause["key"],
            "heading": pick(clause["heading"], language),
            "body": pick(clause["body"], language),
        }
        for clause in version.clauses
    ]


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    template = get_object_or_404(Template, slug=slug)
    history = list(template.versions.public().order_by("-number"))
    number = request.GET.get("version")
    if number and number.isdigit():
        version = next((v for v in history if v.number == int(number)), None)
        if version is None:
            raise Http404
    else:
        version = next((v for v in history if v.status == VersionStatus.PUBLISHED), None)
    if version is None:
        raise Http404
    version.template = template
    language = _language()
    return render(
        request,
        "vademecum/template_detail.html",
        {
            "template": template,
            "version": version,
            "history": history,
            "guidance": _guidance(version, language),
            "clauses": _clauses(version, language),
            "notice": pick(guide.guide()["notice"], language),
            "placeholders": [
                {"name": item["name"], "label": pick(item["label"], language)}
                for item in placeholders.definitions()
            ],
        },
    )


@require_safe
def compare(request: HttpRequest, slug: str) -> HttpResponse:
    """Clause-by-clause difference between two public versions (?from=1&to=2)."""
    template = get_object_or_404(Template, slug=slug)
    versions = {v.number: v for v in template.versions.public()}
    if services.is_legal(request.user):
        versions = {v.number: v for v in template.versions.all()}
    try:
        old = versions[int(request.GET.get("from", ""))]
        new = versions[int(request.GET.get("to", ""))]
    except (KeyError, ValueError):
        raise Http404 from None
    return render(
        request,
        "vademecum/template_diff.html",
        {
            "template": template,
            "old": old,
            "new": new,
            "changes": diff.clause_diff(old.clauses, new.clauses, language=_language()),
            "versions": sorted(versions.values(), key=lambda v: v.number),
        },
    )


@require_safe
def blank_pdf(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = get_object_or_404(
        TemplateVersion.objects.public().select_related("template"),
        template__slug=slug,
        number=number,
    )
    language = _language()
    content = pdf.blank_pdf(version, language)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{slug}-v{number}-{language}.pdf"'
    return response


# --- Legal workspace ------------------------------------------------------------------------


@require_safe
@legal_required
def workspace(request: HttpRequest) -> HttpResponse:
    versions = TemplateVersion.objects.select_related("template", "created_by", "approved_by")
    return render(
        request,
        "vademecum/workspace.html",
        {
            "drafts": versions.filter(status=VersionStatus.DRAFT).order_by("template__position"),
            "approved": versions.filter(status=VersionStatus.APPROVED).order_by(
                "template__position"
            ),
            "published": versions.filter(status=VersionStatus.PUBLISHED).order_by(
                "template__position"
            ),
            "agreements": services.agreements_for(request.user)
            .filter(status=AgreementStatus.READY)
            .order_by("created_at")[:100],
        },
    )


def _version(pk: int) -> TemplateVersion:
    return get_object_or_404(TemplateVersion.objects.select_related("template"), pk=pk)


@require_POST
@legal_required
def version_new_draft(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        draft = services.create_draft(version=_version(pk), actor=request.user)
    except services.VademecumError as exc:
        _refusal(request, exc)
        return redirect("vademecum:workspace")
    messages.success(request, _("Draft version %(n)s created.") % {"n": draft.number})
    return redirect("vademecum:version_edit", pk=draft.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@legal_required
def version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(pk)
    form = DraftForm(request.POST or None, version=version)
    approval_errors: list[str] = []
    if request.method == "POST" and version.is_editable and form.is_valid():
        try:
            version = services.update_draft(
                version=version,
                clauses=form.clauses(),
                changelog=form.cleaned_data["changelog"],
                actor=request.user,
            )
        except services.VademecumError as exc:
            _refusal(request, exc)
        else:
            if "approve" not in request.POST:
                messages.success(request, _("Draft saved."))
                return redirect("vademecum:version_edit", pk=version.pk)
            try:
                services.approve(version=version, actor=request.user)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    if field == "changelog":
                        form.add_error("changelog", errors)
                    else:
                        approval_errors.extend(errors)
            except services.VademecumError as exc:
                _refusal(request, exc)
            else:
                messages.success(request, _("Version approved: it can now be published."))
                return redirect("vademecum:workspace")
    previous = version.based_on
    return render(
        request,
        "vademecum/version_edit.html",
        {
            "version": version,
            "form": form,
            "approval_errors": approval_errors,
            "problems": placeholders.clause_problems(version.clauses),
            "changes": diff.clause_diff(previous.clauses, version.clauses, language=_language())
            if previous
            else [],
            "placeholders": placeholders.definitions(),
        },
        status=422 if approval_errors or (request.method == "POST" and form.errors) else 200,
    )


def _version_action(
    request: HttpRequest, pk: int, service: Callable[..., TemplateVersion], done: str
) -> HttpResponse:
    try:
        service(version=_version(pk), actor=request.user)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
        return redirect("vademecum:version_edit", pk=pk)
    except services.VademecumError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, done)
    return redirect("vademecum:workspace")


@require_POST
@legal_required
def version_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _version_action(request, pk, services.approve, _("Version approved."))


@require_POST
@legal_required
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _version_action(
        request, pk, services.publish, _("Version published; the previous one is retired.")
    )


@require_POST
@legal_required
def version_retire(request: HttpRequest, pk: int) -> HttpResponse:
    return _version_action(request, pk, services.retire, _("Version retired."))


# --- Agreements -----------------------------------------------------------------------------


def _agreement(request: HttpRequest, token: str) -> Agreement:
    """The agreement if the user may read it, else 404 (tokens of others reveal nothing)."""
    return get_object_or_404(services.agreements_for(request.user), token=token)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def agreement_new(request: HttpRequest, match_pk: int) -> HttpResponse:
    """The account manager prepares an agreement for a match in negotiation."""
    if not services.may_read_all_agreements(request.user):
        raise Http404
    match = get_object_or_404(
        Match.objects.select_related(
            "offer__organisation", "offer__contact", "need__department", "need__neighbourhood"
        ),
        pk=match_pk,
    )
    if not services.may_prepare_agreement(request.user, match):
        raise PermissionDenied(_("Only the match's account manager or a team lead can do this."))
    suggested = services.suggested_template(match)
    language = _language()
    initial: dict[str, Any] = {"language": "it"}
    for name, value in services.initial_values(match).items():
        initial[name.replace(".", "__")] = value
    if suggested:
        initial["version"] = (
            TemplateVersion.objects.published().filter(template__slug=suggested).first()
        )
    form = AgreementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.create_agreement(
                match=match,
                version=form.cleaned_data["version"],
                entered=form.entered(),
                language=form.cleaned_data["language"],
                actor=request.user,
            )
        except services.VademecumError as exc:
            _refusal_on_form(form, exc)
        else:
            return redirect("vademecum:agreement_detail", token=agreement.token)
    suggested_template = Template.objects.filter(slug=suggested).first() if suggested else None
    return render(
        request,
        "vademecum/agreement_form.html",
        {
            "match": match,
            "form": form,
            "suggested": suggested_template,
            "negotiating": match.stage == Stage.NEGOTIATING,
            "earlier": match.agreements.select_related("version__template"),
            "language": language,
        },
        status=422 if form.errors else 200,
    )


@require_safe
@login_required
def agreement_detail(request: HttpRequest, token: str) -> HttpResponse:
    """Staff page of an agreement; polled by htmx while the PDF is being rendered."""
    if not services.may_read_all_agreements(request.user):
        raise Http404
    agreement = _agreement(request, token)
    context = {
        "agreement": agreement,
        "sign_form": SignForm(),
        "may_sign": agreement.status == AgreementStatus.READY
        and (
            services.is_legal(request.user)
            or services.may_prepare_agreement(request.user, agreement.match)
        ),
    }
    if getattr(request, "htmx", False):
        return render(request, "vademecum/agreement_detail.html#status", context)
    return render(request, "vademecum/agreement_detail.html", context)


@require_POST
@login_required
def agreement_sign(request: HttpRequest, token: str) -> HttpResponse:
    if not services.may_read_all_agreements(request.user):
        raise Http404
    agreement = _agreement(request, token)
    # Permission before input: a colleague learns nothing from the form's errors.
    if not (
        services.is_legal(request.user)
        or services.may_prepare_agreement(request.user, agreement.match)
    ):
        raise PermissionDenied(
            _("Only the match's account manager or the legal office can do this.")
        )
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            services.mark_signed(
                agreement=agreement,
                signed_on=form.cleaned_data["signed_on"],
                protocol_number=form.cleaned_data["protocol_number"],
                actor=request.user,
            )
        except services.VademecumError as exc:
            _refusal_on_form(form, exc)
        else:
            messages.success(request, _("Agreement signed: the match is now agreed."))
            return redirect("vademecum:agreement_detail", token=agreement.token)
    return render(
        request,
        "vademecum/agreement_detail.html",
        {"agreement": agreement, "sign_form": form, "may_sign": True},
        status=422,
    )


@require_safe
@login_required
def agreement_pdf(request: HttpRequest, token: str) -> FileResponse:
    agreement = _agreement(request, token)
    if not agreement.pdf:
        raise Http404
    return FileResponse(
        agreement.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"agreement-{agreement.match_id}-{agreement.pk}.pdf",
    )


@require_safe
@login_required
@organisations_area
def my_agreements(request: HttpRequest) -> HttpResponse:
    """The agreements of the organisations the user acts for."""
    agreements = Agreement.objects.for_organisation_member(request.user).select_related(
        "version__template", "match__need"
    )
    return render(request, "vademecum/agreement_my_list.html", {"agreements": agreements})
